"""The preview, apply and undo endpoints: POST /usage-imports/{id}/preview/ (writes nothing), apply
recording a revision, GET /scenarios/{id}/revisions/, GET /scenario-revisions/{rev}/ and POST .../undo/;
viewers may not preview, apply or undo; bad bodies are 400s by field path; another organization's objects
are 404s."""

from __future__ import annotations

import json
from typing import Any

import pytest

from procurement.models import Scenario, ScenarioRevision
from procurement.models.usage import UsageImport
from procurement.services import scenario_to_document
from tests.api.conftest import Member
from tests.usage.test_preview import fits_import, team_fit

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_import(scenario_a: Scenario) -> UsageImport:
    """One team fit, with a growth beyond 5%/month and 6 engineers: two flags."""
    fit = team_fit("Web", usage_median_usd=90.0, usage_p90_usd=500.0, usage_growth=0.07, engineers=6)
    return fits_import(scenario_a.organization, teams=[fit], warnings=["a short history"])


def preview_url(usage_import: UsageImport) -> str:
    return f"/api/v1/usage-imports/{usage_import.pk}/preview/"


def apply_url(usage_import: UsageImport) -> str:
    return f"/api/v1/usage-imports/{usage_import.pk}/apply/"


def revisions_url(scenario: Scenario) -> str:
    return f"/api/v1/scenarios/{scenario.pk}/revisions/"


def test_preview_answers_the_changes_flags_and_costs_and_writes_nothing(
    editor: Member, scenario_a: Scenario, web_import: UsageImport
) -> None:
    before = scenario_to_document(scenario_a)
    response = editor.call("POST", preview_url(web_import), {"scenario": scenario_a.pk, "team": "Web"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["target"], body["fit"], body["applied"]) == ("team", "Web", "Web", False)
    changes = {c["path"]: (c["before"], c["after"]) for c in body["changes"]}
    assert changes["teams[1].usage_median_usd"] == (40.0, 90.0)  # the light preset's median before
    assert changes["teams[1].usage_preset"] == ("light", None)
    assert [f["field"] for f in body["flags"]] == ["usage_growth", "engineers"]
    assert body["warnings"] == ["a short history"]
    cost = body["subject_cost"]
    assert cost["change"] == pytest.approx(cost["after"] - cost["before"])
    assert cost["after"] > cost["before"] > 0  # more usage and 7%/month growth cost more
    assert body["total_cost"]["change"] > 0
    assert len(body["api_commitments"]["before"]) == len(body["api_commitments"]["after"]) == 2
    assert (body["simulation"]["trials"], body["simulation"]["seed"]) == (5_000, 13)
    assert scenario_to_document(Scenario.objects.get(pk=scenario_a.pk)) == before
    assert ScenarioRevision.objects.count() == 0


def test_apply_then_undo_through_the_api(
    editor: Member, scenario_a: Scenario, web_import: UsageImport
) -> None:
    before = scenario_to_document(scenario_a)
    applied = editor.call("POST", apply_url(web_import), {"scenario": scenario_a.pk, "team": "Web"})
    assert applied.status_code == 200, applied.content
    assert applied.json()["teams"][1]["usage_median_usd"] == 90.0
    history = editor.call("GET", revisions_url(scenario_a)).json()
    assert history["count"] == 1
    (revision,) = history["results"]
    assert (revision["kind"], revision["can_undo"], revision["created_by"]) == (
        "apply",
        True,
        editor.user.username,
    )
    assert revision["usage_import"] == web_import.pk
    detail = editor.call("GET", f"/api/v1/scenario-revisions/{revision['id']}/").json()
    assert detail["previous_document"] == before
    undone = editor.call("POST", f"/api/v1/scenario-revisions/{revision['id']}/undo/")
    assert undone.status_code == 200, undone.content
    assert scenario_to_document(Scenario.objects.get(pk=scenario_a.pk)) == before
    assert undone.json()["teams"][1]["usage_preset"] == "light"
    again = editor.call("POST", f"/api/v1/scenario-revisions/{revision['id']}/undo/")
    assert again.status_code == 400
    assert list(again.json()["errors"]) == ["revision"]
    kinds = [r["kind"] for r in editor.call("GET", revisions_url(scenario_a)).json()["results"]]
    assert kinds == ["undo", "apply"]


def test_viewers_may_read_the_history_but_not_preview_apply_or_undo(
    editor: Member, viewer: Member, scenario_a: Scenario, web_import: UsageImport
) -> None:
    body = {"scenario": scenario_a.pk, "team": "Web"}
    assert viewer.call("POST", preview_url(web_import), body).status_code == 403
    assert viewer.call("POST", apply_url(web_import), body).status_code == 403
    assert editor.call("POST", apply_url(web_import), body).status_code == 200
    revision = ScenarioRevision.objects.get()
    assert viewer.call("GET", revisions_url(scenario_a)).status_code == 200
    assert viewer.call("POST", f"/api/v1/scenario-revisions/{revision.pk}/undo/").status_code == 403
    assert ScenarioRevision.objects.count() == 1


def test_another_organizations_import_scenario_and_history_are_not_found(
    outsider: Member, scenario_a: Scenario, scenario_b: Scenario, web_import: UsageImport, editor: Member
) -> None:
    body = {"scenario": scenario_a.pk, "team": "Web"}
    assert outsider.call("POST", preview_url(web_import), body).status_code == 404
    assert outsider.call("GET", revisions_url(scenario_a)).status_code == 404
    their_target = {"scenario": scenario_b.pk, "team": "Web"}  # our import, their scenario
    assert editor.call("POST", preview_url(web_import), their_target).status_code == 404


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"team": "Web", "colour": "red"}, ["colour"]),
        ({"scenario": "one", "team": "Web"}, ["scenario"]),
        ({"team": 7}, ["team"]),
        ({}, ["team"]),  # neither a team nor a feature
        ({"team": "Mobile"}, ["team"]),
        ({"team": "Web", "fit": "Nope"}, ["fit"]),
        ({"feature": "Agent"}, ["fit"]),  # the import has no feature fit
    ],
)
def test_bad_preview_bodies_answer_400_by_field(
    editor: Member, scenario_a: Scenario, web_import: UsageImport, body: dict[str, Any], fields: list[str]
) -> None:
    response = editor.call("POST", preview_url(web_import), {"scenario": scenario_a.pk, **body})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == fields


