"""`GET /api/v1/forecasts/{id}/result.xlsx`: the result workbook for members of the run's organization."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from procurement.models import Organization
from reports.api import XLSX
from tests.api.conftest import Member
from tests.reports.run_rows import example_result, succeeded_run, unfinished_run

pytestmark = pytest.mark.django_db


def test_a_viewer_downloads_the_workbook_and_others_cannot(
    viewer: Member, outsider: Member, org_a: Organization
) -> None:
    run = succeeded_run(org_a)
    path = f"/api/v1/forecasts/{run.pk}/result.xlsx"
    response = viewer.call("GET", path)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="result-run-{run.pk}.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert dict(book["Decision"].iter_rows(min_row=2, values_only=True))[
        "Total expected cost over the term"
    ] == pytest.approx(example_result()["total"]["expected_cost"], rel=1e-12)
    assert outsider.call("GET", path).status_code == 404
    waiting = unfinished_run(org_a)
    refused = viewer.call("GET", f"/api/v1/forecasts/{waiting.pk}/result.xlsx")
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/json"
