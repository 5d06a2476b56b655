"""Scenario admin: the scenario with its bands, teams and features, plus JSON upload and download.

Teams and features are compact rows of their key inputs; each row's other inputs are one click away in a
collapsed "More" section (and on the team's or feature's own page). Forms speak percent and plain words
(`scenario_forms/`). "Run forecast" on the change page runs the changelist action of that name, which
is forecasting's: imports point one way (procurement never imports forecasting or reports), so the action
is handed in through `offer_run_forecast`, called once by `reports/admin.py` where the forecast admin is
assembled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from procurement.admin import scenario_json
from procurement.admin.formsets import DiscountBandFormSet, UniqueNameFormSet
from procurement.admin.last_result import usd_short, with_last_result
from procurement.admin.permissions import OrganizationScopedMixin, ScenarioInlineMixin
from procurement.admin.scenario_forms import (
    FEATURE_DETAIL_FIELDSETS,
    FEATURE_KEY_FIELDS,
    TEAM_DETAIL_FIELDSETS,
    TEAM_KEY_FIELDS,
    DiscountBandForm,
    FeatureFormSet,
    ScenarioForm,
    default_catalog,
    feature_form,
    row_catalog,
    scenario_catalog,
    team_form,
)
from procurement.models import DiscountBand, Feature, Organization, Scenario, Team

RUN_FORECAST_ACTION = "run_forecast"  # the changelist action `offer_run_forecast` adds to this admin
ADMIN_CSS = {"all": ["procurement/scenario_admin.css"]}


def _compact_fieldsets(key: list[str], details: list[tuple[str, list[str]]]) -> list[Any]:
    """The first fieldset is the row; the others go in the row's collapsed "More" section."""
    return [(None, {"fields": key}), *((title, {"fields": names}) for title, names in details)]


class DiscountBandInline(ScenarioInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = DiscountBand
    form = DiscountBandForm
    formset = DiscountBandFormSet
    extra = 0
    min_num = 1


class _CompactInline(ScenarioInlineMixin, admin.StackedInline):  # type: ignore[type-arg]
    template = "admin/procurement/scenario/compact_inline.html"
    formset = UniqueNameFormSet
    extra = 0
    show_change_link = True


class TeamInline(_CompactInline):
    model = Team
    fieldsets = _compact_fieldsets(TEAM_KEY_FIELDS, TEAM_DETAIL_FIELDSETS)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = team_form(scenario_catalog(request, obj))
        return super().get_formset(request, obj, **kwargs)


class FeatureInline(_CompactInline):
    model = Feature
    formset = FeatureFormSet  # also checks that each planned lever has a feature targeting it
    fieldsets = _compact_fieldsets(FEATURE_KEY_FIELDS, FEATURE_DETAIL_FIELDSETS)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = feature_form(scenario_catalog(request, obj))
        return super().get_formset(request, obj, **kwargs)


class ScenarioChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Any]:
        return with_last_result(super().get_queryset(request, exclude_parameters))


