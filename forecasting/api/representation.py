"""The run detail's hot path: the envelope built directly and the stored result passed through as text.

A result is tens to hundreds of kilobytes of JSON. Decoding it from the database and encoding it again on
every read was most of the cost of `GET /api/v1/forecasts/{id}/` (benchmarks/load_api.py), so the detail
reads the column as text (`CAST(result AS text)`: stored JSON on SQLite, jsonb's text on PostgreSQL) and
splices it into the response unchanged, never converting it. The stored text is strict JSON: a run
stores plain JSON data with no NaN or infinity (`forecasting.engine.contract.to_json`, the policy of
`forecasting.engine.jsondata`), and PostgreSQL's jsonb cannot hold them.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.reverse import reverse

from forecasting.models import ForecastRun

_DATETIME = serializers.DateTimeField()


def run_envelope(run: ForecastRun, request: Request) -> dict[str, Any]:
    """Exactly ForecastRunSerializer(run).data (a test keeps them equal), without building its fields."""
    scenario_url = None
    if run.scenario_id is not None:
        scenario_url = reverse("api:scenario-detail", args=[run.scenario_id], request=request)
    return {
        "id": run.pk,
        "url": reverse("api:forecastrun-detail", args=[run.pk], request=request),
        "status": run.status,
        "progress": run.progress,
        "organization": run.organization.slug,
        "scenario": run.scenario_id,
        "scenario_url": scenario_url,
        "scenario_name": run.scenario_name,
        "trials": run.trials,
        "seed": run.seed,
        "idempotency_key": run.idempotency_key,
        "blocks_total": run.blocks_total,
        "blocks_done": run.blocks_done,
        "attempts": run.attempts,
        "error": run.error,
        "created_at": _datetime(run.created_at),
        "started_at": _datetime(run.started_at),
        "finished_at": _datetime(run.finished_at),
    }


def _datetime(value: Any) -> str | None:
    return None if value is None else str(_DATETIME.to_representation(value))


def json_with_raw_member(envelope: dict[str, Any], key: str, raw_json: str | None) -> HttpResponse:
    """`envelope` plus `key` whose value is already JSON text (None: null), as one JSON response."""
    head = json.dumps(envelope, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    body = f'{head[:-1]},"{key}":{"null" if raw_json is None else raw_json}}}'
    return HttpResponse(body.encode("utf-8"), content_type="application/json")
