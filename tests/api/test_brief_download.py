"""`GET /api/v1/forecasts/{id}/brief.pdf`: the brief for members of the run's organization."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from forecasting.models import ForecastRun
from procurement.models import Organization
from reports.formatting import money
from tests.api.conftest import Member
from tests.reports.pdf_tools import page_texts, squash
from tests.reports.run_rows import example_result, succeeded_run, unfinished_run

pytestmark = pytest.mark.django_db


def brief_path(run: ForecastRun | int) -> str:
    return f"/api/v1/forecasts/{getattr(run, 'pk', run)}/brief.pdf"


def test_a_viewer_downloads_the_runs_brief_with_its_numbers(viewer: Member, org_a: Organization) -> None:
    run = succeeded_run(org_a, scenario_name="FY2027 base")
    response = viewer.call("GET", brief_path(run), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="brief-run-{run.pk}.pdf"'
    result = example_result()
    cover = squash(page_texts(response.content, [0])[0])
    for shown in (
        squash(org_a.name),
        "FY2027base",
        f"run{run.pk}",
        squash(money(result["total"]["expected_cost"])),
        squash(money(result["total"]["cost"]["p5"])),
        squash(money(result["total"]["cost"]["p95"])),
        *(squash(money(p["recommended"]["commitment"])) for p in result["api"]["periods"]),
    ):
        assert shown in cover


def test_another_organizations_run_is_not_found_like_a_missing_one(
    outsider: Member, org_a: Organization
) -> None:
    run = succeeded_run(org_a)
    foreign = outsider.call("GET", brief_path(run))
    missing = outsider.call("GET", brief_path(run.pk + 1000))
    assert foreign.status_code == missing.status_code == 404
    assert foreign["Content-Type"] == "application/json"
    assert foreign.json() == missing.json()
    assert foreign.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("status", "words"),
    [("queued", "is queued (0% done)"), ("running", "is running (40% done)"), ("failed", "failed")],
)
def test_a_run_without_a_result_is_a_409_in_json(
    editor: Member, org_a: Organization, status: str, words: str
) -> None:
    run = unfinished_run(org_a, status=status, blocks_done=0 if status == "queued" else 2)
    response = editor.call("GET", brief_path(run), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["code"] == "not_ready"
    assert words in body["detail"]
    assert body["errors"] == {}


def test_anonymous_callers_get_a_401(org_a: Organization) -> None:
    run = succeeded_run(org_a)
    response = APIClient().get(brief_path(run))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_schema_documents_the_download_as_a_pdf_with_its_409(viewer: Member) -> None:
    schema = viewer.client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/forecasts/{run_id}/brief.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]
    assert set(operation["responses"]) >= {"200", "401", "404", "409"}
