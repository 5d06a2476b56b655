"""Forecast endpoints: start a run of a scenario, list runs, read one with its result."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema_view
from rest_framework import status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forecasting.api import docs
from forecasting.api.representation import json_with_raw_member, run_envelope
from forecasting.api.serializers import (
    IDEMPOTENCY_HEADER,
    ForecastRunDetailSerializer,
    ForecastRunSerializer,
    ForecastStartSerializer,
    idempotency_key,
)
from forecasting.api.throttles import ForecastStartThrottle
from forecasting.models import ForecastRun
from forecasting.services import (
    ComputeBudgetExceeded,
    IdempotencyKeyReused,
    RunLimitExceeded,
    start_forecast,
)
from procurement.api.access import require_edit
from procurement.api.base import JsonApiMixin, json_object, location
from procurement.api.exceptions import InvalidInput, KeyReused, LimitReached
from procurement.api.pagination import ApiPagination
from procurement.limits import ID_PATTERN
from procurement.models import Scenario

_SNAPSHOTS = ("scenario_snapshot", "catalog_snapshot")
_ID = re.compile(rf"^{ID_PATTERN}$")


class ForecastStartApi(JsonApiMixin, APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ForecastStartThrottle]

    @docs.START_OPERATION
    def post(self, request: Request, scenario_id: str) -> Response:
        scenario = get_object_or_404(Scenario.objects.visible_to(request.user), pk=scenario_id)
        require_edit(request.user, scenario.organization)
        params = ForecastStartSerializer(data=json_object(request.data))
        params.is_valid(raise_exception=True)
        key = idempotency_key(request)
        try:
            run, created = start_forecast(
                scenario, user=request.user, idempotency_key=key, **params.validated_data
            )
        except RunLimitExceeded as error:
            raise LimitReached(str(error)) from error
        except IdempotencyKeyReused as error:
            raise KeyReused(str(error), errors={IDEMPOTENCY_HEADER: [str(error)]}) from error
        except ComputeBudgetExceeded as error:
            raise InvalidInput(
                "The run exceeds the compute budget.", errors={"trials": [str(error)]}
            ) from error
        body = ForecastRunSerializer(run, context={"request": request}).data
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(body, status=code, headers={"Location": location(body["url"])})


@extend_schema_view(**docs.RUN_OPERATIONS)
class ForecastRunViewSet(JsonApiMixin, viewsets.ReadOnlyModelViewSet[ForecastRun]):
    """Runs of the caller's organizations; the list never loads results or snapshots."""

    permission_classes = [IsAuthenticated]
    pagination_class = ApiPagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[ForecastRun]:
        runs = ForecastRun.objects.visible_to(self.request.user).select_related("organization")
        runs = runs.defer("result", *_SNAPSHOTS)
        if self.action != "list":
            return runs.annotate(result_json=Cast("result", TextField()))
        return _filtered(runs, self.request).order_by("-created_at", "-id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        """The run and its stored result, the result passed through as text (see representation.py)."""
        run = self.get_object()
        response = json_with_raw_member(run_envelope(run, request), "result", run.result_json)  # type: ignore[attr-defined]
        add_never_cache_headers(response)  # a result is the organization's: no shared or stored copies
        return response

    def get_serializer_class(self) -> type[ForecastRunSerializer]:
        return ForecastRunDetailSerializer if self.action == "retrieve" else ForecastRunSerializer


def _filtered(runs: QuerySet[ForecastRun], request: Request) -> QuerySet[ForecastRun]:
    """`?scenario=<id>` (a scenario you can see) and `?status=<status>`; anything else is a 400."""
    scenario_id = request.query_params.get("scenario")
    if scenario_id is not None:
        runs = runs.filter(scenario=_visible_scenario_id(request, scenario_id))
    status_value = request.query_params.get("status")
    if status_value is not None:
        if status_value not in ForecastRun.Status.values:
            allowed = ", ".join(ForecastRun.Status.values)
            raise InvalidInput("Invalid filter.", errors={"status": [f"must be one of {allowed}"]})
        runs = runs.filter(status=status_value)
    return runs


def _visible_scenario_id(request: Request, raw: str) -> int:
    """The id of a scenario the caller can see; another organization's reads exactly like a missing one."""
    visible = _ID.match(raw) is not None
    if visible:
        visible = Scenario.objects.visible_to(request.user).filter(pk=int(raw)).exists()
    if not visible:
        message = "must be the id of a scenario of your organizations"
        raise InvalidInput("Invalid filter.", errors={"scenario": [message]})
    return int(raw)
