"""Compare forecast runs in the admin: the changelist action, the comparison page, the link from a run.

The page lives at `compare/?runs=<id>&runs=<id>…` under the forecast run admin (see
`ForecastRunResultsMixin`), so the action, the "Compare with previous run of this scenario" link and a
bookmarked address all show the same thing. Runs are looked up in the ModelAdmin's own
organization-scoped queryset: another organization's run is "not found" here as everywhere. The figures
come from `reports.compare` (read from the stored results, never computed again).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from forecasting.models import ForecastRun
from reports.brief_data import stored_result
from reports.compare import MAX_RUNS, MIN_RUNS, ComparedRun, comparison

TEMPLATE = "admin/forecasting/forecastrun/compare.html"


class CompareRefused(ValueError):
    """Why these runs cannot be compared, in words for an admin error message."""


def runs_to_compare(visible: QuerySet[ForecastRun], ids: Sequence[Any]) -> list[ForecastRun]:
    """The runs `ids` among `visible`, in the given order; refused unless 2 to 4 distinct succeeded runs."""
    try:
        wanted = list(dict.fromkeys(int(value) for value in ids))
    except (TypeError, ValueError):
        raise CompareRefused("Runs are chosen by their numbers.") from None
    if not MIN_RUNS <= len(wanted) <= MAX_RUNS:
        raise CompareRefused(
            f"Select {MIN_RUNS} to {MAX_RUNS} forecast runs to compare ({len(wanted)} selected)."
        )
    found = {run.pk: run for run in visible.filter(pk__in=wanted)}
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise CompareRefused(f"No forecast run with the number {', '.join(missing)}.")
    unfinished = [found[pk] for pk in wanted if found[pk].status != ForecastRun.Status.SUCCEEDED]
    if unfinished:
        names = ", ".join(str(run) for run in unfinished)
        raise CompareRefused(f"Only succeeded runs have results to compare: {names}.")
    return [found[pk] for pk in wanted]


def oldest_first(runs: QuerySet[ForecastRun]) -> list[int]:
    """Selected runs in the order they were started: the first is the reference for the others."""
    return list(runs.order_by("created_at", "pk").values_list("pk", flat=True))


def compare_url(run_ids: Sequence[int]) -> str:
    query = urlencode([("runs", run_id) for run_id in run_ids])
    return f"{reverse('admin:forecasting_forecastrun_compare')}?{query}"


def previous_run(run: ForecastRun) -> ForecastRun | None:
    """The latest succeeded run of the same scenario started before `run`, if any."""
    if run.scenario_id is None:
        return None
    earlier = ForecastRun.objects.filter(
        scenario_id=run.scenario_id,
        organization_id=run.organization_id,
        status=ForecastRun.Status.SUCCEEDED,
    ).exclude(pk=run.pk)
    earlier = earlier.filter(created_at__lt=run.created_at) | earlier.filter(
        created_at=run.created_at, pk__lt=run.pk
    )
    return earlier.order_by("-created_at", "-pk").first()


@admin.action(description="Compare selected runs", permissions=["view"])
def compare_runs(
    model_admin: admin.ModelAdmin[ForecastRun], request: HttpRequest, queryset: QuerySet[ForecastRun]
) -> HttpResponse | None:
    """Open the comparison of the selected runs (oldest first), or say why they cannot be compared."""
    ids = oldest_first(queryset)
    try:
        runs_to_compare(model_admin.get_queryset(request), ids)
    except CompareRefused as refusal:
        model_admin.message_user(request, str(refusal), messages.ERROR)
        return None
    return HttpResponseRedirect(compare_url(ids))


def compare_page(model_admin: admin.ModelAdmin[ForecastRun], request: HttpRequest) -> HttpResponse:
    """GET compare/?runs=…: the runs side by side, or back to the run list with the refusal."""
    try:
        runs = runs_to_compare(model_admin.get_queryset(request), request.GET.getlist("runs"))
    except CompareRefused as refusal:
        model_admin.message_user(request, str(refusal), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:forecasting_forecastrun_changelist"))
    table = comparison(
        [
            ComparedRun(run.pk, run.scenario_name, run.finished_at, stored_result(run.result or {}))
            for run in runs
        ]
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": ForecastRun._meta,
        "title": "Compare forecast runs",
        "comparison": table,
        "reference": runs[0],
        "headers": [
            (column, reverse("admin:forecasting_forecastrun_change", args=[quote(run.pk)]))
            for column, run in zip(table.columns, runs, strict=True)
        ],
    }
    return TemplateResponse(request, TEMPLATE, context)


__all__ = [
    "CompareRefused",
    "compare_page",
    "compare_runs",
    "compare_url",
    "oldest_first",
    "previous_run",
    "runs_to_compare",
]
