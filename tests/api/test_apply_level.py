"""Choosing the level of a fit whose stale-data guard found a shift (docs/usage-import.md#guards): the fit
is the level after the shift, and `"level": "before"` applies the alternative the guard offers, the level
before it; a fit without a shift has no level before one to apply."""

from __future__ import annotations

import math

import numpy as np
import pytest

from procurement.models import Scenario, ScenarioRevision
from procurement.models.usage import UsageImport
from procurement.scenario_document import ScenarioValidationError
from procurement.services import scenario_to_document
from procurement.usage.applying import plan_fit
from procurement.usage.importing import Upload, import_usage
from tests.api.conftest import Member
from tests.imports.generate import Truth, daily_usage
from tests.usage.test_preview import fits_import, team_fit

pytestmark = pytest.mark.django_db


def shifted_import(scenario: Scenario) -> UsageImport:
    """A fit as the importer stores one after a shift: the level after it, the level before it offered."""
    fit = team_fit("Web", usage_median_usd=90.0, usage_p90_usd=360.0)
    fit["level_shift"] = {"day": "2026-05-18", "ratio": 0.6}
    fit["alternative"] = {
        "basis": "level before the shift",
        **team_fit("Web", usage_median_usd=150.0, usage_p90_usd=600.0),
    }
    return fits_import(scenario.organization, teams=[fit])


def url(usage_import: UsageImport, action: str) -> str:
    return f"/api/v1/usage-imports/{usage_import.pk}/{action}/"


def test_the_fit_is_the_level_after_the_shift_and_before_is_the_alternative(
    scenario_a: Scenario,
) -> None:
    usage_import = shifted_import(scenario_a)
    after = plan_fit(usage_import, scenario_a, team="Web")
    before = plan_fit(usage_import, scenario_a, team="Web", level="before")
    assert (after.fitted["usage_median_usd"], after.fitted["usage_p90_usd"]) == (90.0, 360.0)
    assert (before.fitted["usage_median_usd"], before.fitted["usage_p90_usd"]) == (150.0, 600.0)
    assert "at the level before its shift" in before.reason
    assert "before its shift" not in after.reason


def test_a_fit_without_a_shift_has_no_level_before_one(scenario_a: Scenario) -> None:
    usage_import = fits_import(scenario_a.organization, teams=[team_fit("Web", usage_median_usd=90.0)])
    with pytest.raises(ScenarioValidationError) as refused:
        plan_fit(usage_import, scenario_a, team="Web", level="before")
    assert "found no level shift" in refused.value.errors["level"][0]
    with pytest.raises(ScenarioValidationError) as unknown:
        plan_fit(usage_import, scenario_a, team="Web", level="sideways")
    assert unknown.value.errors["level"] == ["must be one of after, before"]


def test_the_api_previews_and_applies_the_level_before_the_shift(
    editor: Member, scenario_a: Scenario
) -> None:
    usage_import = shifted_import(scenario_a)
    body = {"scenario": scenario_a.pk, "team": "Web", "level": "before"}
    preview = editor.call("POST", url(usage_import, "preview"), body)
    assert preview.status_code == 200, preview.content
    assert preview.json()["level"] == "before"
    growth = preview.json()["growth_over_term"]  # the alternative's growth (0) over the term: flat
    assert (growth["months"], growth["multiplier"]) == (scenario_a.term_months, 1.0)
    changes = {c["path"]: c["after"] for c in preview.json()["changes"]}
    assert changes["teams[1].usage_median_usd"] == 150.0
    applied = editor.call("POST", url(usage_import, "apply"), body)
    assert applied.status_code == 200, applied.content
    assert applied.json()["teams"][1]["usage_median_usd"] == 150.0
    (revision,) = ScenarioRevision.objects.all()
    assert "at the level before its shift" in revision.reason


def test_the_api_refuses_an_unknown_level_by_its_field_and_writes_nothing(
    editor: Member, scenario_a: Scenario
) -> None:
    usage_import = shifted_import(scenario_a)
    before = scenario_to_document(scenario_a)
    for level, expected in (("sideways", "is not a valid choice"), (3, "must be a string")):
        body = {"scenario": scenario_a.pk, "team": "Web", "level": level}
        response = editor.call("POST", url(usage_import, "apply"), body)
        assert response.status_code == 400, response.content
        assert expected in str(response.json()["errors"]["level"])
    assert scenario_to_document(Scenario.objects.get(pk=scenario_a.pk)) == before
    assert ScenarioRevision.objects.count() == 0


def test_uploaded_usage_that_dropped_offers_both_levels_and_applies_either(
    editor: Member, scenario_a: Scenario
) -> None:
    # 60 engineers x 6 months from the engine's model (median 220, p90 900, persistence 0.7), their usage
    # halved from 6 weeks before the end: the guard finds the drop, fits the level after it and offers
    # the level before it; both apply, each its own level (the two differ by about the drop).
    truth = Truth(220.0, 900.0, 0.7, shift_factor=0.5, shift_days_before_end=42)
    usage = daily_usage(np.random.default_rng(7), truth, engineers=60, months=6)
    uploads = [Upload(name=name, content=content) for name, content in usage.files()]
    usage_import = import_usage(scenario_a.organization, uploads, team="Web").usage_import
    (fit,) = usage_import.fits["teams"]
    assert "alternative" in fit, usage_import.warnings
    ratio = fit["usage_median_usd"] / fit["alternative"]["usage_median_usd"]
    assert ratio == pytest.approx(fit["level_shift"]["ratio"], rel=1e-6)  # the two levels: the step
    # the step found is the drop: its sampling sd on this design is about 0.12 in log (the guard's own
    # log_shift_se), so 4 sds
    assert abs(math.log(ratio / 0.5)) <= 4 * 0.12
    medians = {}
    for level in ("after", "before"):
        body = {"scenario": scenario_a.pk, "team": "Web", "level": level}
        applied = editor.call("POST", url(usage_import, "apply"), body)
        assert applied.status_code == 200, applied.content
        medians[level] = applied.json()["teams"][1]["usage_median_usd"]
    assert medians["after"] == pytest.approx(fit["usage_median_usd"], rel=1e-9)
    assert medians["before"] == pytest.approx(fit["alternative"]["usage_median_usd"], rel=1e-9)
