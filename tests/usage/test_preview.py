"""The preview of applying a fit (procurement.usage.applying.plan_fit, forecasting.services.preview): each
changed input before and after, the plausibility flags at their thresholds, and the cost change from a
quick forecast with the same seed before and after, checked against what the model makes exact (a fit
equal to the scenario costs nothing; usage scaled by k scales a feature's spend, and an API-billed team's
cost, by exactly k); a preview writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from forecasting.services.preview import PREVIEW_SEED, PREVIEW_TRIALS, preview_fit
from procurement.models import Feature, Organization, PriceCatalog, Scenario, ScenarioRevision, Team
from procurement.models.usage import UsageImport
from procurement.scenario_document import ScenarioValidationError
from procurement.services import save_scenario, scenario_to_document
from procurement.usage.applying import (
    MAX_PLAUSIBLE_MONTHLY_GROWTH,
    MAX_PLAUSIBLE_P90_RATIO,
    MIN_PLAUSIBLE_ENGINEERS,
    plan_fit,
    plausibility_flags,
)

pytestmark = pytest.mark.django_db


def fits_import(
    organization: Organization,
    *,
    teams: Sequence[dict[str, Any]] = (),
    features: Sequence[dict[str, Any]] = (),
    warnings: Sequence[str] = (),
) -> UsageImport:
    """An import holding the given fits as the importer stores them (the scenario's field names, and the
    diagnostics under `fit`), without files: the preview reads only the stored fits."""
    catalog = PriceCatalog.objects.default()
    assert catalog is not None
    return UsageImport.objects.create(
        organization=organization,
        price_catalog=catalog,
        checksum=uuid.uuid4().hex,
        fits={"teams": list(teams), "features": list(features), "warnings": list(warnings)},
    )


def team_fit(name: str = "Platform", *, engineers: int = 40, **fields: float) -> dict[str, Any]:
    values = {
        "usage_median_usd": 150.0,
        "usage_p90_usd": 600.0,
        "usage_persistence": 0.6,
        "usage_growth": 0.0,
        "usage_growth_sd": 0.0,
    }
    return {"name": name, **values, **fields, "fit": {"engineers": engineers, "months": 6}}


def scenario_state(scenario: Scenario) -> tuple[Any, ...]:
    """Everything a preview must leave alone: the document, updated_at and the row counts."""
    scenario = Scenario.objects.get(pk=scenario.pk)
    counts = (Team.objects.count(), Feature.objects.count(), ScenarioRevision.objects.count())
    return scenario_to_document(scenario), scenario.updated_at, counts


def test_the_preview_lists_each_changed_input_before_and_after(
    organization: Organization, scenario: Scenario
) -> None:
    fit = team_fit("Web", usage_median_usd=90.0, usage_p90_usd=500.0, usage_growth=0.01)
    plan = plan_fit(fits_import(organization, teams=[fit]), scenario, team="web")
    changes = {change.path: (change.before, change.after) for change in plan.changes}
    assert changes == {
        # Web uses the light preset (40 / 150 in the default catalog): its numbers are the "before"
        "teams[1].usage_median_usd": (40.0, 90.0),
        "teams[1].usage_p90_usd": (150.0, 500.0),
        "teams[1].usage_growth": (0.0, 0.01),
        "teams[1].usage_preset": ("light", None),
    }  # persistence 0.6 and growth sd 0 are the scenario's already: not listed
    assert (plan.target, plan.noun, plan.fit_name, plan.flags) == ("Web", "team", "Web", ())
    assert plan.document["teams"][1]["usage_median_usd"] == 90.0
    assert plan.previous_document == scenario_to_document(scenario)


def test_a_fit_equal_to_the_scenario_changes_nothing_and_costs_exactly_nothing(
    organization: Organization, scenario: Scenario
) -> None:
    preview = preview_fit(fits_import(organization, teams=[team_fit()]), scenario, team="Platform")
    assert preview.plan.changes == ()
    assert preview.subject.change == 0.0  # the same seed draws the same numbers: no noise at all
    assert preview.total.change == 0.0
    assert preview.commitments_before == preview.commitments_after
    assert (preview.trials, preview.seed) == (PREVIEW_TRIALS, PREVIEW_SEED)


def test_doubling_a_features_requests_doubles_its_spend_exactly(
    organization: Organization, scenario: Scenario
) -> None:
    """Spend is requests x tokens x prices per trial and month, and both forecasts draw the same growth
    and volatility: the ratio of expected spends is the ratio of requests, to rounding."""
    fit = {"name": "Support summariser", "requests_per_month": 800_000.0, "fit": {"months": 6}}
    preview = preview_fit(fits_import(organization, features=[fit]), scenario, feature="Support summariser")
    assert [c.path for c in preview.plan.changes] == ["features[0].requests_per_month"]
    assert preview.subject.after / preview.subject.before == pytest.approx(2.0, rel=1e-9)
    assert preview.subject.label == "Support summariser: expected list API spend over the term"
    assert preview.total.change > 0
    assert all(a >= b for a, b in zip(preview.commitments_after, preview.commitments_before, strict=True))


def test_an_api_billed_teams_cost_scales_with_its_usage_level(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    """A team allowed only API billing pays its usage: ln U = mu + ..., so median and p90 both x2 (sigma
    unchanged) doubles every trial's usage and the expected cost, exactly with the same draws."""
    minimal_document["teams"][0]["allowed_plans"] = ["api"]
    scenario = save_scenario(organization, minimal_document)
    fit = team_fit(usage_median_usd=300.0, usage_p90_usd=1200.0)
    preview = preview_fit(fits_import(organization, teams=[fit]), scenario, team="Platform")
    assert preview.subject.before > 0
    assert preview.subject.after / preview.subject.before == pytest.approx(2.0, rel=1e-9)


