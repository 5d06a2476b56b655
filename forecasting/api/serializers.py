"""Forecast run input (strict: whole numbers only, no unknown keys) and representations."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.reverse import reverse

from forecasting.api.schema import FORECAST_RESULT
from forecasting.models import ForecastRun
from procurement.api.exceptions import InvalidInput
from procurement.api.schema import ref
from procurement.models import Organization
from procurement.scenario_document.bounds import SCENARIO_BOUNDS
from procurement.scenario_document.fields import describe_type

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PATTERN = r"^[\x21-\x7e]{1,200}$"  # printable ASCII without spaces; the column holds 200
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_PATTERN)


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number: not a string, not a boolean (DRF's IntegerField takes "5" and 5.0)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid_type", kind=describe_type(data))
        return super().to_internal_value(data)

    default_error_messages = {"invalid_type": "must be a whole number, not {kind}"}


def _bounded(key: str, help_text: str) -> StrictIntegerField:
    bound = SCENARIO_BOUNDS[key]
    low, high = int(bound.low), int(bound.high)
    return StrictIntegerField(min_value=low, max_value=high, required=False, help_text=help_text)


class ForecastStartSerializer(serializers.Serializer[Any]):
    """Optional overrides of the scenario's `simulation` block."""

    trials = _bounded("trials", "Monte Carlo trials, 1,000..1,000,000 [the scenario's simulation.trials].")
    seed = _bounded("seed", "Random seed [the scenario's seed, else a new one, stored on the run].")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            allowed = ", ".join(self.fields)
            message = f"unknown field; allowed fields are {allowed}"
            raise InvalidInput("Invalid input.", errors={key: [message] for key in unknown})
        return super().to_internal_value(data)  # type: ignore[no-any-return]


def idempotency_key(request: Request) -> str | None:
    """The `Idempotency-Key` header, or None; a malformed one is a 400 naming the header."""
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:
        return None
    if not _IDEMPOTENCY_KEY.match(raw):
        message = "must be 1 to 200 printable ASCII characters without spaces, e.g. a UUID"
        raise InvalidInput("Invalid Idempotency-Key header.", errors={IDEMPOTENCY_HEADER: [message]})
    return raw


@extend_schema_field({"allOf": [ref(FORECAST_RESULT)], "nullable": True, "readOnly": True})
class ResultField(serializers.JSONField):
    """The stored result (docs/result.md), null until the run succeeded."""


class ForecastRunSerializer(serializers.ModelSerializer[ForecastRun]):
    url = serializers.HyperlinkedIdentityField(view_name="api:forecastrun-detail")
    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    scenario_url = serializers.SerializerMethodField()

    class Meta:
        model = ForecastRun
        fields = [
            "id",
            "url",
            "status",
            "progress",
            "organization",
            "scenario",
            "scenario_url",
            "scenario_name",
            "trials",
            "seed",
            "idempotency_key",
            "blocks_total",
            "blocks_done",
            "attempts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_scenario_url(self, run: ForecastRun) -> str | None:
        if run.scenario_id is None:
            return None
        return reverse("api:scenario-detail", args=[run.scenario_id], request=self.context.get("request"))


class ForecastRunDetailSerializer(ForecastRunSerializer):
    result = ResultField(read_only=True)

    class Meta(ForecastRunSerializer.Meta):
        fields = [*ForecastRunSerializer.Meta.fields, "result"]
        read_only_fields = fields
