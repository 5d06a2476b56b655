"""record_fit: a stored fit written into one team or feature row through the scenario document's rules; an
invalid result refused with its field path and nothing written; then fit -> apply -> forecast end to end."""

from __future__ import annotations

import math
from typing import Any

import pytest

from forecasting.services import forecast_document
from procurement.models import Feature, Organization, PriceCatalog, Scenario, Team
from procurement.models.usage import UsageImport
from procurement.scenario_document import ScenarioValidationError
from procurement.services import scenario_to_document
from procurement.usage.applying import TEAM_FIT_FIELDS, record_fit
from tests.factories import UsageImportFactory
from tests.usage.conftest import ADMIN_REPORTS, ccusage_uploads, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_import(organization: Organization) -> UsageImport:
    """All eight engineers' files (the shared fixture imports six)."""
    return UsageImportFactory.create(organization=organization, uploads=ccusage_uploads())


@pytest.fixture
def feature_import(organization: Organization) -> UsageImport:
    feature_map = {"wrkspc_01gTyx1sjrf2UXAhRWq9vtH9": "Support summariser"}
    uploads = [upload(n) for n in ADMIN_REPORTS]
    return UsageImportFactory.create(
        organization=organization, uploads=uploads, team=None, feature_map=feature_map
    )


def test_a_team_fit_replaces_the_usage_fields_and_drops_the_preset(
    scenario: Scenario, team_import: UsageImport
) -> None:
    web = scenario.teams.get(name="Web")
    before = Team.objects.get(pk=web.pk)
    document = record_fit(team_import, scenario, team="Web").document
    fit = team_import.fits["teams"][0]
    after = Team.objects.get(pk=web.pk)  # the same row, updated in place
    for field in (f for f in TEAM_FIT_FIELDS if f in fit):  # the fields the fit carries
        assert getattr(after, field) == pytest.approx(fit[field], rel=1e-12), field
    assert after.usage_preset == ""
    assert (after.headcount_now, after.adoption_now, after.allowed_plans) == (
        before.headcount_now,
        before.adoption_now,
        before.allowed_plans,
    )
    web_doc = next(t for t in document["teams"] if t["name"] == "Web")
    assert web_doc["usage_median_usd"] == pytest.approx(fit["usage_median_usd"])
    assert web_doc["usage_preset"] is None
    platform = scenario.teams.get(name="Platform")  # the other team is untouched
    assert (platform.usage_median_usd, platform.usage_p90_usd) == (150, 600)


def test_a_feature_fit_replaces_volume_growth_tokens_and_model_mix(
    scenario: Scenario, feature_import: UsageImport
) -> None:
    record_fit(feature_import, scenario, feature="support SUMMARISER", fit="Support summariser")
    fit = feature_import.fit("features", "Support summariser")
    assert fit is not None
    row = Feature.objects.get(scenario=scenario, name="Support summariser")
    assert row.requests_per_month == pytest.approx(fit["requests_per_month"])
    assert (row.input_tokens, row.output_tokens) == (
        pytest.approx(1000.0),
        pytest.approx(fit["output_tokens"]),
    )
    assert row.model_mix == pytest.approx({"claude-sonnet-4-5": 0.7994, "claude-haiku-4-5": 0.2006}, abs=1e-3)
    assert math.isclose(row.cache_hit_rate + row.cache_write_rate, 0.5515, abs_tol=1e-3)
    assert row.levers == {"model_mix": {"claude-haiku-4-5": 1.0}, "cache_hit_rate": 0.8, "batch_share": 0.6}
    assert row.batch_share == 0.3  # not fitted (the usage report is not grouped by tier): kept


def test_an_out_of_bounds_fit_is_refused_with_its_field_path_and_nothing_is_written(
    scenario: Scenario, team_import: UsageImport
) -> None:
    team_import.fits["teams"][0]["usage_growth"] = 1.5  # beyond the scenario bound of +100% a month
    team_import.fits["teams"][0]["usage_median_usd"] = 999.0  # above the fitted p90 (934 USD)
    before = scenario_to_document(scenario)
    with pytest.raises(ScenarioValidationError) as caught:
        record_fit(team_import, scenario, team="Platform")
    assert sorted(caught.value.errors) == ["teams[0].usage_growth", "teams[0].usage_p90_usd"]
    assert scenario_to_document(scenario) == before


