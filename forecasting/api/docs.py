"""OpenAPI descriptions of the forecast operations (drf-spectacular), kept out of the views."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from forecasting.api.serializers import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_PATTERN,
    ForecastRunDetailSerializer,
    ForecastRunSerializer,
    ForecastStartSerializer,
)
from forecasting.models import ForecastRun
from procurement.api.docs import PAGE_PARAMETERS, error_responses

START_OPERATION = extend_schema(
    operation_id="scenarios_forecasts_create",
    tags=["forecasts"],
    summary="Start a forecast run of a scenario",
    description="Snapshots the scenario and its catalog and queues the run. Answers 202 with the new run; "
    "a retry with the same `Idempotency-Key` answers 200 with the run it created, and the key sent with "
    "another request (another scenario, trials or seed) answers 422. Work is bounded: trials "
    "1,000..1,000,000, a compute budget (400 on `trials`) and a limit of queued or running runs per "
    "organization (429), plus a per-organization throttle on starts (429 with Retry-After).",
    parameters=[
        OpenApiParameter(
            IDEMPOTENCY_HEADER,
            {"type": "string", "minLength": 1, "maxLength": 200, "pattern": IDEMPOTENCY_PATTERN},
            OpenApiParameter.HEADER,
            description="Optional key (1..200 printable ASCII characters, e.g. a UUID): a retried request "
            "with the same key returns the same run instead of starting another.",
        ),
    ],
    request=ForecastStartSerializer,
    responses={
        202: OpenApiResponse(ForecastRunSerializer, description="A new run was queued."),
        200: OpenApiResponse(ForecastRunSerializer, description="The run this Idempotency-Key started."),
        **error_responses(400, 401, 403, 404, 413, 415, 422, 429),
    },
)

RUN_OPERATIONS = {
    "list": extend_schema(
        summary="List forecast runs of your organizations (newest first, without results)",
        parameters=[
            OpenApiParameter(
                "scenario",
                {"type": "integer", "minimum": 1},
                OpenApiParameter.QUERY,
                description="Only runs of this scenario (one of your organizations', else a 400).",
            ),
            OpenApiParameter(
                "status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=ForecastRun.Status.values
            ),
            *PAGE_PARAMETERS,
        ],
        responses={200: ForecastRunSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    "retrieve": extend_schema(
        summary="Read a forecast run: status, progress and, once succeeded, the result",
        responses={200: ForecastRunDetailSerializer, **error_responses(401, 404)},
    ),
}
