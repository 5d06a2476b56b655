"""Versioned price catalogs: model prices, seat plans (dated rows) and usage presets, each with a source."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from procurement.limits import MAX_NAME_CHARS, MAX_SLUG_CHARS
from procurement.scenario_document import DEFAULT_CATALOG_SLUG, CatalogKeys

_SOURCE_HELP = "Where the numbers on this row come from (URL, date, confidence). Required."


class PriceCatalogQuerySet(models.QuerySet["PriceCatalog"]):
    def default(self) -> PriceCatalog | None:
        """The catalog flagged as default, else the shipped one, else None."""
        return self.filter(is_default=True).first() or self.filter(slug=DEFAULT_CATALOG_SLUG).first()


class PriceCatalog(models.Model):
    slug = models.SlugField(
        max_length=MAX_SLUG_CHARS, unique=True, help_text="Version id, e.g. “anthropic-list-2026-11”."
    )
    name = models.CharField(
        max_length=MAX_NAME_CHARS, blank=True, help_text="Readable name, e.g. “Anthropic list, Nov 2026”."
    )
    as_of = models.DateField(help_text="Date the prices were checked, e.g. 2026-11-01.")
    notes = models.TextField(blank=True, help_text="Caveats and where to verify, e.g. the pricing page URLs.")
    is_default = models.BooleanField(
        default=False, help_text="Used when a scenario names no catalog (one only)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PriceCatalogQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_catalog"
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def plan_in_force(self, key: str, month: datetime.date) -> SeatPlan | None:
        """The row of plan `key` in force at `month`: the latest valid_from on or before it.

        A month before every row's valid_from gets the earliest row (the oldest known price beats none).
        """
        rows = self.seat_plans.filter(key=key)
        return (
            rows.filter(valid_from__lte=month).order_by("-valid_from").first()
            or rows.order_by("valid_from").first()
        )

    def plans_in_force(self, month: datetime.date) -> list[SeatPlan]:
        """One row per plan key, in catalog order, as in force at `month`."""
        keys = list(
            dict.fromkeys(self.seat_plans.order_by("position", "valid_from").values_list("key", flat=True))
        )
        return [plan for key in keys if (plan := self.plan_in_force(key, month)) is not None]

    def catalog_keys(self) -> CatalogKeys:
        """What scenario documents may reference: models, Claude Code plans, presets."""
        plan_rows = self.seat_plans.filter(includes_claude_code=True).order_by("position", "valid_from")
        return CatalogKeys(
            slug=self.slug,
            models=frozenset(self.model_prices.values_list("key", flat=True)),
            plans=tuple(dict.fromkeys(plan_rows.values_list("key", flat=True))),
            presets=frozenset(self.usage_presets.values_list("key", flat=True)),
        )


class ModelStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DEPRECATED = "deprecated", "Deprecated (still served, retirement announced)"
    RETIRED = "retired", "Retired on the Claude API (kept for historical usage)"


def _usd_per_mtok(help_text: str, *, null: bool = False) -> models.FloatField[Any, Any]:
    return models.FloatField(null=null, blank=null, validators=[MinValueValidator(0.0)], help_text=help_text)


class ModelPrice(models.Model):
    catalog = models.ForeignKey(
        PriceCatalog, on_delete=models.CASCADE, related_name="model_prices", help_text="Catalog version."
    )
    key = models.CharField(max_length=100, help_text="Model key used in model_mix, e.g. “claude-sonnet-4-5”.")
    display_name = models.CharField(max_length=MAX_NAME_CHARS, help_text="e.g. “Claude Sonnet 4.5”.")
    input_usd_per_mtok = _usd_per_mtok("Base input price, USD per million tokens, e.g. 3.00.")
    output_usd_per_mtok = _usd_per_mtok("Output price, USD per million tokens, e.g. 15.00.")
    cache_write_5m_multiplier = models.FloatField(
        default=1.25, help_text="× input price for 5-minute cache writes."
    )
    cache_write_1h_multiplier = models.FloatField(
        default=2.0, help_text="× input price for 1-hour cache writes."
    )
    cache_read_multiplier = models.FloatField(
        default=0.10, help_text="× input price for cache reads, e.g. 0.10."
    )
    batch_multiplier = models.FloatField(
        default=0.5,
        validators=[MaxValueValidator(1.0)],
        help_text="× every token price for Batch API requests (0.5 = half price); combines with caching.",
    )
    long_context_threshold_tokens = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Input tokens (uncached + cache read + cache write) above which the whole request "
        "is billed at the long-context rates, e.g. 200000 (Sonnet 4, 4.5). Empty: no premium.",
    )
    long_context_input_usd_per_mtok = _usd_per_mtok(
        "Long-context input price, USD/MTok, e.g. 6.00.", null=True
    )
    long_context_output_usd_per_mtok = _usd_per_mtok(
        "Long-context output price, USD/MTok, e.g. 22.50.", null=True
    )
    status = models.CharField(
        max_length=12,
        choices=ModelStatus.choices,
        default=ModelStatus.ACTIVE,
        help_text="Retired models stay in the catalog to price historical usage.",
    )
    source = models.TextField(help_text=_SOURCE_HELP)

    class Meta:
        ordering = ["catalog", "key"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "key"], name="model_price_unique_key"),
            models.CheckConstraint(
                condition=Q(input_usd_per_mtok__gt=0) & Q(output_usd_per_mtok__gt=0),
                name="model_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(cache_write_5m_multiplier__gt=0)
                & Q(cache_write_1h_multiplier__gt=0)
                & Q(cache_read_multiplier__gt=0)
                & Q(batch_multiplier__gt=0)
                & Q(batch_multiplier__lte=1),
                name="model_price_multipliers_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    long_context_threshold_tokens__isnull=True,
                    long_context_input_usd_per_mtok__isnull=True,
                    long_context_output_usd_per_mtok__isnull=True,
                )
                | Q(  # explicit IS NOT NULL: a CHECK that evaluates to NULL passes
                    long_context_threshold_tokens__isnull=False,
                    long_context_input_usd_per_mtok__isnull=False,
                    long_context_output_usd_per_mtok__isnull=False,
                    long_context_threshold_tokens__gt=0,
                    long_context_input_usd_per_mtok__gt=0,
                    long_context_output_usd_per_mtok__gt=0,
                ),
                name="model_price_long_context_all_or_none",
                violation_error_message="Give the long-context threshold and both rates, or none of them.",
            ),
            models.CheckConstraint(condition=~Q(source=""), name="model_price_source_required"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.catalog.slug})"


class PlanKey(models.TextChoices):
    API = "api", "API (no seat, pay per token at list)"
    PRO = "pro", "Pro"
    MAX_5X = "max_5x", "Max 5x"
    MAX_20X = "max_20x", "Max 20x"
    TEAM_STANDARD = "team_standard", "Team standard (no Claude Code)"
    TEAM_PREMIUM = "team_premium", "Team premium"
    ENTERPRISE = "enterprise", "Enterprise (usage-based)"


class MinSeatsScope(models.TextChoices):
    ORGANIZATION = "organization", "Organization (all teams' seats of the plan together)"
    TEAM = "team", "Team (each team's seats of the plan)"


class OverflowRule(models.TextChoices):
    EXTRA_USAGE = "extra_usage", "Extra usage billed at API list rates"
    BLOCKED = "blocked", "Blocked (valued at the scenario's blocked_usage_value)"


class SeatPlan(models.Model):
    """One plan's terms from `valid_from` on; disagreeing or changing sources are separate dated rows."""

    catalog = models.ForeignKey(
        PriceCatalog, on_delete=models.CASCADE, related_name="seat_plans", help_text="Catalog version."
    )
    key = models.CharField(
        max_length=20, choices=PlanKey.choices, help_text="Plan key used in allowed_plans."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Display and default order of plans.")
    display_name = models.CharField(max_length=MAX_NAME_CHARS, help_text="e.g. “Max 20x”.")
    valid_from = models.DateField(help_text="First month these terms apply, e.g. 2026-01-01.")
    monthly_usd = models.FloatField(
        validators=[MinValueValidator(0.0)], help_text="USD per seat per month, billed monthly, e.g. 200."
    )
    annual_monthly_usd = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0)],
        help_text="USD per seat-month when billed annually, e.g. 17 for Pro. Empty: no annual billing.",
    )
    capacity_usd = models.FloatField(
        validators=[MinValueValidator(0.0)],
        help_text="API-equivalent usage (USD at list per month) the plan covers before its overflow rule "
        "applies, e.g. 2100 for Max 20x. 0: all usage overflows (api, usage-based Enterprise).",
    )
    capacity_sd = models.FloatField(
        default=0.25,
        validators=[MinValueValidator(0.0), MaxValueValidator(2.0)],
        help_text="Per-trial log-sd of the capacity, because limits change (e.g. 0.25).",
    )
    overflow = models.CharField(
        max_length=12,
        choices=OverflowRule.choices,
        help_text="What happens to usage beyond the capacity: extra usage at list, or blocked.",
    )
    min_seats = models.PositiveIntegerField(
        default=0, help_text="Minimum seats per purchase, e.g. 5 for Team."
    )
    # Default organization: the minimums the pricing sources state are per subscription, i.e. per
    # organisation ("$30 per month per member, billed monthly... minimum 5", support article 9267289 for
    # Team; "Minimum 20 seats", support article 11526368 for Enterprise); see docs/pricing.md.
    min_seats_scope = models.CharField(
        max_length=12,
        choices=MinSeatsScope.choices,
        default=MinSeatsScope.ORGANIZATION,
        help_text="Where the minimum applies: organization (the seats of the plan across all teams, as for "
        "Team: “minimum 5” per subscription, support article 9267289, and Enterprise: “Minimum 20 seats”, "
        "support article 11526368) or team (each team's purchase on its own).",
    )
    includes_claude_code = models.BooleanField(
        default=True, help_text="Only plans with Claude Code can be allowed."
    )
    is_assumption = models.BooleanField(
        default=False,
        help_text="Some numbers on this row (typically the capacity) are this project's labelled "
        "assumptions, not published facts; the source says which.",
    )
    source = models.TextField(help_text=_SOURCE_HELP)

    class Meta:
        ordering = ["catalog", "position", "key", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "key", "valid_from"], name="seat_plan_unique_key_date"
            ),
            models.CheckConstraint(
                condition=Q(monthly_usd__gte=0)
                & (Q(annual_monthly_usd__isnull=True) | Q(annual_monthly_usd__gte=0))
                & Q(capacity_usd__gte=0)
                & Q(capacity_sd__gte=0)
                & Q(capacity_sd__lte=2),
                name="seat_plan_amounts_non_negative",
            ),
            models.CheckConstraint(condition=Q(key__in=list(PlanKey.values)), name="seat_plan_key_valid"),
            models.CheckConstraint(
                condition=Q(overflow__in=list(OverflowRule.values)), name="seat_plan_overflow_valid"
            ),
            models.CheckConstraint(
                condition=Q(min_seats_scope__in=list(MinSeatsScope.values)),
                name="seat_plan_min_seats_scope_valid",
            ),
            models.CheckConstraint(condition=~Q(source=""), name="seat_plan_source_required"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} from {self.valid_from:%Y-%m} ({self.catalog.slug})"