def test_a_feature_fit_naming_a_model_outside_the_scenarios_catalog_is_refused(
    scenario: Scenario, feature_import: UsageImport
) -> None:
    fit = feature_import.fit("features", "Support summariser")
    assert fit is not None
    fit["model_mix"] = {"claude-unknown-9": 1.0}
    before = scenario_to_document(scenario)
    with pytest.raises(ScenarioValidationError) as caught:
        record_fit(feature_import, scenario, feature="Support summariser", fit="Support summariser")
    assert any(path.startswith("features[0].model_mix") for path in caught.value.errors)
    assert scenario_to_document(scenario) == before


@pytest.mark.parametrize(
    ("target", "fit", "field", "message"),
    [
        ({"team": "Mobile"}, None, "team", "the scenario has no team named 'Mobile' (it has Platform, Web)"),
        ({"team": "Web"}, "Backend", "fit", "no team fit named 'Backend'; the import has Platform"),
        ({}, None, "team", "give either a team or a feature of the scenario"),
        ({"feature": "Agent"}, None, "fit", "this import has no feature fit"),
    ],
)
def test_a_missing_target_or_fit_is_refused_by_field(
    scenario: Scenario,
    team_import: UsageImport,
    target: dict[str, str],
    fit: str | None,
    field: str,
    message: str,
) -> None:
    with pytest.raises(ScenarioValidationError) as caught:
        record_fit(team_import, scenario, fit=fit, **target)
    assert caught.value.errors == {field: [message]}


def test_several_feature_fits_need_a_name(scenario: Scenario, feature_import: UsageImport) -> None:
    with pytest.raises(ScenarioValidationError) as caught:
        record_fit(feature_import, scenario, feature="Agent")
    assert caught.value.errors["fit"][0].startswith(
        "name the feature fit to apply: one of Support summariser, "
    )


def test_fit_apply_forecast_round_trip(
    scenario: Scenario, team_import: UsageImport, default_catalog: PriceCatalog
) -> None:
    """Import the ccusage samples as a team, apply the fit to a scenario's team, forecast that scenario."""
    fit = team_import.fits["teams"][0]
    before = _forecast(scenario_to_document(scenario), default_catalog)
    document = record_fit(team_import, scenario, team="Platform").document
    platform = next(t for t in document["teams"] if t["name"] == "Platform")
    # The samples' median engineer spends about 8 USD per active day over ~20 working days (README), and
    # the heavy eng-04 / eng-09 stretch the p90: the fitted level lies in that range, p90 well above.
    assert 100 < platform["usage_median_usd"] < 400
    assert platform["usage_p90_usd"] > 3 * platform["usage_median_usd"]
    assert (platform["usage_median_usd"], platform["usage_p90_usd"]) == (
        fit["usage_median_usd"],
        fit["usage_p90_usd"],
    )
    after = _forecast(document, default_catalog)
    cost_before, cost_after = (
        {team["name"]: team["expected_cost"] for team in result["seats"]["teams"]}
        for result in (before, after)
    )
    assert cost_after["Platform"] > 0
    # The fit raises the median (150 -> ~211 USD), the p90 (600 -> ~934) and the drift (0 -> ~+8% a month):
    # with the same seed, the team's expected seat cost must rise, and the untouched team's must not move.
    assert cost_after["Platform"] > 1.5 * cost_before["Platform"]
    assert cost_after["Web"] == pytest.approx(cost_before["Web"], rel=1e-9)


def _forecast(document: dict[str, Any], catalog: PriceCatalog) -> dict[str, Any]:
    """In-process forecast with the smallest allowed trials, as a run of the document would compute it."""
    result: dict[str, Any] = forecast_document(document, catalog=catalog, trials=1_000, seed=7)
    return result