def test_more_usage_on_seats_costs_more_but_less_than_in_proportion(
    organization: Organization, scenario: Scenario
) -> None:
    """Median and p90 x4 on a team with seat plans: seats cap what heavy users cost, so the team's cost
    rises, but by less than 4x; the total rises by the team's change plus any change in API overage."""
    fit = team_fit(usage_median_usd=600.0, usage_p90_usd=2400.0)
    preview = preview_fit(fits_import(organization, teams=[fit]), scenario, team="Platform")
    assert preview.subject.label == "Platform: expected seat cost over the term"
    assert preview.subject.before < preview.subject.after < 4 * preview.subject.before
    assert preview.total.change > 0
    assert preview.subject.relative == pytest.approx(preview.subject.change / preview.subject.before)


@pytest.mark.parametrize(
    ("fit", "fields"),
    [
        (team_fit(usage_growth=MAX_PLAUSIBLE_MONTHLY_GROWTH), []),  # at the threshold: not beyond it
        (team_fit(usage_growth=-MAX_PLAUSIBLE_MONTHLY_GROWTH), []),
        (team_fit(usage_growth=0.0501), ["usage_growth"]),
        (team_fit(usage_growth=-0.0501), ["usage_growth"]),
        (team_fit(usage_median_usd=100.0, usage_p90_usd=100.0 * MAX_PLAUSIBLE_P90_RATIO), []),
        (team_fit(usage_median_usd=100.0, usage_p90_usd=2000.5), ["usage_p90_usd"]),
        (team_fit(engineers=MIN_PLAUSIBLE_ENGINEERS), []),
        (team_fit(engineers=MIN_PLAUSIBLE_ENGINEERS - 1), ["engineers"]),
        (team_fit(engineers=3, usage_growth=0.08), ["usage_growth", "engineers"]),
    ],
)
def test_team_flags_fire_beyond_their_thresholds_and_not_at_or_below(
    fit: dict[str, Any], fields: list[str]
) -> None:
    assert [flag.field for flag in plausibility_flags("teams", fit)] == fields


@pytest.mark.parametrize(
    ("growth", "flagged"), [(0.05, False), (0.0501, True), (-0.0501, True), (0.01, False)]
)
def test_a_features_growth_is_flagged_beyond_five_percent_a_month(growth: float, flagged: bool) -> None:
    fit = {"name": "Bot", "growth": growth, "fit": {}}  # a feature has no engineers or p90
    flags = plausibility_flags("features", fit)
    assert [f.field for f in flags] == (["growth"] if flagged else [])
    if flagged:
        assert flags[0].value == growth
        assert flags[0].threshold == MAX_PLAUSIBLE_MONTHLY_GROWTH
        assert "a month is beyond ±5%" in flags[0].message


def test_the_preview_carries_the_flags_and_the_imports_warnings(
    organization: Organization, scenario: Scenario
) -> None:
    fit = team_fit(engineers=4, usage_growth=0.083)
    usage_import = fits_import(organization, teams=[fit], warnings=["eng-07: a short history"])
    plan = plan_fit(usage_import, scenario, team="Platform")
    assert [(f.field, f.value) for f in plan.flags] == [("usage_growth", 0.083), ("engineers", 4.0)]
    assert "2.60x in a year" in plan.flags[0].message  # 1.083^12 = 2.6035
    assert plan.warnings == ("eng-07: a short history",)


def test_a_preview_writes_nothing(organization: Organization, scenario: Scenario) -> None:
    before = scenario_state(scenario)
    fit = team_fit("Web", usage_median_usd=500.0, usage_p90_usd=4000.0)
    preview = preview_fit(fits_import(organization, teams=[fit]), scenario, team="Web")
    assert preview.plan.changes  # it would change something
    assert scenario_state(scenario) == before


def test_an_out_of_bounds_fit_is_refused_by_field_path_and_nothing_is_written(
    organization: Organization, scenario: Scenario
) -> None:
    before = scenario_state(scenario)
    usage_import = fits_import(organization, teams=[team_fit(usage_growth=1.5)])
    with pytest.raises(ScenarioValidationError) as refused:
        preview_fit(usage_import, scenario, team="Platform")
    assert list(refused.value.errors) == ["teams[0].usage_growth"]
    with pytest.raises(ScenarioValidationError) as no_row:
        plan_fit(usage_import, scenario, team="Mobile")
    assert list(no_row.value.errors) == ["team"]
    assert scenario_state(scenario) == before


def test_each_change_carries_the_fits_own_interval_when_it_reports_one(
    organization: Organization, scenario: Scenario
) -> None:
    fit = team_fit(usage_median_usd=180.0, usage_p90_usd=700.0)
    fit["fit"]["intervals"] = {
        "usage_median_usd": [160.0, 205.0]
    }  # as procurement.imports.document stores it
    plan = plan_fit(fits_import(organization, teams=[fit]), scenario, team="Platform")
    intervals = {change.field: change.interval for change in plan.changes}
    assert intervals == {"usage_median_usd": (160.0, 205.0), "usage_p90_usd": None}
