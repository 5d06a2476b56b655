"""Applying a fit in the admin: the form leads to a preview page (changed inputs before and after, flags,
the quick forecast's cost change) that writes nothing; its Apply writes and offers Undo; the revision's
page undoes through the scenario validator; viewers may do neither."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from procurement.models import Organization, Scenario, ScenarioRevision
from procurement.services import scenario_to_document
from procurement.usage.applying import record_fit
from tests.procurement.admin_forms import logged_in
from tests.usage.conftest import usageimport_url
from tests.usage.test_preview import fits_import, team_fit

pytestmark = pytest.mark.django_db


def revision_url(name: str, *args: Any) -> str:
    return reverse(f"admin:procurement_scenariorevision_{name}", args=args)


@pytest.fixture
def choice(organization: Organization, scenario: Scenario) -> dict[str, Any]:
    fit = team_fit("Web", usage_median_usd=90.0, usage_p90_usd=2000.0, usage_growth=0.06, engineers=8)
    usage_import = fits_import(organization, teams=[fit])
    return {"import": usage_import, "fit": "teams:Web", "scenario": scenario.pk, "target": "web"}


def post_choice(client: Any, choice: dict[str, Any], **extra: str) -> Any:
    form = {key: value for key, value in choice.items() if key != "import"}
    return client.post(usageimport_url("apply", choice["import"].pk), {**form, **extra})


def previewed_stamp(preview: Any) -> str:
    """The hidden field the preview page's Apply sends back: the scenario's version it previewed."""
    match = re.search(r'name="previewed" value="([^"]+)"', preview.content.decode())
    assert match, "the preview page carries the scenario's version"
    return match.group(1)


def apply_from_preview(client: Any, choice: dict[str, Any]) -> Any:
    """Preview, then press its Apply."""
    preview = post_choice(client, choice)
    return post_choice(client, choice, _confirm="Apply", previewed=previewed_stamp(preview))


def test_the_preview_page_shows_changes_flags_and_cost_and_writes_nothing(
    editor: Any, scenario: Scenario, choice: dict[str, Any]
) -> None:
    before = scenario_to_document(scenario)
    response = post_choice(logged_in(editor), choice)
    assert response.status_code == 200
    page = response.content.decode()
    changes = page[page.index('id="fit-changes"') : page.index("</table>", page.index('id="fit-changes"'))]
    assert re.search(r"teams\[1\]\.usage_median_usd</code></td><td>40</td><td><strong>90</strong>", changes)
    assert "teams[1].usage_preset" in changes
    flags = page[page.index('id="fit-flags"') :]
    for field in ("usage_growth", "usage_p90_usd", "engineers"):  # 6%/month, p90/median 22, 8 engineers
        assert f"<code>{field}</code>" in flags
    assert "Web: expected seat cost over the term" in page
    assert "recommended API commitment per period" in page
    assert "5,000 trials with the same seed" in page
    assert '<input type="submit" value="Apply" class="default" name="_confirm">' in page
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == before
    assert ScenarioRevision.objects.count() == 0


def test_apply_from_the_preview_writes_and_undo_puts_it_back(
    editor: Any, scenario: Scenario, choice: dict[str, Any]
) -> None:
    client = logged_in(editor)
    before = scenario_to_document(scenario)
    applied = apply_from_preview(client, choice)
    assert applied.status_code == 302
    revision = ScenarioRevision.objects.get()
    assert scenario.teams.get(name="Web").usage_median_usd == 90.0
    landing = client.get(applied["Location"]).content.decode()
    assert f'href="{revision_url("change", revision.pk)}">Undo</a>' in landing
    page = client.get(revision_url("change", revision.pk)).content.decode()
    assert 'id="revision-undo"' in page
    assert "teams[1].usage_median_usd" in page  # what changed
    undone = client.post(revision_url("undo", revision.pk))
    assert undone.status_code == 302
    assert undone["Location"] == reverse("admin:procurement_scenario_change", args=[scenario.pk])
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == before
    assert 'id="revision-undo"' not in client.get(revision_url("change", revision.pk)).content.decode()
    refused = client.post(revision_url("undo", revision.pk), follow=True)  # twice: refused, nothing changes
    assert "Nothing was undone" in refused.content.decode()
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == before


def test_a_refused_fit_is_shown_on_the_form_not_previewed(editor: Any, scenario: Scenario) -> None:
    usage_import = fits_import(scenario.organization, teams=[team_fit(usage_growth=1.5)])
    response = logged_in(editor).post(
        usageimport_url("apply", usage_import.pk),
        {"fit": "teams:Platform", "scenario": scenario.pk, "target": "Platform"},
    )
    assert response.status_code == 400
    assert "teams[0].usage_growth" in response.content.decode()
    assert ScenarioRevision.objects.count() == 0


def test_a_viewer_may_not_preview_apply_or_undo(
    viewer: Any, editor: Any, scenario: Scenario, choice: dict[str, Any]
) -> None:
    assert post_choice(logged_in(viewer), choice).status_code == 403
    assert post_choice(logged_in(viewer), choice, _confirm="Apply").status_code == 403
    apply_from_preview(logged_in(editor), choice)
    revision = ScenarioRevision.objects.get()
    client = logged_in(viewer)
    page = client.get(revision_url("change", revision.pk))
    assert page.status_code == 200
    assert 'id="revision-undo"' not in page.content.decode()
    assert client.post(revision_url("undo", revision.pk)).status_code == 403
    assert ScenarioRevision.objects.count() == 1


def test_an_apply_whose_scenario_changed_since_the_preview_is_previewed_again(
    editor: Any, scenario: Scenario, choice: dict[str, Any]
) -> None:
    client = logged_in(editor)
    stamp = previewed_stamp(post_choice(client, choice))
    other = fits_import(scenario.organization, teams=[team_fit("Platform", usage_median_usd=170.0)])
    record_fit(other, scenario, team="Platform")  # someone else changes the scenario meanwhile
    changed = scenario_to_document(Scenario.objects.get(pk=scenario.pk))
    again = post_choice(client, choice, _confirm="Apply", previewed=stamp)
    assert again.status_code == 200
    assert "The scenario changed since the preview" in again.content.decode()
    assert 'id="fit-changes"' in again.content.decode()
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == changed  # nothing applied
    assert post_choice(client, choice, _confirm="Apply").status_code == 200  # no stamp: a preview too
    assert apply_from_preview(client, choice).status_code == 302


def test_the_admin_applies_the_level_before_a_shift_when_chosen(
    editor: Any, organization: Organization, scenario: Scenario
) -> None:
    fit = team_fit("Web", usage_median_usd=90.0, usage_p90_usd=360.0)
    fit["level_shift"] = {"day": "2026-05-18", "ratio": 0.6}
    fit["alternative"] = {"basis": "level before the shift", **team_fit("Web", usage_median_usd=150.0)}
    chosen = {"import": fits_import(organization, teams=[fit]), "fit": "teams:Web", "scenario": scenario.pk}
    chosen |= {"target": "web", "level": "before"}
    client = logged_in(editor)
    preview = post_choice(client, chosen)
    assert re.search(
        r"usage_median_usd</code></td><td>40</td><td><strong>150</strong>", preview.content.decode()
    )
    assert '<input type="hidden" name="level" value="before">' in preview.content.decode()
    applied = apply_from_preview(client, chosen)
    assert applied.status_code == 302
    assert Scenario.objects.get(pk=scenario.pk).teams.get(name="Web").usage_median_usd == 150.0
    (revision,) = ScenarioRevision.objects.all()
    assert "at the level before its shift" in revision.reason
