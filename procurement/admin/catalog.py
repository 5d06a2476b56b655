"""Price catalog admin: superusers edit, other staff members read."""

from __future__ import annotations

from django.contrib import admin

from procurement.admin.permissions import StaffReadOnlyMixin
from procurement.models import ModelPrice, PriceCatalog, SeatPlan, UsagePreset


class ModelPriceInline(StaffReadOnlyMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = ModelPrice
    extra = 0
    fields = [
        ("key", "display_name", "status"),
        ("input_usd_per_mtok", "output_usd_per_mtok"),
        (
            "cache_write_5m_multiplier",
            "cache_write_1h_multiplier",
            "cache_read_multiplier",
            "batch_multiplier",
        ),
        (
            "long_context_threshold_tokens",
            "long_context_input_usd_per_mtok",
            "long_context_output_usd_per_mtok",
        ),
        "source",
    ]


class SeatPlanInline(StaffReadOnlyMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = SeatPlan
    extra = 0
    fields = [
        ("key", "display_name", "position", "valid_from"),
        ("monthly_usd", "annual_monthly_usd", "min_seats", "min_seats_scope"),
        ("capacity_usd", "capacity_sd", "overflow"),
        ("includes_claude_code", "is_assumption"),
        "source",
    ]


class UsagePresetInline(StaffReadOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = UsagePreset
    extra = 0


@admin.register(PriceCatalog)
class PriceCatalogAdmin(StaffReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["slug", "name", "as_of", "is_default"]
    inlines = [ModelPriceInline, SeatPlanInline, UsagePresetInline]
