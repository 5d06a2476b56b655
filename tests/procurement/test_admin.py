"""Admin for procurement leads: organization isolation, roles, JSON upload and download, catalog rights."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.models import ApiToken, Role, Scenario
from procurement.services import save_scenario, scenario_to_document
from tests.factories import ApiTokenFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.procurement.admin_forms import form_fields, logged_in

pytestmark = pytest.mark.django_db


@dataclass
class Tenants:
    scenario_a: Scenario
    scenario_b: Scenario
    editor_a: Any
    viewer_a: Any
    token_b: ApiToken


@pytest.fixture
def tenants(minimal_document: dict[str, Any]) -> Tenants:
    org_a, org_b = OrganizationFactory.create(name="Alpha"), OrganizationFactory.create(name="Bravo")
    scenario_a = save_scenario(org_a, {**minimal_document, "name": "Alpha plan"})
    document_b = {**minimal_document, "name": "Bravo secret plan"}
    document_b["teams"] = [{**minimal_document["teams"][0], "name": "Bravo team"}]
    document_b["features"] = [{**minimal_document["features"][0], "name": "Bravo feature"}]
    scenario_b = save_scenario(org_b, document_b)
    editor_a = MembershipFactory.create(organization=org_a, role=Role.EDITOR).user
    viewer_a = MembershipFactory.create(organization=org_a, role=Role.VIEWER).user
    member_b = MembershipFactory.create(organization=org_b, role=Role.ADMIN).user
    token_b = ApiTokenFactory.create(user=member_b, name="Bravo token")
    return Tenants(scenario_a, scenario_b, editor_a, viewer_a, token_b)


def _url(name: str, *args: Any) -> str:
    return reverse(f"admin:procurement_{name}", args=args)


@pytest.mark.parametrize("model", ["scenario", "team", "feature", "apitoken", "membership", "organization"])
def test_changelists_show_nothing_of_another_organization(tenants: Tenants, model: str) -> None:
    response = logged_in(tenants.editor_a).get(_url(f"{model}_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    for foreign in ("Bravo secret plan", "Bravo team", "Bravo feature", "Bravo token", "Bravo"):
        assert foreign not in page


def test_changelists_show_the_members_own_rows(tenants: Tenants) -> None:
    client = logged_in(tenants.editor_a)
    assert "Alpha plan" in client.get(_url("scenario_changelist")).content.decode()
    assert "Platform" in client.get(_url("team_changelist")).content.decode()
    assert "Support summariser" in client.get(_url("feature_changelist")).content.decode()


def _foreign_urls(tenants: Tenants) -> list[str]:
    scenario = tenants.scenario_b
    team, feature = scenario.teams.get(), scenario.features.get()
    return [
        _url("scenario_change", scenario.pk),
        _url("scenario_delete", scenario.pk),
        _url("team_change", team.pk),
        _url("team_delete", team.pk),
        _url("feature_change", feature.pk),
        _url("feature_delete", feature.pk),
        _url("apitoken_change", tenants.token_b.pk),
        _url("organization_change", scenario.organization.pk),
    ]


def test_another_organizations_objects_do_not_exist_for_a_member(tenants: Tenants) -> None:
    client = logged_in(tenants.editor_a)
    for url in _foreign_urls(tenants):
        response = client.get(url, follow=True)
        assert response.redirect_chain, url  # the admin redirects to its index ...
        assert "doesn’t exist" in response.content.decode(), url  # ... saying the object does not exist
        assert "Bravo" not in response.content.decode()


def test_another_organizations_scenario_cannot_be_downloaded_or_replaced(tenants: Tenants) -> None:
    client = logged_in(tenants.editor_a)
    pk = tenants.scenario_b.pk
    assert client.get(_url("scenario_download", pk)).status_code == 404
    assert client.get(_url("scenario_replace", pk)).status_code == 404
    upload = SimpleUploadedFile("x.json", json.dumps({"name": "pwned"}).encode())
    assert client.post(_url("scenario_replace", pk), {"file": upload}).status_code == 404
    assert Scenario.objects.get(pk=pk).name == "Bravo secret plan"


def test_another_organizations_scenario_cannot_be_deleted_by_post(tenants: Tenants) -> None:
    logged_in(tenants.editor_a).post(_url("scenario_delete", tenants.scenario_b.pk), {"post": "yes"})
    assert Scenario.objects.filter(pk=tenants.scenario_b.pk).exists()


def test_organization_choices_are_only_the_editors_organizations(tenants: Tenants) -> None:
    page = logged_in(tenants.editor_a).get(_url("scenario_add")).content.decode()
    assert "Alpha" in page
    assert "Bravo" not in page


def test_viewer_reads_but_cannot_change_add_or_delete(tenants: Tenants) -> None:
    client = logged_in(tenants.viewer_a)
    pk = tenants.scenario_a.pk
    page = client.get(_url("scenario_change", pk))
    assert page.status_code == 200
    assert "Alpha plan" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.post(_url("scenario_change", pk), {"name": "Renamed"}).status_code == 403
    assert client.get(_url("scenario_add")).status_code == 403
    assert client.post(_url("scenario_delete", pk), {"post": "yes"}).status_code == 403
    assert client.get(_url("scenario_upload")).status_code == 403
    assert client.get(_url("scenario_replace", pk)).status_code == 403
    assert Scenario.objects.get(pk=pk).name == "Alpha plan"


def _change_form(scenario: Scenario, **overrides: Any) -> dict[str, Any]:
    """POST data for the scenario change form with its bands and no teams or features."""
    data: dict[str, Any] = {
        "organization": scenario.organization_id,
        "name": scenario.name,
        "start_month": "2027-01-01",
        "term_months": 24,
        "price_catalog": scenario.price_catalog_id,
        "simulation_trials": 20_000,
        "simulation_seed": 7,
        "api_commitment_period_months": 12,
        "api_overage": "list",
        "api_rollover_share": 0.0,
        "api_claude_code_usage_counts": "on",
        "seats_annual_term": "on",
        "seats_blocked_usage_value": 1.0,
    }
    bands = list(scenario.discount_bands.all())
    data.update({"discount_bands-TOTAL_FORMS": len(bands), "discount_bands-INITIAL_FORMS": len(bands)})
    for index, band in enumerate(bands):
        prefix = f"discount_bands-{index}"
        data.update({f"{prefix}-id": band.pk, f"{prefix}-scenario": scenario.pk})
        data.update({f"{prefix}-min_commitment": band.min_commitment, f"{prefix}-discount": band.discount})
    for inline in ("teams", "features"):
        rows = list(getattr(scenario, inline).all())
        data.update({f"{inline}-TOTAL_FORMS": len(rows), f"{inline}-INITIAL_FORMS": len(rows)})
        for index, row in enumerate(rows):
            data.update({f"{inline}-{index}-id": row.pk, f"{inline}-{index}-DELETE": "on"})
    return {**data, **overrides}


def test_editor_can_change_a_scenario_in_the_form(tenants: Tenants) -> None:
    scenario = tenants.scenario_a
    response = logged_in(tenants.editor_a).post(
        _url("scenario_change", scenario.pk), _change_form(scenario, name="Alpha v2")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    scenario.refresh_from_db()
    assert scenario.name == "Alpha v2"
    assert scenario.teams.count() == 0


def test_form_refuses_a_first_band_above_zero_and_saves_nothing(tenants: Tenants) -> None:
    scenario = tenants.scenario_a
    data = _change_form(scenario, name="Alpha v3", **{"discount_bands-0-min_commitment": 5_000})
    response = logged_in(tenants.editor_a).post(_url("scenario_change", scenario.pk), data)
    assert response.status_code == 200
    assert "must start at 0" in response.content.decode()
    scenario.refresh_from_db()
    assert scenario.name == "Alpha plan"


def test_form_refuses_a_commitment_period_longer_than_the_term(tenants: Tenants) -> None:
    scenario = tenants.scenario_a
    data = _change_form(scenario, term_months=6)
    response = logged_in(tenants.editor_a).post(_url("scenario_change", scenario.pk), data)
    assert response.status_code == 200
    scenario.refresh_from_db()
    assert scenario.term_months == 24


def test_upload_creates_a_scenario_in_the_chosen_organization(
    tenants: Tenants, demo_document: dict[str, Any]
) -> None:
    upload = SimpleUploadedFile("demo.json", json.dumps(demo_document).encode())
    organization = tenants.scenario_a.organization
    response = logged_in(tenants.editor_a).post(
        _url("scenario_upload"), {"organization": organization.pk, "file": upload}
    )
    assert response.status_code == 302
    created = Scenario.objects.get(organization=organization, name=demo_document["name"])
    assert created.teams.count() == 8


def test_upload_cannot_target_another_organization(tenants: Tenants, demo_document: dict[str, Any]) -> None:
    upload = SimpleUploadedFile("demo.json", json.dumps(demo_document).encode())
    foreign = tenants.scenario_b.organization
    response = logged_in(tenants.editor_a).post(
        _url("scenario_upload"), {"organization": foreign.pk, "file": upload}
    )
    assert response.status_code == 400
    assert not Scenario.objects.filter(name=demo_document["name"]).exists()


def test_refused_upload_lists_errors_by_field_path_and_saves_nothing(
    tenants: Tenants, minimal_document: dict[str, Any]
) -> None:
    minimal_document["teams"][0]["usage_p90_usd"] = 10
    minimal_document["features"][0]["model_mix"] = {"claude-9": 1.0}
    upload = SimpleUploadedFile("bad.json", json.dumps(minimal_document).encode())
    before = scenario_to_document(tenants.scenario_a)
    response = logged_in(tenants.editor_a).post(
        _url("scenario_replace", tenants.scenario_a.pk), {"file": upload}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "<code>teams[0].usage_p90_usd</code>" in page
    assert "<code>features[0].model_mix.claude-9</code>" in page
    assert scenario_to_document(Scenario.objects.get(pk=tenants.scenario_a.pk)) == before


def test_upload_of_a_file_that_is_not_json_is_a_form_error(tenants: Tenants) -> None:
    upload = SimpleUploadedFile("bad.json", b"{not json")
    response = logged_in(tenants.editor_a).post(
        _url("scenario_replace", tenants.scenario_a.pk), {"file": upload}
    )
    assert response.status_code == 400
    assert "Not valid JSON" in response.content.decode()


def test_download_returns_the_scenario_document(tenants: Tenants) -> None:
    response = logged_in(tenants.viewer_a).get(_url("scenario_download", tenants.scenario_a.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="alpha-plan.json"'
    assert json.loads(response.content) == scenario_to_document(tenants.scenario_a)


def test_staff_member_reads_the_catalog_but_only_a_superuser_edits_it(
    tenants: Tenants, default_catalog: Any
) -> None:
    staff = logged_in(tenants.editor_a)
    change_url = _url("pricecatalog_change", default_catalog.pk)
    assert staff.get(_url("pricecatalog_changelist")).status_code == 200
    assert 'name="_save"' not in staff.get(change_url).content.decode()
    assert staff.post(change_url, {"slug": "hijacked"}).status_code == 403
    superuser = logged_in(UserFactory.create(is_superuser=True))
    assert 'name="_save"' in superuser.get(change_url).content.decode()


def test_staff_without_membership_sees_no_scenarios(tenants: Tenants) -> None:
    outsider = logged_in(UserFactory.create())
    assert outsider.get(_url("scenario_changelist")).status_code == 403
    assert outsider.get(_url("scenario_change", tenants.scenario_a.pk)).status_code in (302, 403)


def test_posting_the_demo_scenarios_change_form_back_unchanged_keeps_the_document(
    demo_document: dict[str, Any],
) -> None:
    """Every field, JSON inline included, survives the admin form as rendered and re-submitted."""
    membership = MembershipFactory.create(role=Role.ADMIN)
    scenario = save_scenario(membership.organization, demo_document)
    before = scenario_to_document(scenario)
    client = logged_in(membership.user)
    page = client.get(_url("scenario_change", scenario.pk)).content.decode()
    response = client.post(_url("scenario_change", scenario.pk), {**form_fields(page), "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == before


def test_admin_form_shows_a_document_rule_error_on_the_field(demo_document: dict[str, Any]) -> None:
    membership = MembershipFactory.create(role=Role.EDITOR)
    scenario = save_scenario(membership.organization, demo_document)
    before = scenario_to_document(scenario)
    client = logged_in(membership.user)
    fields = form_fields(client.get(_url("scenario_change", scenario.pk)).content.decode())
    fields = {name: value for name, value in fields.items() if not name.startswith("features-0-model_mix__")}
    fields["features-0-model_mix__claude-sonnet-4-5"] = "50"  # the demo's first feature: 80% + 20%
    fields["teams-1-allowed_plans"] = ["api", "gold"]
    response = client.post(_url("scenario_change", scenario.pk), {**fields, "_save": "Save"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The percentages add up to 50%; they must add up to 100%." in page
    assert "Select a valid choice. gold is not one of the available choices." in page
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == before
