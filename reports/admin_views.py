"""Forecast results in the admin: a run's progress and results, its brief, and "Run forecast" on scenarios.

`ForecastRunResultsMixin` goes in front of the forecast run ModelAdmin's bases. It adds URLs under each
run (`status.json`, polled by the change page while the run works, `brief.pdf`, `result.xlsx` and
`result.json`, the stored result that the page links to instead of showing it) and the page comparing
several runs (`compare/`, see `reports.admin_compare`), and puts the progress or the results (the decision
from `reports.admin_decision`, then `reports.admin_results`, and a link to compare with the scenario's
previous run) in the change page's context; the admin finds the template by its path,
`templates/admin/forecasting/forecastrun/change_form.html`.
Runs are found through the ModelAdmin's own organization-scoped queryset and view permission, so
another organization's run is a 404 here as in the API. `run_forecast` is the scenario admin's "Run
forecast" action (handed to it by `reports/admin.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from forecasting.models import ForecastRun
from forecasting.services import ComputeBudgetExceeded, RunLimitExceeded, start_forecast
from procurement.models import Membership, Scenario
from procurement.scenario_document import ScenarioValidationError
from reports import admin_compare, admin_decision, admin_results
from reports.api import XLSX
from reports.brief_data import stored_result
from reports.plan_names import catalog_plan_names
from reports.services import (
    brief_filename,
    brief_pdf_for,
    not_ready_message,
    workbook_filename,
    workbook_for,
)

POLL_SECONDS = 3  # how often a running run's page asks for its status; a block of trials takes seconds


class ForecastRunResultsMixin:
    """For the ForecastRun ModelAdmin: progress while a run works, its results once it succeeded."""

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view  # type: ignore[attr-defined]
        own = [
            path(
                "<path:object_id>/status.json",
                view(self.run_status_view),
                name="forecasting_forecastrun_status",
            ),
            path("<path:object_id>/brief.pdf", view(self.brief_view), name="forecasting_forecastrun_brief"),
            path(
                "<path:object_id>/result.xlsx",
                view(self.workbook_view),
                name="forecasting_forecastrun_workbook",
            ),
            path(
                "<path:object_id>/result.json",
                view(self.result_json_view),
                name="forecasting_forecastrun_result_json",
            ),
            path("compare/", view(self.compare_view), name="forecasting_forecastrun_compare"),
        ]
        return own + super().get_urls()  # type: ignore[misc, no-any-return]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        run = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        context = dict(extra_context or {})
        if run is not None:
            context.update(run_page_context(run))
        return super().change_view(request, object_id, form_url, context)  # type: ignore[misc, no-any-return]

    def run_status_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        return JsonResponse(run_status(self._visible_run(request, object_id)))

    def brief_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        run = self._visible_run(request, object_id)
        if run.status != ForecastRun.Status.SUCCEEDED:
            messages.warning(request, not_ready_message(run))
            return HttpResponseRedirect(reverse("admin:forecasting_forecastrun_change", args=[quote(run.pk)]))
        return pdf_response(brief_pdf_for(run), brief_filename(run))

    def workbook_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        run = self._visible_run(request, object_id)
        if run.status != ForecastRun.Status.SUCCEEDED:
            messages.warning(request, not_ready_message(run).replace("brief", "workbook"))
            return HttpResponseRedirect(reverse("admin:forecasting_forecastrun_change", args=[quote(run.pk)]))
        return download_response(workbook_for(run), workbook_filename(run), XLSX)

    def result_json_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The stored result as JSON (docs/result.md), shown by the browser: the raw figures live here, not
        on the run page. Same lookup as the page: another organization's run is a 404."""
        run = self._visible_run(request, object_id)
        if run.status != ForecastRun.Status.SUCCEEDED or run.result is None:
            messages.warning(request, not_ready_message(run).replace("brief", "result"))
            return HttpResponseRedirect(reverse("admin:forecasting_forecastrun_change", args=[quote(run.pk)]))
        response = JsonResponse(run.result, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'inline; filename="result-run-{run.pk}.json"'
        add_never_cache_headers(response)  # the organization's figures: no shared or stored copies
        return response

    @admin.display(description="result JSON")
    def result_json_link(self, run: ForecastRun) -> str:
        """A link to the stored result instead of tens of thousands of pixels of it on the page."""
        if run.status != ForecastRun.Status.SUCCEEDED or run.result is None:
            return "—"
        url = reverse("admin:forecasting_forecastrun_result_json", args=[quote(run.pk)])
        return format_html('<a href="{}" class="result-json">Open the stored result (JSON)</a>', url)

    def compare_view(self, request: HttpRequest) -> HttpResponse:
        return admin_compare.compare_page(self, request)  # type: ignore[arg-type]

    def _visible_run(self, request: HttpRequest, object_id: str) -> ForecastRun:
        run = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if run is None or not self.has_view_permission(request, run):  # type: ignore[attr-defined]
            raise Http404("No forecast run with this id.")
        return run  # type: ignore[no-any-return]


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A PDF download; `filename` must be ASCII (see `reports.services.brief_filename`)."""
    return download_response(pdf, filename, "application/pdf")


def download_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file download of the organization's figures; `filename` must be ASCII."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Length"] = str(len(content))
    add_never_cache_headers(response)  # the organization's: no shared or stored copies
    return response


def run_status(run: ForecastRun) -> dict[str, Any]:
    """What the change page polls: the run's state and progress (never its result)."""
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "progress": run.progress,
        "blocks_done": run.blocks_done,
        "blocks_total": run.blocks_total,
        "finished": run.is_finished,
    }


