"""A table of bad scenario documents, each with the field path its error must be reported at.

Each case is (id, mutation, expected path); the mutation edits a copy of conftest.MINIMAL_DOCUMENT in
place (or returns a replacement document). Used by the pure validator tests and the save-service tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Mutation = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting `a.b[0].c` to value."""

    def mutate(doc: dict[str, Any]) -> None:
        parts = path.replace("]", "").replace("[", ".").split(".")
        target: Any = doc
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        last = parts[-1]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.replace("]", "").replace("[", ".").split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return mutate


def _replace(value: Any) -> Mutation:
    return lambda doc: value


def _both(*mutations: Mutation) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(doc)

    return mutate


def _many_teams(doc: dict[str, Any]) -> None:
    template = doc["teams"][0]
    doc["teams"] = [{**template, "name": f"Team {i}"} for i in range(501)]


def _many_features(doc: dict[str, Any]) -> None:
    template = doc["features"][0]
    doc["features"] = [{**template, "name": f"Feature {i}"} for i in range(1_001)]


_BANDS = "contract.api.discount_bands"

BAD_SCENARIOS: list[tuple[str, Mutation, str]] = [
    ("document_is_a_list", _replace([]), "document"),
    ("document_is_a_string", _replace("scenario"), "document"),
    ("unknown_top_level_key", _set("budget", 100), "budget"),
    ("name_missing", _delete("name"), "name"),
    ("name_blank", _set("name", "   "), "name"),
    ("name_too_long", _set("name", "x" * 201), "name"),
    ("name_with_nul", _set("name", "Acme\x00"), "name"),
    ("name_is_a_number", _set("name", 5), "name"),
    ("start_month_13", _set("start_month", "2027-13"), "start_month"),
    ("start_month_words", _set("start_month", "Jan 2027"), "start_month"),
    ("start_month_full_date", _set("start_month", "2027-01-01"), "start_month"),
    ("term_zero", _set("term_months", 0), "term_months"),
    ("term_61", _set("term_months", 61), "term_months"),
    ("term_fraction", _set("term_months", 12.5), "term_months"),
    ("term_bool", _set("term_months", True), "term_months"),
    ("term_string", _set("term_months", "24"), "term_months"),
    ("catalog_unknown", _set("price_catalog", "openai-2026"), "price_catalog"),
    ("catalog_not_a_string", _set("price_catalog", 3), "price_catalog"),
    ("trials_999", _set("simulation.trials", 999), "simulation.trials"),
    ("trials_over_a_million", _set("simulation.trials", 1_000_001), "simulation.trials"),
    ("seed_negative", _set("simulation.seed", -1), "simulation.seed"),
    ("seed_fraction", _set("simulation.seed", 1.5), "simulation.seed"),
    ("simulation_unknown_key", _set("simulation.chunks", 4), "simulation.chunks"),
    (
        "period_longer_than_term",
        _set("contract.api.commitment_period_months", 25),
        "contract.api.commitment_period_months",
    ),
    ("bands_empty", _set(_BANDS, []), _BANDS),
    ("first_band_not_zero", _set(f"{_BANDS}[0].min_commitment", 100), f"{_BANDS}[0].min_commitment"),
    ("bands_decreasing", _set(f"{_BANDS}[2].min_commitment", 200_000), f"{_BANDS}[2].min_commitment"),
    ("bands_equal_thresholds", _set(f"{_BANDS}[1].min_commitment", 0), f"{_BANDS}[1].min_commitment"),
    ("band_discount_one", _set(f"{_BANDS}[1].discount", 1.0), f"{_BANDS}[1].discount"),
    ("band_discount_nan", _set(f"{_BANDS}[1].discount", math.nan), f"{_BANDS}[1].discount"),
    ("band_threshold_infinite", _set(f"{_BANDS}[2].min_commitment", math.inf), f"{_BANDS}[2].min_commitment"),
    ("band_missing_discount", _delete(f"{_BANDS}[1].discount"), f"{_BANDS}[1].discount"),
    ("band_is_a_number", _set(f"{_BANDS}[1]", 250_000), f"{_BANDS}[1]"),
    ("overage_unknown", _set("contract.api.overage", "half"), "contract.api.overage"),
    ("rollover_above_one", _set("contract.api.rollover_share", 1.5), "contract.api.rollover_share"),
    ("ramp_string", _set("contract.api.ramp_allowed", "yes"), "contract.api.ramp_allowed"),
    (
        "max_unused_negative",
        _set("contract.api.max_unused_probability", -0.1),
        "contract.api.max_unused_probability",
    ),
    (
        "counts_as_int",
        _set("contract.api.claude_code_api_usage_counts", 1),
        "contract.api.claude_code_api_usage_counts",
    ),
    (
        "extra_counts_as_string",
        _set("contract.api.extra_usage_counts", "yes"),
        "contract.api.extra_usage_counts",
    ),
    ("seats_unknown_key", _set("contract.seats.annual", True), "contract.seats.annual"),
    (
        "blocked_value_infinite",
        _set("contract.seats.blocked_usage_value", math.inf),
        "contract.seats.blocked_usage_value",
    ),
    ("teams_not_a_list", _set("teams", {"Platform": {}}), "teams"),
    ("team_is_a_string", _set("teams[0]", "Platform"), "teams[0]"),
    ("team_name_missing", _delete("teams[0].name"), "teams[0].name"),
    ("team_names_duplicate_ignoring_case", _set("teams[1].name", "PLATFORM"), "teams[1].name"),
    ("headcount_over_a_million", _set("teams[0].headcount_now", 1_000_001), "teams[0].headcount_now"),
    ("headcount_negative", _set("teams[0].headcount_end", -5), "teams[0].headcount_end"),
    ("adoption_above_one", _set("teams[0].adoption_end", 1.2), "teams[0].adoption_end"),
    ("p90_below_median", _set("teams[0].usage_p90_usd", 100), "teams[0].usage_p90_usd"),
    ("median_zero", _set("teams[0].usage_median_usd", 0), "teams[0].usage_median_usd"),
    ("usage_missing_without_preset", _delete("teams[0].usage_median_usd"), "teams[0].usage_median_usd"),
    ("preset_unknown", _set("teams[1].usage_preset", "extreme"), "teams[1].usage_preset"),
    ("preset_and_numbers", _set("teams[1].usage_median_usd", 40), "teams[1].usage_median_usd"),
    ("allowed_plans_empty", _set("teams[0].allowed_plans", []), "teams[0].allowed_plans"),
    (
        "allowed_plan_without_claude_code",
        _set("teams[0].allowed_plans", ["api", "team_standard"]),
        "teams[0].allowed_plans[1]",
    ),
    ("allowed_plan_twice", _set("teams[0].allowed_plans", ["pro", "pro"]), "teams[0].allowed_plans[1]"),
    ("persistence_bool", _set("teams[0].usage_persistence", True), "teams[0].usage_persistence"),
    ("usage_growth_minus_one", _set("teams[0].usage_growth", -1.0), "teams[0].usage_growth"),
    ("team_unknown_key", _set("teams[0].headcount", 40), "teams[0].headcount"),
    ("too_many_teams", _many_teams, "teams"),
    ("features_is_null", _set("features", None), "features"),
    (
        "mix_sums_to_0_9",
        _set("features[0].model_mix", {"claude-sonnet-4-5": 0.7, "claude-haiku-4-5": 0.2}),
        "features[0].model_mix",
    ),
    (
        "mix_unknown_model",
        _set("features[0].model_mix", {"claude-5-ultra": 1.0}),
        "features[0].model_mix.claude-5-ultra",
    ),
    ("mix_empty", _set("features[0].model_mix", {}), "features[0].model_mix"),
    (
        "mix_share_string",
        _set("features[0].model_mix", {"claude-sonnet-4-5": "1"}),
        "features[0].model_mix.claude-sonnet-4-5",
    ),
    (
        "mix_share_negative",
        _set("features[0].model_mix", {"claude-sonnet-4-5": 1.5, "claude-haiku-4-5": -0.5}),
        "features[0].model_mix.claude-haiku-4-5",
    ),
    ("cache_rates_above_one", _set("features[0].cache_hit_rate", 0.96), "features[0].cache_hit_rate"),
    (
        "lever_cache_rates_above_one",
        _set("features[0].levers.cache_hit_rate", 0.99),
        "features[0].levers.cache_hit_rate",
    ),
    ("levers_empty", _set("features[0].levers", {}), "features[0].levers"),
    ("levers_unknown_key", _set("features[0].levers.routing", "cheap"), "features[0].levers.routing"),
    (
        "lever_mix_bad_sum",
        _set("features[0].levers.model_mix", {"claude-haiku-4-5": 0.5}),
        "features[0].levers.model_mix",
    ),
    ("cache_ttl_one_day", _set("features[1].cache_ttl", "1d"), "features[1].cache_ttl"),
    ("seasonality_eleven_months", _set("features[1].seasonality", [1.0] * 11), "features[1].seasonality"),
    ("seasonality_zero_month", _set("features[1].seasonality[3]", 0), "features[1].seasonality[3]"),
    ("seasonality_string", _set("features[1].seasonality", "flat"), "features[1].seasonality"),
    ("launch_at_term_end", _set("features[1].launch_month", 24), "features[1].launch_month"),
    ("launch_negative", _set("features[1].launch_month", -1), "features[1].launch_month"),
    (
        "launch_after_shortened_term",
        _both(_set("term_months", 6), _set("contract.api.commitment_period_months", 6)),
        "features[1].launch_month",
    ),
    ("batch_share_above_one", _set("features[0].batch_share", 1.01), "features[0].batch_share"),
    ("growth_minus_one", _set("features[0].growth", -1), "features[0].growth"),
    ("requests_missing", _delete("features[0].requests_per_month"), "features[0].requests_per_month"),
    ("input_tokens_string", _set("features[0].input_tokens", "3000"), "features[0].input_tokens"),
    ("output_tokens_bool", _set("features[0].output_tokens", False), "features[0].output_tokens"),
    ("feature_names_duplicate", _set("features[1].name", " support summariser "), "features[1].name"),
    ("too_many_features", _many_features, "features"),
]


def apply(document: dict[str, Any], mutation: Mutation) -> Any:
    """The mutated document (mutations edit in place or return a replacement)."""
    replaced = mutation(document)
    return document if replaced is None else replaced
