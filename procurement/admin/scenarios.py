"""Scenario admin: the scenario with its bands, teams and features, plus JSON upload and download."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, path

from procurement.admin import scenario_json
from procurement.admin.formsets import DiscountBandFormSet, UniqueNameFormSet
from procurement.admin.permissions import OrganizationScopedMixin, ScenarioInlineMixin
from procurement.models import DiscountBand, Feature, Scenario, Team


class DiscountBandInline(ScenarioInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = DiscountBand
    formset = DiscountBandFormSet
    extra = 0
    min_num = 1


class TeamInline(ScenarioInlineMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = Team
    formset = UniqueNameFormSet
    extra = 0
    fieldsets = [
        (None, {"fields": [("name", "position"), "allowed_plans"]}),
        (
            "Headcount and adoption",
            {
                "fields": [
                    ("headcount_now", "headcount_end", "headcount_sd"),
                    ("adoption_now", "adoption_end"),
                ]
            },
        ),
        (
            "Usage per active engineer",
            {
                "fields": [
                    "usage_preset",
                    ("usage_median_usd", "usage_p90_usd"),
                    "usage_persistence",
                    ("usage_growth", "usage_growth_sd"),
                    "usage_volatility",
                ]
            },
        ),
    ]


class FeatureInline(ScenarioInlineMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = Feature
    formset = UniqueNameFormSet
    extra = 0
    fieldsets = [
        (None, {"fields": [("name", "position")]}),
        (
            "Traffic",
            {
                "fields": [
                    ("requests_per_month", "launch_month"),
                    ("growth", "growth_sd", "volatility"),
                    "seasonality",
                ]
            },
        ),
        ("Tokens and models", {"fields": [("input_tokens", "output_tokens", "tokens_sd"), "model_mix"]}),
        (
            "Caching and batch",
            {"fields": [("cache_hit_rate", "cache_write_rate", "cache_ttl"), "batch_share"]},
        ),
        ("Token levers", {"fields": ["levers"]}),
    ]


@admin.register(Scenario)
class ScenarioAdmin(OrganizationScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "start_month", "term_months", "price_catalog", "updated_at"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "price_catalog"]
    search_fields = ["name"]
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
                ]
            },
        ),
        ("Seat contract", {"fields": [("seats_annual_term", "seats_blocked_usage_value")]}),
    ]

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
        ]
        return own + super().get_urls()


class _ScenarioChildAdmin(OrganizationScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Teams and features listed across scenarios (same rules as the scenario's inlines)."""

    organization_path = "scenario__organization"
    list_select_related = ["scenario", "scenario__organization"]
    search_fields = ["name", "scenario__name"]
    list_filter = [("scenario__organization", admin.RelatedOnlyFieldListFilter)]


@admin.register(Team)
class TeamAdmin(_ScenarioChildAdmin):
    list_display = ["name", "scenario", "headcount_now", "headcount_end", "usage_preset", "usage_median_usd"]
    fieldsets = [(None, {"fields": ["scenario"]}), *TeamInline.fieldsets]


@admin.register(Feature)
class FeatureAdmin(_ScenarioChildAdmin):
    list_display = ["name", "scenario", "requests_per_month", "launch_month", "growth"]
    fieldsets = [(None, {"fields": ["scenario"]}), *FeatureInline.fieldsets]
