"""The pure scenario validator: every bad input refused at its field path, defaults filled, idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from procurement.scenario_document import CatalogKeys, ScenarioValidationError, validate_scenario_document
from tests.procurement.bad_scenarios import BAD_SCENARIOS, Mutation, apply


def _errors(document: Any, keys: CatalogKeys) -> dict[str, list[str]]:
    with pytest.raises(ScenarioValidationError) as caught:
        validate_scenario_document(document, catalog_keys=keys)
    return caught.value.errors


def test_the_bad_scenario_table_has_at_least_thirty_distinct_cases() -> None:
    assert len({case_id for case_id, _, _ in BAD_SCENARIOS}) == len(BAD_SCENARIOS) >= 30


@pytest.mark.parametrize(("case_id", "mutation", "path"), BAD_SCENARIOS, ids=[c[0] for c in BAD_SCENARIOS])
def test_bad_scenario_is_refused_at_its_field_path(
    case_id: str, mutation: Mutation, path: str, minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    errors = _errors(apply(minimal_document, mutation), catalog_keys)
    assert path in errors, f"{case_id}: expected an error at {path!r}, got {errors}"
    assert all(isinstance(message, str) and message for message in errors[path])


def test_minimal_document_is_valid(minimal_document: dict[str, Any], catalog_keys: CatalogKeys) -> None:
    normalised = validate_scenario_document(minimal_document, catalog_keys=catalog_keys)
    assert [team["name"] for team in normalised["teams"]] == ["Platform", "Web"]
    assert normalised["features"][1]["launch_month"] == 6


def test_defaults_of_design_section_3_are_filled_in(catalog_keys: CatalogKeys) -> None:
    document = {
        "name": " Lean ",
        "start_month": "2027-04",
        "term_months": 12,
        "teams": [{"name": "Ops", "headcount_now": 10, "adoption_now": 0.5, "usage_preset": "typical"}],
        "features": [
            {
                "name": "Bot",
                "requests_per_month": 1000,
                "input_tokens": 500,
                "output_tokens": 100,
                "model_mix": {"claude-haiku-4-5": 1},
            }
        ],
    }
    normalised = validate_scenario_document(document, catalog_keys=catalog_keys)
    assert normalised["name"] == "Lean"
    assert normalised["price_catalog"] == catalog_keys.slug
    assert normalised["simulation"] == {"trials": 20_000, "seed": None}
    assert normalised["contract"] == {
        "api": {
            "commitment_period_months": 12,
            "discount_bands": [{"min_commitment": 0.0, "discount": 0.0}],
            "overage": "list",
            "rollover_share": 0.0,
            "ramp_allowed": False,
            "max_unused_probability": None,
            "claude_code_api_usage_counts": True,
            "extra_usage_counts": False,
            "commitment_granularity_usd": 1_000.0,
        },
        "seats": {"annual_term": True, "blocked_usage_value": 1.0},
    }
    team = normalised["teams"][0]
    assert (team["headcount_end"], team["adoption_end"]) == (10.0, 0.5)  # flat unless told otherwise
    assert (team["usage_persistence"], team["usage_growth"], team["headcount_sd"]) == (0.6, 0.0, 0.0)
    assert (team["usage_median_usd"], team["usage_p90_usd"]) == (None, None)  # the preset supplies them
    assert team["allowed_plans"] == list(catalog_keys.plans)
    feature = normalised["features"][0]
    assert feature["launch_month"] == 0
    assert feature["cache_ttl"] == "5m"
    assert feature["seasonality"] is None
    assert feature["levers"] is None
    assert feature["model_mix"] == {"claude-haiku-4-5": 1.0}


def test_validating_a_normalised_document_returns_it_unchanged(
    minimal_document: dict[str, Any], demo_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    for document in (minimal_document, demo_document):
        normalised = validate_scenario_document(document, catalog_keys=catalog_keys)
        assert validate_scenario_document(normalised, catalog_keys=catalog_keys) == normalised


def test_float_fields_become_floats_and_integral_floats_are_accepted_for_counts(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    minimal_document["term_months"] = 24.0
    normalised = validate_scenario_document(minimal_document, catalog_keys=catalog_keys)
    assert normalised["term_months"] == 24
    assert type(normalised["term_months"]) is int
    assert type(normalised["teams"][0]["headcount_now"]) is float
    assert type(normalised["contract"]["api"]["discount_bands"][1]["min_commitment"]) is float


@pytest.mark.parametrize(("share", "accepted"), [(0.2 + 5e-7, True), (0.2 - 5e-7, True), (0.2 + 2e-6, False)])
def test_model_mix_must_sum_to_one_within_one_in_a_million(
    share: float, accepted: bool, minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    minimal_document["features"][0]["model_mix"] = {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": share}
    if accepted:
        validate_scenario_document(minimal_document, catalog_keys=catalog_keys)
    else:
        assert "features[0].model_mix" in _errors(minimal_document, catalog_keys)


def test_cache_hit_and_write_rates_may_sum_to_exactly_one(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    minimal_document["features"][0].update(cache_hit_rate=0.7, cache_write_rate=0.3)
    minimal_document["features"][0]["levers"]["cache_hit_rate"] = 0.7
    validate_scenario_document(minimal_document, catalog_keys=catalog_keys)


def test_a_short_last_commitment_period_is_allowed(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    minimal_document["term_months"] = 30  # periods of 12, 12 and 6 months
    assert validate_scenario_document(minimal_document, catalog_keys=catalog_keys)["term_months"] == 30


def test_every_problem_of_a_document_is_reported_at_once(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    minimal_document["term_months"] = 0
    minimal_document["teams"][0]["usage_p90_usd"] = 10
    minimal_document["features"][0]["batch_share"] = -1
    minimal_document["contract"]["api"]["overage"] = "never"
    errors = _errors(minimal_document, catalog_keys)
    assert {
        "term_months",
        "teams[0].usage_p90_usd",
        "features[0].batch_share",
        "contract.api.overage",
    } <= set(errors)


def test_messages_say_what_is_wrong_with_the_value(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    minimal_document["teams"][0]["usage_p90_usd"] = 100
    minimal_document["simulation"]["trials"] = 500
    errors = _errors(minimal_document, catalog_keys)
    assert errors["teams[0].usage_p90_usd"] == ["must be ≥ usage_median_usd (150), got 100"]
    assert errors["simulation.trials"] == ["must be at least 1,000 and at most 1,000,000 (got 500)"]
    assert str(_errors_as_exception(minimal_document, catalog_keys)).count("\n") == 2


def _errors_as_exception(document: Any, keys: CatalogKeys) -> ScenarioValidationError:
    with pytest.raises(ScenarioValidationError) as caught:
        validate_scenario_document(document, catalog_keys=keys)
    return caught.value


def test_no_catalog_installed_refuses_every_document(minimal_document: dict[str, Any]) -> None:
    empty = CatalogKeys(slug="", models=frozenset(), plans=(), presets=frozenset())
    assert "price_catalog" in _errors(minimal_document, empty)


def test_validator_does_not_modify_its_input(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    import copy

    before = copy.deepcopy(minimal_document)
    validate_scenario_document(minimal_document, catalog_keys=catalog_keys)
    assert minimal_document == before


@pytest.mark.parametrize(("term_months", "expected_period"), [(6, 6), (12, 12), (36, 12)])
def test_default_commitment_period_is_a_year_or_the_whole_shorter_term(
    term_months: int, expected_period: int, catalog_keys: CatalogKeys
) -> None:
    document = {"name": "Short", "start_month": "2027-01", "term_months": term_months}
    normalised = validate_scenario_document(document, catalog_keys=catalog_keys)
    assert normalised["contract"]["api"]["commitment_period_months"] == expected_period
