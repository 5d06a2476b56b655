"""Each scenario's last result on the scenario list, in the changelist's one query.

Imports point one way (`procurement` ← `forecasting`), so this module never imports the forecast run
model: it follows the `forecast_runs` relation that `forecasting` adds to Scenario, and reads the result
keys in docs/result.md (`api.periods[].recommended.commitment`, `total.expected_cost`) in the database.
Without the forecasting app the columns stay empty.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, FloatField, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from procurement.models import Scenario

SUCCEEDED = "succeeded"  # ForecastRun.Status.SUCCEEDED


def _runs_model() -> Any:
    try:
        return Scenario._meta.get_field("forecast_runs").related_model
    except FieldDoesNotExist:
        return None


def with_last_result(queryset: QuerySet[Scenario]) -> QuerySet[Scenario]:
    """Annotate `last_run_id`, `last_commitment` (first period), `last_period_months`, `last_total`.

    The last result is that of the latest succeeded run (by finish time). Correlated subqueries, so a
    page of scenarios is still one query.
    """
    runs_model = _runs_model()
    if runs_model is None:
        return queryset
    latest = runs_model._default_manager.filter(scenario=OuterRef("pk"), status=SUCCEEDED).order_by(
        F("finished_at").desc(nulls_last=True), "-pk"
    )

    def number(key: str, field: FloatField[Any, Any] | IntegerField[Any, Any]) -> Subquery:
        values = latest.annotate(value=Cast(KT(f"result__{key}"), field)).values("value")[:1]
        return Subquery(values, output_field=field)

    return queryset.annotate(
        last_run_id=Subquery(latest.values("pk")[:1]),
        last_commitment=number("api__periods__0__recommended__commitment", FloatField()),
        last_period_months=number("api__periods__0__months", IntegerField()),
        last_total=number("total__expected_cost", FloatField()),
    )


def usd_short(amount: float) -> str:
    """$2.07M, $350K, $980: three significant figures for a list column."""
    rounded = float(f"{amount:.3g}")  # first, so 999,600 becomes $1M and not $1e+03K
    for divisor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(rounded) >= divisor:
            return f"${rounded / divisor:.3g}{suffix}"
    return f"${amount:,.0f}"
