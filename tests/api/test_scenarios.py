"""Scenario endpoints: the body is the scenario document, saved and read back through the same services."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rest_framework.test import APIClient

from procurement.api import views
from procurement.models import DiscountBand, Feature, Organization, Role, Scenario, Team
from procurement.scenario_document import validate_scenario_document
from procurement.services import save_scenario, scenario_to_document
from tests.api.conftest import Member, make_member
from tests.conftest import DEFAULT_CATALOG_KEYS
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

SCENARIOS = "/api/v1/scenarios/"
ENVELOPE = ("id", "url", "organization", "created_at", "updated_at")


def _document_part(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in ENVELOPE}


def _rows() -> tuple[int, int, int, int]:
    return (
        Scenario.objects.count(),
        Team.objects.count(),
        Feature.objects.count(),
        DiscountBand.objects.count(),
    )


def test_create_answers_201_with_the_normalised_document_and_its_envelope(
    editor: Member, minimal_document: dict[str, Any]
) -> None:
    response = editor.call("POST", SCENARIOS, minimal_document)
    assert response.status_code == 201
    body = response.json()
    assert _document_part(body) == validate_scenario_document(
        minimal_document, catalog_keys=DEFAULT_CATALOG_KEYS
    )
    assert body["organization"] == "acme"
    assert body["url"] == f"http://testserver/api/v1/scenarios/{body['id']}/"
    assert response["Location"] == body["url"]
    assert body["created_at"].endswith("Z")
    assert body["updated_at"].endswith("Z")
    saved = Scenario.objects.get(pk=body["id"])
    assert saved.organization == editor.organization
    assert scenario_to_document(saved) == _document_part(body)


def test_demo_file_accepted_by_the_cli_validator_round_trips_through_post_and_get(
    editor: Member, demo_document: dict[str, Any]
) -> None:
    created = editor.call("POST", SCENARIOS, demo_document).json()
    fetched = editor.call("GET", f"{SCENARIOS}{created['id']}/").json()
    assert fetched == created
    assert _document_part(fetched) == validate_scenario_document(
        demo_document, catalog_keys=DEFAULT_CATALOG_KEYS
    )
    # The normalised document is itself a valid file: PUT it back unchanged and nothing changes.
    again = editor.call("PUT", f"{SCENARIOS}{created['id']}/", _document_part(fetched))
    assert again.status_code == 200
    assert _document_part(again.json()) == _document_part(fetched)


def test_list_pages_hold_full_documents_equal_to_the_service_reading(
    editor: Member, org_a: Organization, minimal_document: dict[str, Any]
) -> None:
    for index in range(3):
        save_scenario(org_a, {**minimal_document, "name": f"Plan {index}"})
    page = editor.call("GET", f"{SCENARIOS}?page_size=2").json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"] is not None
    second = editor.call("GET", f"{SCENARIOS}?page_size=2&page=2").json()
    listed = page["results"] + second["results"]
    assert [item["name"] for item in listed] == ["Plan 0", "Plan 1", "Plan 2"]
    for item in listed:
        assert _document_part(item) == scenario_to_document(Scenario.objects.get(pk=item["id"]))


def test_list_costs_a_fixed_number_of_queries_plus_one_per_scenario_for_its_bands(
    editor: Member, org_a: Organization, minimal_document: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for index in range(10):
        save_scenario(org_a, {**minimal_document, "name": f"Plan {index}"})
    # token + membership scope + count + page + teams + features, then the bands of each scenario
    with django_assert_max_num_queries(8 + 10):
        assert editor.call("GET", SCENARIOS).status_code == 200


def test_list_shows_only_the_callers_organizations(
    editor: Member, outsider: Member, scenario_a: Scenario, scenario_b: Scenario
) -> None:
    assert [item["id"] for item in editor.call("GET", SCENARIOS).json()["results"]] == [scenario_a.pk]
    assert [item["id"] for item in outsider.call("GET", SCENARIOS).json()["results"]] == [scenario_b.pk]


def test_put_replaces_the_whole_document_and_keeps_the_id(
    editor: Member, scenario_a: Scenario, minimal_document: dict[str, Any]
) -> None:
    replacement = copy.deepcopy(minimal_document)
    replacement["teams"] = replacement["teams"][:1]
    replacement["features"] = []
    replacement["term_months"] = 12
    response = editor.call("PUT", f"{SCENARIOS}{scenario_a.pk}/", replacement)
    assert response.status_code == 200
    assert response.json()["id"] == scenario_a.pk
    assert (Team.objects.filter(scenario=scenario_a).count(), Feature.objects.count()) == (1, 0)
    assert Scenario.objects.get(pk=scenario_a.pk).term_months == 12


def test_refused_put_changes_nothing(
    editor: Member, scenario_a: Scenario, minimal_document: dict[str, Any]
) -> None:
    before = scenario_to_document(scenario_a)
    bad = copy.deepcopy(minimal_document)
    bad["teams"][0]["usage_p90_usd"] = 10  # below its median of 150
    response = editor.call("PUT", f"{SCENARIOS}{scenario_a.pk}/", bad)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["teams[0].usage_p90_usd"]
    assert scenario_to_document(Scenario.objects.get(pk=scenario_a.pk)) == before


def test_patch_is_refused_with_405_and_changes_nothing(editor: Member, scenario_a: Scenario) -> None:
    response = editor.call("PATCH", f"{SCENARIOS}{scenario_a.pk}/", {"name": "Renamed"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert Scenario.objects.get(pk=scenario_a.pk).name == "Acme FY2027"


def test_delete_removes_the_scenario_and_its_rows(editor: Member, scenario_a: Scenario) -> None:
    assert _rows() == (1, 2, 2, 3)
    response = editor.call("DELETE", f"{SCENARIOS}{scenario_a.pk}/")
    assert response.status_code == 204
    assert _rows() == (0, 0, 0, 0)
    assert editor.call("GET", f"{SCENARIOS}{scenario_a.pk}/").status_code == 404


def test_viewers_read_but_cannot_create_replace_or_delete(
    viewer: Member, scenario_a: Scenario, minimal_document: dict[str, Any]
) -> None:
    assert viewer.call("GET", f"{SCENARIOS}{scenario_a.pk}/").status_code == 200
    before = _rows()
    attempts = [
        viewer.call("POST", SCENARIOS, {**minimal_document, "name": "Mine"}),
        viewer.call("PUT", f"{SCENARIOS}{scenario_a.pk}/", minimal_document),
        viewer.call("DELETE", f"{SCENARIOS}{scenario_a.pk}/"),
    ]
    assert [response.status_code for response in attempts] == [403, 403, 403]
    assert {response.json()["code"] for response in attempts} == {"permission_denied"}
    assert _rows() == before


def test_member_of_several_organizations_must_name_one(
    editor: Member, org_b: Organization, minimal_document: dict[str, Any]
) -> None:
    MembershipFactory.create(user=editor.user, organization=org_b, role=Role.EDITOR)
    unnamed = editor.call("POST", SCENARIOS, minimal_document)
    assert unnamed.status_code == 400
    assert list(unnamed.json()["errors"]) == ["organization"]
    in_body = editor.call("POST", SCENARIOS, {**minimal_document, "organization": "globex"})
    in_query = editor.call("POST", f"{SCENARIOS}?organization=acme", minimal_document)
    assert (in_body.status_code, in_body.json()["organization"]) == (201, "globex")
    assert (in_query.status_code, in_query.json()["organization"]) == (201, "acme")
    filtered = editor.call("GET", f"{SCENARIOS}?organization=globex").json()["results"]
    assert [item["organization"] for item in filtered] == ["globex"]


def test_a_foreign_organization_slug_reads_exactly_like_an_unknown_one(
    editor: Member, org_b: Organization, minimal_document: dict[str, Any]
) -> None:
    foreign = editor.call("POST", SCENARIOS, {**minimal_document, "organization": "globex"})
    unknown = editor.call("POST", SCENARIOS, {**minimal_document, "organization": "initech"})
    assert foreign.status_code == unknown.status_code == 400
    messages = [foreign.json()["errors"]["organization"][0], unknown.json()["errors"]["organization"][0]]
    assert messages[0].replace("globex", "X") == messages[1].replace("initech", "X")
    assert Scenario.objects.count() == 0


def test_a_user_without_organization_cannot_create(db: None, minimal_document: dict[str, Any]) -> None:
    loner = make_member(OrganizationFactory.create(slug="tmp", name="Tmp"), Role.EDITOR)
    loner.user.memberships.all().delete()
    response = loner.call("POST", SCENARIOS, minimal_document)
    assert response.status_code == 400
    assert "not a member of any organization" in response.json()["errors"]["organization"][0]


def test_put_cannot_move_a_scenario_to_another_organization(
    editor: Member, scenario_a: Scenario, org_b: Organization, minimal_document: dict[str, Any]
) -> None:
    MembershipFactory.create(user=editor.user, organization=org_b, role=Role.EDITOR)
    response = editor.call(
        "PUT", f"{SCENARIOS}{scenario_a.pk}/", {**minimal_document, "organization": "globex"}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["organization"]
    assert Scenario.objects.get(pk=scenario_a.pk).organization.slug == "acme"
    same = editor.call("PUT", f"{SCENARIOS}{scenario_a.pk}/", {**minimal_document, "organization": "acme"})
    assert same.status_code == 200


def test_a_taken_name_is_a_400_on_name(
    editor: Member, scenario_a: Scenario, minimal_document: dict[str, Any]
) -> None:
    response = editor.call("POST", SCENARIOS, minimal_document)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]
    assert Scenario.objects.count() == 1


def test_missing_revoked_or_malformed_credentials_answer_401_in_json(
    editor: Member, scenario_a: Scenario
) -> None:
    anonymous = APIClient().get(SCENARIOS)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    assert anonymous["WWW-Authenticate"] == "Token"
    editor.user.api_tokens.revoke()
    revoked = editor.call("GET", SCENARIOS)
    assert (revoked.status_code, revoked.json()["code"]) == (401, "authentication_failed")
    malformed = editor.call("GET", SCENARIOS, HTTP_AUTHORIZATION="Token a b")
    assert malformed.status_code == 401


def test_the_admin_session_authenticates_and_writes_need_its_csrf_token(
    editor: Member, scenario_a: Scenario, minimal_document: dict[str, Any]
) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(editor.user)
    assert browser.get(SCENARIOS).json()["count"] == 1
    response = browser.post(SCENARIOS, {**minimal_document, "name": "Via session"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_invalid_page_is_a_json_404(editor: Member, scenario_a: Scenario) -> None:
    for page in ("2", "0", "abc", "9" * 40):
        response = editor.call("GET", f"{SCENARIOS}?page={page}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_unrouted_api_paths_and_unknown_ids_answer_the_same_json_404(editor: Member) -> None:
    bodies = [
        editor.call("GET", path).json()
        for path in (
            f"{SCENARIOS}12345/",
            f"{SCENARIOS}{'9' * 30}/",
            f"{SCENARIOS}-1/",
            "/api/v1/nothing",
            "/api/v2/",
        )
    ]
    assert bodies == [{"detail": "Not found.", "code": "not_found", "errors": {}}] * 5


def test_answers_are_json_whatever_the_accept_header(editor: Member, scenario_a: Scenario) -> None:
    response = editor.call("GET", SCENARIOS, HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_options_describes_the_endpoint_without_failing(editor: Member, scenario_a: Scenario) -> None:
    for path in (SCENARIOS, f"{SCENARIOS}{scenario_a.pk}/", "/api/v1/forecasts/", "/api/v1/catalogs/"):
        response = editor.call("OPTIONS", path)
        assert response.status_code == 200
        assert "application/json" in response.json()["renders"]
        assert "actions" not in response.json()


def test_a_viewer_is_refused_before_the_body_is_read(
    viewer: Member, minimal_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11: a viewer's token made the server parse any body it sent before the 403."""

    def must_not_read(data: Any) -> Any:
        raise AssertionError("the body was read before the permission check")

    monkeypatch.setattr(views, "_split_body", must_not_read)
    response = viewer.call("POST", SCENARIOS, minimal_document)
    assert response.status_code == 403
    assert Scenario.objects.count() == 0