@admin.register(Scenario)
class ScenarioAdmin(OrganizationScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = ScenarioForm
    save_on_top = True
    list_display = [
        "name",
        "organization",
        "first_month",
        "term",
        "trials",
        "last_commitment",
        "last_total",
        "last_run",
        "price_catalog",
        "updated_at",
    ]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "price_catalog"]
    list_select_related = ["organization", "price_catalog"]
    search_fields = ["name"]
    actions: list[Any] = []  # and "Run forecast" once `offer_run_forecast` has added it
    inlines = [DiscountBandInline, TeamInline, FeatureInline]
    fieldsets = [
        (None, {"fields": ["organization", "name", ("start_month", "term_months"), "price_catalog"]}),
        ("Simulation", {"fields": [("simulation_trials", "simulation_seed")]}),
        (
            "API contract",
            {
                "fields": [
                    ("api_commitment_period_months", "api_overage"),
                    ("api_rollover_share", "api_ramp_allowed"),
                    ("api_max_unused_probability", "api_claude_code_usage_counts"),
                    ("api_extra_usage_counts", "api_commitment_granularity_usd"),
                ]
            },
        ),
        ("Seat contract", {"fields": [("seats_annual_term", "seats_blocked_usage_value")]}),
        (
            "Correlation",
            {
                "fields": [("correlation_teams", "correlation_features", "correlation_paths")],
                "description": "Price cuts, model releases and company-wide pushes move teams and features "
                "together, which widens the range a commitment must survive (docs/scenario.md#correlation). "
                "0 everywhere: each team and feature moves on its own; suggested 0.3, 0.3 and 0.2.",
            },
        ),
        (
            "Planned token levers",
            {
                "fields": [("planned_model_mix", "planned_cache_hit_rate", "planned_batch_share")],
                "description": "Levers the organisation will pull, with the month each lands: the "
                "commitment is sized on the spend with them from then on, and the run shows the unoptimised "
                "answer beside it. Each needs a feature with a What-if target for it.",
            },
        ),
    ]

    class Media:
        css = ADMIN_CSS

    # --- the list ---

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ScenarioChangeList

    @admin.display(description="first month", ordering="start_month")
    def first_month(self, scenario: Scenario) -> str:
        return f"{scenario.start_month:%b %Y}"

    @admin.display(description="term", ordering="term_months")
    def term(self, scenario: Scenario) -> str:
        return f"{scenario.term_months} month{'' if scenario.term_months == 1 else 's'}"

    @admin.display(description="simulation", ordering="simulation_trials")
    def trials(self, scenario: Scenario) -> str:
        return f"{scenario.simulation_trials:,} trials"

    @admin.display(description="last API commitment")
    def last_commitment(self, scenario: Scenario) -> str:
        amount = getattr(scenario, "last_commitment", None)
        if amount is None:
            return "—"
        months = getattr(scenario, "last_period_months", None)
        per = f" per {months} months" if months else ""
        first = " (first period)" if scenario.api_ramp_allowed else ""
        return f"{usd_short(amount)}{per}{first}"

    @admin.display(description="last expected total")
    def last_total(self, scenario: Scenario) -> str:
        amount = getattr(scenario, "last_total", None)
        return "—" if amount is None else usd_short(amount)

    @admin.display(description="last run")
    def last_run(self, scenario: Scenario) -> str:
        run_id = getattr(scenario, "last_run_id", None)
        if run_id is None:
            return "—"
        url = reverse("admin:forecasting_forecastrun_change", args=[quote(run_id)])
        return format_html('<a href="{}">#{}</a>', url, run_id)

    # --- the add and change pages ---

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """Preselect the organization and the catalog when there is only one to choose."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        if "organization" not in initial:
            organizations = list(Organization.objects.editable_by(request.user)[:2])
            if len(organizations) == 1:
                initial["organization"] = organizations[0].pk
        if "price_catalog" not in initial:
            catalog = default_catalog()
            if catalog is not None:
                initial["price_catalog"] = catalog.pk
        return initial

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        scenario = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        context["can_run_forecast"] = scenario is not None and self._can_run_forecast(request, scenario)
        return super().change_view(request, object_id, form_url, context)

    def _can_run_forecast(self, request: HttpRequest, scenario: Scenario) -> bool:
        return self.has_change_permission(request, scenario) and RUN_FORECAST_ACTION in self.get_actions(
            request
        )

    def run_forecast_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST: start a run of this scenario as the changelist action does (same checks and messages)."""
        scenario = self.get_object(request, unquote(object_id))
        if scenario is None:
            raise Http404("No scenario with this id.")
        if not self.has_change_permission(request, scenario):
            raise PermissionDenied
        action = self.get_actions(request).get(RUN_FORECAST_ACTION)
        if action is None:
            raise Http404("Forecasts cannot be started from the admin.")
        function = action[0]
        response = function(self, request, self.get_queryset(request).filter(pk=scenario.pk))
        if isinstance(response, HttpResponse):
            return response  # the started run's page
        return HttpResponseRedirect(reverse("admin:procurement_scenario_change", args=[quote(scenario.pk)]))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        own = [
            path(
                "upload/",
                view(
                    scenario_json.UploadView.as_view(
                        model_admin=self,
                    ),
                ),
                name="procurement_scenario_upload",
            ),
            path(
                "<path:object_id>/upload/",
                view(scenario_json.UploadView.as_view(model_admin=self)),
                name="procurement_scenario_replace",
            ),
            path(
                "<path:object_id>/download/",
                view(scenario_json.download_view(self)),
                name="procurement_scenario_download",
            ),
            path(
                "<path:object_id>/run-forecast/",
                view(require_POST(self.run_forecast_view)),
                name="procurement_scenario_run_forecast",
            ),
        ]
        return own + super().get_urls()