def test_an_out_of_bounds_fit_is_a_400_at_its_field_path_in_preview_and_apply(
    editor: Member, scenario_a: Scenario
) -> None:
    usage_import = fits_import(scenario_a.organization, teams=[team_fit(usage_growth=1.5)])
    body = {"scenario": scenario_a.pk, "team": "Platform"}
    for url in (preview_url(usage_import), apply_url(usage_import)):
        response = editor.call("POST", url, body)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["teams[0].usage_growth"]
    assert ScenarioRevision.objects.count() == 0


def test_apply_with_a_preview_parameter_is_refused_and_applies_nothing(
    editor: Member, scenario_a: Scenario, web_import: UsageImport
) -> None:
    before = scenario_to_document(scenario_a)
    response = editor.call(
        "POST", f"{apply_url(web_import)}?preview=1", {"scenario": scenario_a.pk, "team": "Web"}
    )
    assert response.status_code == 400
    assert f"POST /api/v1/usage-imports/{web_import.pk}/preview/" in response.json()["errors"]["preview"][0]
    assert scenario_to_document(Scenario.objects.get(pk=scenario_a.pk)) == before


def test_the_schema_documents_preview_and_the_history(editor: Member) -> None:
    paths = json.loads(editor.call("GET", "/api/schema/?format=json").content)["paths"]
    assert "post" in paths["/api/v1/usage-imports/{usage_import_id}/preview/"]
    assert "get" in paths["/api/v1/scenarios/{scenario_id}/revisions/"]
    assert "post" in paths["/api/v1/scenario-revisions/{revision_id}/undo/"]


def test_another_organizations_revision_is_not_found(
    editor: Member, outsider: Member, scenario_a: Scenario, web_import: UsageImport
) -> None:
    editor.call("POST", apply_url(web_import), {"scenario": scenario_a.pk, "team": "Web"})
    revision = ScenarioRevision.objects.get()
    assert outsider.call("GET", f"/api/v1/scenario-revisions/{revision.pk}/").status_code == 404
    assert outsider.call("POST", f"/api/v1/scenario-revisions/{revision.pk}/undo/").status_code == 404
    assert ScenarioRevision.objects.count() == 1
