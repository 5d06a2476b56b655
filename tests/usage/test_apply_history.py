"""Applying a fit keeps the scenario's history: a revision with the previous document, `updated_at` bumped;
undo puts the previous document back exactly (through the scenario validator), is itself undoable, and is
refused when a later change would be lost."""

from __future__ import annotations

from typing import Any

import pytest

from procurement.models import Organization, Scenario, ScenarioRevision
from procurement.scenario_document import ScenarioValidationError
from procurement.services import scenario_to_document
from procurement.usage.applying import can_undo, record_fit, undo_revision
from tests.usage.test_preview import fits_import, team_fit

pytestmark = pytest.mark.django_db


def fresh(scenario: Scenario) -> Scenario:
    return Scenario.objects.get(pk=scenario.pk)


def test_applying_records_the_previous_document_and_bumps_updated_at(
    organization: Organization, scenario: Scenario, editor: Any
) -> None:
    before, stamp = scenario_to_document(scenario), fresh(scenario).updated_at
    usage_import = fits_import(organization, teams=[team_fit("Web", usage_median_usd=90.0)])
    revision = record_fit(usage_import, scenario, team="Web", user=editor)
    after = scenario_to_document(fresh(scenario))
    assert after != before
    assert after["teams"][1]["usage_median_usd"] == 90.0
    assert (revision.previous_document, revision.document) == (before, after)
    assert fresh(scenario).updated_at > stamp
    assert scenario.updated_at == fresh(scenario).updated_at  # the caller's instance too
    assert (revision.kind, revision.created_by, revision.usage_import) == ("apply", editor, usage_import)
    assert revision.reason == f"applied team fit “Web” of usage import #{usage_import.pk} to “Web”"
    assert list(fresh(scenario).revisions.all()) == [revision]


def test_undo_restores_the_document_exactly_and_records_itself(
    organization: Organization, scenario: Scenario, editor: Any
) -> None:
    before = scenario_to_document(scenario)
    usage_import = fits_import(
        organization, teams=[team_fit("Web", usage_median_usd=90.0, usage_growth=0.03)]
    )
    applied = record_fit(usage_import, scenario, team="Web", user=editor)
    stamp = fresh(scenario).updated_at
    undo = undo_revision(applied, user=editor)
    assert scenario_to_document(fresh(scenario)) == before  # every field, the preset back on Web
    assert fresh(scenario).teams.get(name="Web").usage_preset == "light"
    assert fresh(scenario).updated_at > stamp
    assert (undo.kind, undo.undoes, undo.previous_document, undo.document) == (
        "undo",
        applied,
        applied.document,
        before,
    )
    redo = undo_revision(undo)  # undoing the undo applies the fit again
    assert scenario_to_document(fresh(scenario)) == applied.document
    assert redo.document == applied.document
    assert ScenarioRevision.objects.filter(scenario=scenario).count() == 3


def test_undo_is_refused_when_a_later_change_would_be_lost(
    organization: Organization, scenario: Scenario
) -> None:
    usage_import = fits_import(
        organization,
        teams=[team_fit("Web", usage_median_usd=90.0), team_fit("Platform", usage_median_usd=200.0)],
    )
    first = record_fit(usage_import, scenario, team="Web", fit="Web")
    second = record_fit(usage_import, scenario, team="Platform", fit="Platform")
    assert (can_undo(first), can_undo(second)) == (False, True)
    now = scenario_to_document(fresh(scenario))
    with pytest.raises(ScenarioValidationError) as refused:
        undo_revision(first)
    assert list(refused.value.errors) == ["revision"]
    assert scenario_to_document(fresh(scenario)) == now
    undo_revision(second)
    undo_revision(fresh(scenario).revisions.get(pk=first.pk))  # in order, both undo
    assert scenario_to_document(fresh(scenario)) == first.previous_document


def test_a_refused_apply_records_nothing(organization: Organization, scenario: Scenario) -> None:
    stamp = fresh(scenario).updated_at
    usage_import = fits_import(organization, teams=[team_fit(usage_growth=1.5)])
    with pytest.raises(ScenarioValidationError):
        record_fit(usage_import, scenario, team="Platform")
    assert ScenarioRevision.objects.count() == 0
    assert fresh(scenario).updated_at == stamp