def offer_run_forecast(action: Callable[..., HttpResponse | None]) -> None:
    """Offer `action` as "Run forecast" on scenarios: a changelist action, and the change page's button.

    It starts forecasts, which build on procurement, so this app cannot import it: `reports/admin.py`
    hands it in, once, when the admin loads. Its name must be RUN_FORECAST_ACTION.
    """
    if action.__name__ != RUN_FORECAST_ACTION:
        raise ValueError(f"the Run forecast action must be named {RUN_FORECAST_ACTION!r}")
    if action not in ScenarioAdmin.actions:
        ScenarioAdmin.actions = [*ScenarioAdmin.actions, action]


class _ScenarioChildAdmin(OrganizationScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Teams and features listed across scenarios (same rules and forms as the scenario's rows)."""

    organization_path = "scenario__organization"
    list_select_related = ["scenario", "scenario__organization"]
    search_fields = ["name", "scenario__name"]
    list_filter = [("scenario__organization", admin.RelatedOnlyFieldListFilter)]

    class Media:
        css = ADMIN_CSS


def _child_fieldsets(key: list[str], details: list[tuple[str, list[str]]]) -> list[Any]:
    return [(None, {"fields": ["scenario", *key]}), *((title, {"fields": names}) for title, names in details)]


def _count(value: float) -> str:
    """40.0 → “40”, 2500000.0 → “2,500,000”, 12.5 → “12.5”: how a person writes a count."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@admin.register(Team)
class TeamAdmin(_ScenarioChildAdmin):
    list_display = ["name", "scenario", "engineers", "usage"]

    @admin.display(description="engineers (now → end)", ordering="headcount_now")
    def engineers(self, team: Team) -> str:
        return f"{_count(team.headcount_now)} → {_count(team.headcount_end)}"

    @admin.display(description="usage per active engineer", ordering="usage_median_usd")
    def usage(self, team: Team) -> str:
        if team.usage_median_usd is None or team.usage_p90_usd is None:
            return f"{team.get_usage_preset_display()} (preset)"
        return f"median ${_count(team.usage_median_usd)}, p90 ${_count(team.usage_p90_usd)} a month"

    fieldsets = _child_fieldsets(TEAM_KEY_FIELDS, TEAM_DETAIL_FIELDSETS)

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = team_form(row_catalog(request, obj if isinstance(obj, Team) else None))
        return super().get_form(request, obj, change, **kwargs)


@admin.register(Feature)
class FeatureAdmin(_ScenarioChildAdmin):
    list_display = ["name", "scenario", "requests", "launch", "monthly_growth"]

    @admin.display(description="requests per month", ordering="requests_per_month")
    def requests(self, feature: Feature) -> str:
        return _count(feature.requests_per_month)

    @admin.display(description="live from", ordering="launch_month")
    def launch(self, feature: Feature) -> str:
        return "the start" if feature.launch_month == 0 else f"month {feature.launch_month}"

    @admin.display(description="growth", ordering="growth")
    def monthly_growth(self, feature: Feature) -> str:
        return f"{feature.growth * 100:+,.3g}% a month"

    fieldsets = _child_fieldsets(FEATURE_KEY_FIELDS, FEATURE_DETAIL_FIELDSETS)

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = feature_form(row_catalog(request, obj if isinstance(obj, Feature) else None))
        return super().get_form(request, obj, change, **kwargs)
