"""`GET /api/v1/forecasts/{id}/brief.pdf` and `.../result.xlsx` (routed in procurement.urls): a succeeded
run's PDF brief, and its result as an Excel workbook (reports/workbook.py).

Same visibility as reading the run: any member (viewers included) of the run's organization; another
organization's run is a 404 exactly like a missing one. A run without a result (queued, running, failed)
is a 409 in the API's JSON error shape. Errors are JSON; only the 200 answer is a PDF.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from forecasting.models import ForecastRun
from procurement.api.base import JsonApiMixin
from procurement.api.docs import error_responses
from procurement.api.serializers import ErrorSerializer
from reports.services import (
    BriefNotReady,
    brief_filename,
    brief_pdf_for,
    workbook_filename,
    workbook_for,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BriefNotReadyConflict(APIException):
    """The run exists but has no result yet (or failed): 409, with the run's state in words."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


NOT_READY = OpenApiResponse(
    ErrorSerializer, description="The run has not succeeded (queued, running or failed)."
)


def run_download(
    request: Request,
    run_id: str,
    build: Callable[[ForecastRun], bytes],
    name: Callable[[ForecastRun], str],
    content_type: str,
) -> HttpResponse:
    """A succeeded run's document for a member of its organization: 404 for another organization's run
    (as for a missing one), 409 before the run has succeeded; never cached (the organization's figures)."""
    run = get_object_or_404(
        ForecastRun.objects.visible_to(request.user).select_related("organization"), pk=run_id
    )
    try:
        content = build(run)
    except BriefNotReady as error:
        raise BriefNotReadyConflict(str(error)) from error
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name(run)}"'
    add_never_cache_headers(response)
    return response


class ForecastBriefPdfApi(JsonApiMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="forecasts_brief_pdf",
        tags=["forecasts"],
        summary="Download the PDF negotiation brief of a succeeded forecast run",
        description="The same run always gives the same document (built from its stored result and "
        "catalog snapshot, dated with its finish date). Any member of the run's organization may download.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The brief."),
            **error_responses(401, 404),
            409: NOT_READY,
        },
    )
    def get(self, request: Request, run_id: str) -> HttpResponse:
        return run_download(request, run_id, brief_pdf_for, brief_filename, "application/pdf")


class ForecastResultXlsxApi(JsonApiMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="forecasts_result_xlsx",
        tags=["forecasts"],
        summary="Download a succeeded forecast run's result as an Excel workbook",
        description="Sheets: Decision, Periods, Seats, Asks, Levers, Sensitivity; every number is the "
        "stored result's own, unrounded, as a number cell. Any member of the run's organization may "
        "download.",
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook."),
            **error_responses(401, 404),
            409: NOT_READY,
        },
    )
    def get(self, request: Request, run_id: str) -> HttpResponse:
        return run_download(request, run_id, workbook_for, workbook_filename, XLSX)