class PresetKey(models.TextChoices):
    LIGHT = "light", "Light"
    TYPICAL = "typical", "Typical"
    HEAVY = "heavy", "Heavy"


class UsagePreset(models.Model):
    """Monthly API-equivalent usage of an active engineer (lognormal median and p90)."""

    catalog = models.ForeignKey(
        PriceCatalog, on_delete=models.CASCADE, related_name="usage_presets", help_text="Catalog version."
    )
    key = models.CharField(
        max_length=10,
        choices=PresetKey.choices,
        help_text="Preset named by a team's usage_preset, e.g. typical.",
    )
    median_usd = models.FloatField(help_text="Median USD per active engineer per month, e.g. 150.")
    p90_usd = models.FloatField(help_text="90th percentile USD per active engineer per month, e.g. 600.")
    source = models.TextField(help_text=_SOURCE_HELP)

    class Meta:
        ordering = ["catalog", "median_usd"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "key"], name="usage_preset_unique_key"),
            models.CheckConstraint(
                condition=Q(median_usd__gt=0) & Q(p90_usd__gte=F("median_usd")),
                name="usage_preset_p90_at_least_median",
            ),
            models.CheckConstraint(condition=~Q(source=""), name="usage_preset_source_required"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.catalog.slug})"


def _row_dict(row: models.Model, exclude: tuple[str, ...] = ("id", "catalog")) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        if field.name not in exclude:
            value = getattr(row, field.attname)
            values[field.name] = value.isoformat() if isinstance(value, datetime.date) else value
    return values


def catalog_snapshot(catalog: PriceCatalog) -> dict[str, Any]:
    """Every row of the catalog with its source, as plain JSON-able data (stored on forecast runs)."""
    return {
        "slug": catalog.slug,
        "name": catalog.name,
        "as_of": catalog.as_of.isoformat(),
        "notes": catalog.notes,
        "models": [_row_dict(row) for row in catalog.model_prices.order_by("key")],
        "plans": [_row_dict(row) for row in catalog.seat_plans.order_by("position", "key", "valid_from")],
        "usage_presets": [_row_dict(row) for row in catalog.usage_presets.order_by("median_usd")],
    }
