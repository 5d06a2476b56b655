"""Forecast runs in the admin: read-only, scoped to the user's organizations like the procurement admin.

Runs are started by the service (API, CLI, the scenario admin's "Run forecast"), never typed in here;
editors may delete one. `ForecastRunAdmin` is registered once, by `reports/admin.py`, with the results
views in front of it (progress, results, brief, comparison): `reports` builds on `forecasting`, so the
admin page that shows both is assembled there (docs/architecture.md#dependencies).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html

from forecasting import admin_usage as admin_usage  # registers the usage import admin (its preview forecasts)
from forecasting.models import ForecastRun
from forecasting.services.summary import summary_lines
from procurement.admin.permissions import OrganizationScopedMixin


class ForecastRunAdmin(OrganizationScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "id",
        "scenario_name",
        "organization",
        "status",
        "progress_percent",
        "trials_shown",
        "seed",
        "attempts",
        "created_at",
        "finished_at",
        "error_excerpt",
    ]
    list_filter = ["status", ("organization", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["scenario_name", "error"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["organization", "scenario", "scenario_name", "started_by", "status", "error"]}),
        (
            "Progress",
            {
                "fields": [
                    ("progress_percent", "blocks_done", "blocks_total"),
                    ("attempts", "claimed_by", "heartbeat_at"),
                    ("created_at", "enqueued_at", "started_at", "finished_at"),
                ]
            },
        ),
        ("Simulation", {"fields": [("trials", "seed", "block_trials"), "idempotency_key"]}),
        ("Result", {"fields": ["result_summary"]}),
        # Collapsed: the full result is tens of thousands of pixels of JSON (the API serves it too).
        ("Result JSON", {"classes": ["collapse"], "fields": ["result_json"]}),
        ("Inputs as run", {"classes": ["collapse"], "fields": ["scenario_json", "catalog_json"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [field for _, options in self.fieldsets for row in options["fields"] for field in _names(row)]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a run is a record of what was computed

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return OrganizationScopedMixin.has_change_permission(self, request, obj)

    @admin.display(description="created by")
    def started_by(self, run: ForecastRun) -> str:
        """The username as text: a link would lead to the user admin, which only superusers may open."""
        return run.created_by.get_username() if run.created_by else "—"

    @admin.display(description="trials", ordering="trials")
    def trials_shown(self, run: ForecastRun) -> str:
        return f"{run.trials:,}"

    @admin.display(description="progress")
    def progress_percent(self, run: ForecastRun) -> str:
        return f"{run.progress:.0%}"

    @admin.display(description="error")
    def error_excerpt(self, run: ForecastRun) -> str:
        return run.error if len(run.error) <= 80 else run.error[:79] + "…"

    @admin.display(description="summary")
    def result_summary(self, run: ForecastRun) -> str:
        if run.result is None:
            return "—"
        try:
            return "\n".join(summary_lines(run.result))
        except (KeyError, TypeError, ValueError):
            return "(the result does not have the expected shape)"

    @admin.display(description="result JSON")
    def result_json(self, run: ForecastRun) -> str:
        return _pretty(run.result)

    @admin.display(description="scenario as run")
    def scenario_json(self, run: ForecastRun) -> str:
        return _pretty(run.scenario_snapshot)

    @admin.display(description="price catalog as run")
    def catalog_json(self, run: ForecastRun) -> str:
        return _pretty(run.catalog_snapshot)


def _names(row: str | tuple[str, ...] | list[str]) -> list[str]:
    return [row] if isinstance(row, str) else list(row)


def _pretty(data: object) -> str:
    if data is None:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False))