def run_page_context(run: ForecastRun) -> dict[str, Any]:
    """The change page's extra context: progress while the run works, the results once it succeeded."""
    context: dict[str, Any] = {
        "run": run,
        "run_active": run.status in ForecastRun.ACTIVE_STATUSES,
        "run_progress_percent": round(run.progress * 100),
        "poll_seconds": POLL_SECONDS,
        "status_url": reverse("admin:forecasting_forecastrun_status", args=[quote(run.pk)]),
        "brief_url": reverse("admin:forecasting_forecastrun_brief", args=[quote(run.pk)]),
        "workbook_url": reverse("admin:forecasting_forecastrun_workbook", args=[quote(run.pk)]),
        "result_json_url": reverse("admin:forecasting_forecastrun_result_json", args=[quote(run.pk)]),
    }
    if run.status == ForecastRun.Status.SUCCEEDED and run.result is not None:
        result = stored_result(run.result)
        with catalog_plan_names(run.catalog_snapshot):  # plans named as the run's catalog names them
            context["decision"] = admin_decision.decision(result, run.catalog_snapshot, run.scenario_snapshot)
            context["summary"] = admin_results.summary(result)
            context["charts"] = admin_results.main_charts(result, run.catalog_snapshot)
        context["hidden_curves"] = admin_results.hidden_curve_count(result)
        previous = admin_compare.previous_run(run)
        if previous is not None:
            context["compare_previous_url"] = admin_compare.compare_url([previous.pk, run.pk])
            context["compare_previous_run"] = previous
    return context


@admin.action(description="Run forecast", permissions=["change"])
def run_forecast(
    model_admin: admin.ModelAdmin[Scenario], request: HttpRequest, queryset: QuerySet[Scenario]
) -> HttpResponse | None:
    """Start a run of each selected scenario and say what became of it; refusals as error messages.

    With in-process (eager) Celery a run has finished by the time `start_forecast` returns, with a broker it
    is queued or running: each message is worded from the run's status read back after the start, so it
    agrees with the run's page. One started run opens its page.
    """
    started: list[ForecastRun] = []
    for scenario in queryset.select_related("organization"):
        run = _start(model_admin, request, scenario)
        if run is not None:
            started.append(run)
    for text, level in started_messages(started):
        model_admin.message_user(request, text, level)
    if len(started) == 1:
        return HttpResponseRedirect(
            reverse("admin:forecasting_forecastrun_change", args=[quote(started[0].pk)])
        )
    return None


def _start(
    model_admin: admin.ModelAdmin[Scenario], request: HttpRequest, scenario: Scenario
) -> ForecastRun | None:
    if not Membership.can_edit(request.user, scenario.organization):
        model_admin.message_user(
            request, f"“{scenario.name}”: only editors and admins may run forecasts.", messages.ERROR
        )
        return None
    try:
        run, _ = start_forecast(scenario, user=request.user)
    except (RunLimitExceeded, ComputeBudgetExceeded) as error:
        model_admin.message_user(request, f"“{scenario.name}” was not started: {error}", messages.ERROR)
        return None
    except ScenarioValidationError as error:
        problems = "; ".join(f"{path}: {text}" for path, texts in error.errors.items() for text in texts)
        model_admin.message_user(request, f"“{scenario.name}” cannot run: {problems}", messages.ERROR)
        return None
    run.refresh_from_db()  # in-process tasks ran it to the end after the start's commit
    return run


def started_messages(runs: Sequence[ForecastRun]) -> list[tuple[str, int]]:
    """(message, level) for runs just started, worded from their status now: started, finished or failed."""
    active = [run for run in runs if run.status in ForecastRun.ACTIVE_STATUSES]
    succeeded = [run for run in runs if run.status == ForecastRun.Status.SUCCEEDED]
    shown: list[tuple[str, int]] = []
    if active:
        noun = "Forecast" if len(active) == 1 else "Forecasts"
        shown.append((format_html("{} started: {}.", noun, _run_links(active)), messages.SUCCESS))
    if succeeded:
        noun = "Forecast" if len(succeeded) == 1 else "Forecasts"
        shown.append((format_html("{} finished: {}.", noun, _run_links(succeeded)), messages.SUCCESS))
    for run in runs:
        if run.status == ForecastRun.Status.FAILED:
            reason = run.error or "no reason was recorded"
            text = format_html("Forecast failed: {}: {}", _run_links([run]), Truncator(reason).chars(500))
            shown.append((text, messages.ERROR))
    return shown


def _run_links(runs: Sequence[ForecastRun]) -> str:
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        ((reverse("admin:forecasting_forecastrun_change", args=[quote(run.pk)]), str(run)) for run in runs),
    )


__all__ = [
    "ForecastRunResultsMixin",
    "pdf_response",
    "run_forecast",
    "run_page_context",
    "run_status",
    "started_messages",
]
