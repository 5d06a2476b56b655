"""The usage-import API: multipart upload -> 201 with the fits, read and list, apply -> the scenario; roles,
organization isolation (404), bad files by file/row/field with nothing saved, 413 over the size setting."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from procurement.models import Organization, Role, Scenario
from procurement.models.usage import UsageImport
from procurement.services import save_scenario
from procurement.usage.importing import import_usage
from tests.usage.conftest import (
    ADMIN_REPORTS,
    USAGE_DIR,
    ccusage_uploads,
    member,
    stored_row_counts,
    upload,
    zip_of,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/usage-imports/"


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def files_field(*relative: str) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile((USAGE_DIR / r).name, (USAGE_DIR / r).read_bytes()) for r in relative]


def test_upload_answers_201_with_the_import_its_files_and_fits(editor: Any) -> None:
    body = {
        "files": files_field(*ADMIN_REPORTS),
        "feature_map": json.dumps({"wrkspc_01gTyx1sjrf2UXAhRWq9vtH9": "Support summariser"}),
        "catalog": "anthropic-list-2026-11",
    }
    response = client_for(editor).post(URL, body, format="multipart")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["organization"] == "acme"
    assert data["price_catalog"] == "anthropic-list-2026-11"
    assert data["created_by"] == editor.username
    assert sorted(f["format"] for f in data["files"]) == ["admin_cost", "admin_usage"]
    assert all(len(f["sha256"]) == 64 for f in data["files"])
    support = next(f for f in data["fits"]["features"] if f["name"] == "Support summariser")
    assert support["fit"]["months"] == 3
    # three months: the raw growth is kept as a diagnostic, the scenario's is shrunk toward flat
    assert support["fit"]["growth_raw"] == pytest.approx(0.0443, abs=1e-3)
    assert 0 < support["growth"] < support["fit"]["growth_raw"]
    assert len(data["feature_months"]) == 9
    assert data["engineer_months"] == []
    assert response["Location"] == data["url"] == f"http://testserver{URL}{data['id']}/"


def test_the_same_upload_again_answers_200_with_the_first_import(editor: Any) -> None:
    client = client_for(editor)
    first = client.post(URL, {"files": files_field("claude-code-analytics.json")}, format="multipart")
    counts = stored_row_counts()
    again = client.post(URL, {"files": files_field("claude-code-analytics.json")}, format="multipart")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert stored_row_counts() == counts


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "negative-tokens.daily.json",
            "negative-tokens.daily.json: daily[3].outputTokens: negative token count",
        ),
        ("string-number.daily.json", "string-number.daily.json: daily[5].cacheReadTokens: wrong type"),
        ("truncated.daily.json", "truncated.daily.json: not valid JSON"),
        ("usage-report-missing-data.json", "usage-report-missing-data.json: data: missing required field"),
        ("console-usage-export.json", "console-usage-export.json: not JSON"),
    ],
)
def test_a_bad_file_answers_400_naming_file_row_and_field_and_saves_nothing(
    editor: Any, name: str, expected: str
) -> None:
    body = {"files": files_field("ccusage/eng-01.daily.json", f"bad/{name}")}
    response = client_for(editor).post(URL, body, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["files"][0].startswith(expected)
    assert stored_row_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("relative", "message"),
    [  # 64.7 kB: refused by the service once read; 1.06 MB: over limit + multipart slack, before reading
        ("ccusage/eng-04.daily.json", "eng-04.daily.json: 64,672 bytes, over the 10,000-byte upload limit"),
        ("admin-cost-report.json", "The upload is 1,063,"),
    ],
)
@override_settings(USAGE_IMPORT_MAX_BYTES=10_000)
def test_an_upload_over_the_size_setting_answers_413(editor: Any, relative: str, message: str) -> None:
    response = client_for(editor).post(URL, {"files": files_field(relative)}, format="multipart")
    assert response.status_code == 413
    assert response.json()["detail"].startswith(message)
    assert stored_row_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"feature_map": "{not json"}, "feature_map"),
        ({"feature_map": '["a list"]'}, "feature_map"),
        ({"feature_map": '{"wrkspc_1": 3}'}, "feature_map"),
        ({"catalog": "no-such-catalog"}, "catalog"),
        ({"organization": "globex"}, "organization"),
        ({"colour": "blue"}, "colour"),
        ({"team": ["A", "B"]}, "team"),
        ({"engineer": "Ada", "extra_file": True}, "engineer"),
    ],
)
def test_bad_upload_fields_answer_400_by_field_and_save_nothing(
    editor: Any, other_organization: Organization, body: dict[str, Any], field: str
) -> None:
    paths = ["claude-code-analytics.json"]
    if body.pop("extra_file", False):
        paths.append("ccusage/eng-01.daily.json")
    response = client_for(editor).post(URL, {"files": files_field(*paths), **body}, format="multipart")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert stored_row_counts() == (0, 0, 0, 0)


def test_upload_without_files_or_as_json_is_refused(editor: Any) -> None:
    client = client_for(editor)
    assert client.post(URL, {"team": "A"}, format="multipart").json()["errors"].keys() == {"files"}
    assert client.post(URL, {"files": []}, format="json").status_code == 415


def test_a_viewer_reads_but_may_not_upload_or_apply(
    viewer: Any, team_import: UsageImport, scenario: Scenario
) -> None:
    client = client_for(viewer)
    assert client.get(f"{URL}{team_import.pk}/").status_code == 200
    assert (
        client.post(URL, {"files": files_field("claude-code-analytics.json")}, format="multipart").status_code
        == 403
    )
    apply = client.post(
        f"{URL}{team_import.pk}/apply/", {"scenario": scenario.pk, "team": "Web"}, format="json"
    )
    assert apply.status_code == 403
    assert stored_row_counts()[0] == 1
    assert scenario.teams.get(name="Web").usage_preset == "light"


def test_read_shows_the_fits_warnings_and_usage_per_month(editor: Any, team_import: UsageImport) -> None:
    data = client_for(editor).get(f"{URL}{team_import.pk}/").json()
    assert data["team"] == "Platform"
    assert data["fits"]["teams"][0]["name"] == "Platform"
    assert data["fits"]["teams"][0]["fit"]["engineers"] == 6
    assert any(w.startswith("eng-02: no usage on any working day") for w in data["fits"]["warnings"])
    assert {row["month"] for row in data["engineer_months"]} == {"2026-08", "2026-09", "2026-10"}


def test_list_shows_only_the_callers_organizations(
    editor: Any, team_import: UsageImport, other_organization: Organization
) -> None:
    theirs = import_usage(other_organization, [upload("claude-code-analytics.json")]).usage_import
    data = client_for(editor).get(URL).json()
    assert [item["id"] for item in data["results"]] == [team_import.pk]
    assert data["count"] == 1
    assert "engineer_months" not in data["results"][0]
    outsider_view = client_for(member(other_organization, Role.VIEWER)).get(URL).json()
    assert [item["id"] for item in outsider_view["results"]] == [theirs.pk]


def test_apply_writes_the_team_fit_and_answers_the_scenario_document(
    editor: Any, team_import: UsageImport, scenario: Scenario
) -> None:
    body = {"scenario": scenario.pk, "team": "Web"}
    response = client_for(editor).post(f"{URL}{team_import.pk}/apply/", body, format="json")
    assert response.status_code == 200, response.json()
    web = next(t for t in response.json()["teams"] if t["name"] == "Web")
    fit = team_import.fits["teams"][0]
    assert (web["usage_median_usd"], web["usage_p90_usd"]) == (fit["usage_median_usd"], fit["usage_p90_usd"])
    assert web["usage_preset"] is None
    assert response.json()["id"] == scenario.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"team": "Mobile"}, "team"),
        ({"team": "Web", "fit": "Backend"}, "fit"),
        ({"team": 3}, "team"),
        ({"team": "Web", "scenario": True}, "scenario"),
        ({"team": "Web", "scenario": "1"}, "scenario"),
        ({"team": "Web", "colour": "blue"}, "colour"),
    ],
)
def test_bad_apply_bodies_answer_400_by_field_and_change_nothing(
    editor: Any, team_import: UsageImport, scenario: Scenario, body: dict[str, Any], field: str
) -> None:
    response = client_for(editor).post(
        f"{URL}{team_import.pk}/apply/", {"scenario": scenario.pk, **body}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert scenario.teams.get(name="Web").usage_preset == "light"


def test_cross_organization_attempts_are_not_found(
    editor: Any,
    outsider: Any,
    team_import: UsageImport,
    scenario: Scenario,
    other_organization: Organization,
    minimal_document: dict[str, Any],
) -> None:
    their_scenario = save_scenario(other_organization, minimal_document)
    theirs = import_usage(other_organization, [upload("claude-code-analytics.json")]).usage_import
    ours, stranger = client_for(editor), client_for(outsider)
    missing = ours.get(f"{URL}999999/")
    attempts = [
        stranger.get(f"{URL}{team_import.pk}/"),  # read another organization's import
        stranger.post(
            f"{URL}{team_import.pk}/apply/", {"scenario": scenario.pk, "team": "Web"}, format="json"
        ),
        stranger.post(  # apply their own import to our scenario
            f"{URL}{theirs.pk}/apply/", {"scenario": scenario.pk, "team": "Web"}, format="json"
        ),
        ours.post(  # apply our import to their scenario
            f"{URL}{team_import.pk}/apply/", {"scenario": their_scenario.pk, "team": "Web"}, format="json"
        ),
        ours.get(f"{URL}{theirs.pk}/"),
    ]
    for response in attempts:
        assert (response.status_code, response.json()) == (404, missing.json())
    listed = ours.get(URL, {"organization": "globex"})  # a list filter on their organization
    assert listed.status_code == 400
    assert "organization" in listed.json()["errors"]
    assert scenario.teams.get(name="Web").usage_preset == "light"
    assert their_scenario.teams.get(name="Web").usage_preset == "light"


def test_the_schema_documents_every_usage_import_operation(editor: Any) -> None:
    schema = client_for(editor).get("/api/schema/", {"format": "json"})
    paths = json.loads(schema.content)["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/usage-imports/"])
    assert "multipart/form-data" in paths["/api/v1/usage-imports/"]["post"]["requestBody"]["content"]
    assert "post" in paths["/api/v1/usage-imports/{id}/apply/"]


def test_a_zip_of_ccusage_files_and_a_named_engineer_upload_through_the_api(editor: Any) -> None:
    client = client_for(editor)
    archive = SimpleUploadedFile("team.zip", zip_of(ccusage_uploads()[:3]), content_type="application/zip")
    zipped = client.post(URL, {"files": [archive], "team": "Platform"}, format="multipart")
    assert zipped.status_code == 201, zipped.json()
    assert [f["engineer"] for f in zipped.json()["files"]] == ["eng-01", "eng-02", "eng-03"]
    assert zipped.json()["fits"]["teams"][0]["fit"]["engineers"] == 3
    single = SimpleUploadedFile("export.json", (USAGE_DIR / "ccusage/eng-09.daily.json").read_bytes())
    named = client.post(URL, {"files": [single], "engineer": "Grace"}, format="multipart")
    assert named.status_code == 201, named.json()
    assert {row["engineer"] for row in named.json()["engineer_months"]} == {"Grace"}


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [  # issue 11: nesting overflowed the decoder's stack (a 500); a NUL reached PostgreSQL
        (b"[" * 100_000, "deep.json: nests hundreds of levels deep; at most 50 are allowed"),
        (b"[" * 60 + b"]" * 60, "deep.json: nests 60 levels deep; at most 50 are allowed"),
        (
            (USAGE_DIR / "ccusage" / "eng-01.daily.json")
            .read_bytes()
            .replace(b'"claude-haiku-4-5-20251001"', b'"x\\u0000"', 1),
            "deep.json: daily[0].modelsUsed[1]: contains a NUL character",
        ),
    ],
)
def test_a_file_nested_too_deep_or_holding_a_nul_is_refused_by_path(
    editor: Any, content: bytes, expected: str
) -> None:
    response = client_for(editor).post(URL, {"files": [_file("deep.json", content)]}, format="multipart")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"]["files"][0].startswith(expected)
    assert stored_row_counts() == (0, 0, 0, 0)


def test_a_nul_in_the_feature_map_is_refused_with_its_path(editor: Any) -> None:
    body = {
        "files": files_field("admin-usage-report.json"),
        "feature_map": json.dumps({"wrkspc_01gTyx1sjrf2UXAhRWq9vtH9": "Bot\u0000"}),
    }
    response = client_for(editor).post(URL, body, format="multipart")
    assert response.status_code == 400
    messages = response.json()["errors"]["feature_map"]
    assert any(m.startswith("wrkspc_01gTyx1sjrf2UXAhRWq9vtH9: contains a NUL character") for m in messages)
    assert stored_row_counts() == (0, 0, 0, 0)


def test_a_viewer_is_refused_before_the_upload_is_read(viewer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from procurement.api import usage_import_views

    def must_not_read(request: Any) -> Any:
        raise AssertionError("the upload was read before the permission check")

    monkeypatch.setattr(usage_import_views, "_upload_form", must_not_read)
    response = client_for(viewer).post(
        URL, {"files": files_field("admin-usage-report.json")}, format="multipart"
    )
    assert response.status_code == 403


def test_a_chunked_upload_is_a_411_not_an_empty_form(editor: Any) -> None:
    body = {"files": files_field("admin-usage-report.json")}
    response = client_for(editor).post(URL, body, format="multipart", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411
    assert response.json()["code"] == "length_required"
    assert stored_row_counts() == (0, 0, 0, 0)
