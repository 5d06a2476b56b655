"""Usage imports in the admin: upload form -> the import's page with fits and warnings -> apply to a team or
feature of a scenario; viewers read only; another organization's imports do not exist."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from procurement.models import Organization, Scenario
from procurement.models.usage import UsageImport
from procurement.usage.importing import import_usage
from tests.procurement.admin_forms import logged_in
from tests.usage.conftest import stored_row_counts, upload, uploaded, usageimport_url

pytestmark = pytest.mark.django_db


def test_upload_form_imports_several_files_and_shows_the_fits_and_warnings(
    editor: Any, organization: Organization
) -> None:
    client = logged_in(editor)
    assert client.get(usageimport_url("add"))["Location"] == usageimport_url("upload")
    files = [uploaded(f"ccusage/eng-0{n}.daily.json") for n in (1, 2, 7)]
    response = client.post(
        usageimport_url("upload"),
        {"organization": organization.pk, "usage_files": files, "team": "Platform", "feature_map": ""},
    )
    usage_import = UsageImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == usageimport_url("change", usage_import.pk)
    page = client.get(response["Location"]).content.decode()
    assert 'id="usage-fits"' in page
    assert "Platform" in page
    assert "usage_median_usd" in page
    assert "eng-02: no usage on any working day" in page  # a guard shown to the user
    assert "Apply a fit to a scenario" in page
    assert usage_import.files.count() == 3
    assert usage_import.created_by == editor


def test_upload_form_refuses_a_bad_file_with_its_reason_and_saves_nothing(
    editor: Any, organization: Organization
) -> None:
    files = [uploaded("ccusage/eng-01.daily.json"), uploaded("bad/negative-tokens.daily.json")]
    response = logged_in(editor).post(
        usageimport_url("upload"), {"organization": organization.pk, "usage_files": files}
    )
    assert response.status_code == 400
    assert (
        "negative-tokens.daily.json: daily[3].outputTokens: negative token count" in response.content.decode()
    )
    assert stored_row_counts() == (0, 0, 0, 0)


def test_apply_view_writes_the_fit_into_the_named_team(
    editor: Any, team_import: UsageImport, scenario: Scenario
) -> None:
    client = logged_in(editor)
    form = client.get(usageimport_url("apply", team_import.pk))
    assert form.status_code == 200
    assert "team: Platform" in form.content.decode()
    choice = {"fit": "teams:Platform", "scenario": scenario.pk, "target": "Web"}
    preview = client.post(usageimport_url("apply", team_import.pk), choice)  # step 1 writes nothing
    assert preview.status_code == 200
    assert 'id="fit-changes"' in preview.content.decode()
    assert scenario.teams.get(name="Web").usage_preset == "light"
    previewed = re.search(r'name="previewed" value="([^"]+)"', preview.content.decode())
    assert previewed  # the scenario's version the preview showed, sent back by its Apply
    confirm = {**choice, "_confirm": "Apply", "previewed": previewed.group(1)}
    response = client.post(usageimport_url("apply", team_import.pk), confirm)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:procurement_scenario_change", args=[scenario.pk])
    web = scenario.teams.get(name="Web")
    assert web.usage_median_usd == pytest.approx(team_import.fits["teams"][0]["usage_median_usd"])
    assert web.usage_preset == ""


def test_apply_view_shows_a_refusal_and_changes_nothing(
    editor: Any, team_import: UsageImport, scenario: Scenario
) -> None:
    response = logged_in(editor).post(
        usageimport_url("apply", team_import.pk),
        {"fit": "teams:Platform", "scenario": scenario.pk, "target": "Mobile"},
    )
    assert response.status_code == 400
    assert "the scenario has no team named" in response.content.decode()
    assert scenario.teams.get(name="Web").usage_preset == "light"


def test_a_viewer_sees_the_import_but_may_not_upload_apply_or_delete(
    viewer: Any, team_import: UsageImport
) -> None:
    client = logged_in(viewer)
    page = client.get(usageimport_url("change", team_import.pk))
    assert page.status_code == 200
    assert "Apply a fit to a scenario" not in page.content.decode()
    assert client.get(usageimport_url("upload")).status_code == 403
    assert client.get(usageimport_url("apply", team_import.pk)).status_code == 403
    assert client.post(usageimport_url("delete", team_import.pk), {"post": "yes"}).status_code == 403
    assert UsageImport.objects.filter(pk=team_import.pk).exists()


def test_another_organizations_import_does_not_exist_for_a_member(
    outsider: Any, team_import: UsageImport, other_organization: Organization
) -> None:
    theirs = import_usage(other_organization, [upload("claude-code-analytics.json")]).usage_import
    client = logged_in(outsider)
    listing = client.get(usageimport_url("changelist")).content.decode()
    assert f"Usage import #{theirs.pk}" in listing
    assert f"Usage import #{team_import.pk}" not in listing
    assert (
        client.get(usageimport_url("change", team_import.pk)).status_code == 302
    )  # admin: "doesn't exist" redirect
    assert client.get(usageimport_url("apply", team_import.pk)).status_code == 404


def test_an_editor_deletes_an_import_and_may_then_import_its_files_again(
    editor: Any, organization: Organization
) -> None:
    first = import_usage(organization, [upload("claude-code-analytics.json")]).usage_import
    response = logged_in(editor).post(usageimport_url("delete", first.pk), {"post": "yes"})
    assert response.status_code == 302
    assert stored_row_counts() == (0, 0, 0, 0)
    again = import_usage(organization, [upload("claude-code-analytics.json")])
    assert again.created


def test_the_list_action_leads_from_one_selected_import_to_its_apply_page(
    editor: Any, team_import: UsageImport
) -> None:
    response = logged_in(editor).post(
        usageimport_url("changelist"), {"action": "apply_fit_action", "_selected_action": [team_import.pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == usageimport_url("apply", team_import.pk)


def test_a_feature_import_page_previews_each_workspace_fit(editor: Any, organization: Organization) -> None:
    reports = [upload("admin-usage-report.json"), upload("admin-cost-report.json")]
    usage_import = import_usage(
        organization, reports, feature_map={"wrkspc_01xN21dyJcTw7fHnthrWuag2": "Reviews"}
    )
    page = logged_in(editor).get(usageimport_url("change", usage_import.usage_import.pk)).content.decode()
    assert page.count("<td>feature</td>") == 3
    assert "<strong>Reviews</strong>" in page
    assert "claude-opus-4-5 0.7008" in page  # the model mix, token-weighted
    assert "cache writes mix 5-minute and 1-hour TTLs" in page
