"""A throttle on forecast starts per organization (not per user or token: they share the org's quota).

Throttling is not a security control (docs/operations.md#reliability-and-security: with a local-memory cache
each gunicorn worker counts alone); the work is bounded by the trials cap, the compute budget and the
active-run limit.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from forecasting.api.serializers import IDEMPOTENCY_HEADER
from forecasting.models import ForecastRun
from procurement.models import Scenario


class ForecastStartThrottle(SimpleRateThrottle):
    scope = "forecast_start"

    def get_rate(self) -> str | None:
        # Read per request, so settings overrides (tests, env) apply without a restart of the class.
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        rate = rates.get(self.scope)
        return None if rate is None else str(rate)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        """The organization of the scenario; None (not counted) when the view will refuse the request.

        Requests the view refuses (another organization's or a missing scenario, a viewer) and retries
        of an existing run by its Idempotency-Key do not spend the organization's quota.
        """
        scenario_id = view.kwargs.get("scenario_id")
        scenarios = Scenario.objects.editable_by(request.user).filter(pk=scenario_id)
        organization_id = scenarios.values_list("organization_id", flat=True).first()
        if organization_id is None:
            return None
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key and ForecastRun.objects.filter(organization_id=organization_id, idempotency_key=key).exists():
            return None
        return self.cache_format % {"scope": self.scope, "ident": organization_id}
