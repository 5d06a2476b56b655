"""Scenario inlines: teams (Claude Code seat path) and features (API path), with their document rules."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from forecasting.engine.tolerances import SHARE_SUM_TOLERANCE  # the database never refuses 0.7 + 0.3
from procurement.limits import MAX_NAME_CHARS
from procurement.models.catalog import PresetKey, PriceCatalog
from procurement.models.constraints import bound_checks, bound_validators, bounded_float
from procurement.models.scenarios import Scenario
from procurement.scenario_document.bounds import FEATURE_BOUNDS, TEAM_BOUNDS
from procurement.scenario_document.fields import Errors
from procurement.scenario_document.teams_features import read_feature, read_team

_JSON_ITEM_BOUNDS = frozenset({"seasonality", "model_share"})  # bound items inside JSON, not columns
_FEATURE_COLUMNS = {key: bound for key, bound in FEATURE_BOUNDS.items() if key not in _JSON_ITEM_BOUNDS}
_NULLABLE_USAGE = frozenset({"usage_median_usd", "usage_p90_usd"})


def _team_float(key: str, help_text: str, **kwargs: Any) -> models.FloatField[Any, Any]:
    return bounded_float(TEAM_BOUNDS[key], help_text, **kwargs)


def _feature_float(key: str, help_text: str, **kwargs: Any) -> models.FloatField[Any, Any]:
    return bounded_float(FEATURE_BOUNDS[key], help_text, **kwargs)


class Team(models.Model):
    """A cohort of exchangeable engineers."""

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="teams", help_text="Scenario this team belongs to."
    )
    position = models.PositiveIntegerField(default=0, help_text="Order in the scenario (lower first).")
    name = models.CharField(max_length=MAX_NAME_CHARS, help_text="Unique in the scenario, e.g. “Platform”.")
    headcount_now = _team_float("headcount_now", "Engineers at the start, e.g. 40 (at most 1,000,000).")
    headcount_end = _team_float("headcount_end", "Expected engineers at the end of the term, e.g. 55.")
    headcount_sd = _team_float(
        "headcount_sd",
        "Log-sd of the end headcount across trials, 0..2, e.g. 0.10 (about ±10%).",
        default=0.0,
    )
    adoption_now = _team_float("adoption_now", "Share of engineers active in a month at the start, e.g. 0.6.")
    adoption_end = _team_float("adoption_end", "Share of engineers active at the end of the term, e.g. 0.85.")
    usage_preset = models.CharField(
        max_length=10,
        choices=PresetKey.choices,
        blank=True,
        help_text="light / typical / heavy usage from the catalog; leave both usage numbers empty to use it.",
    )
    usage_median_usd = _team_float(
        "usage_median_usd",
        "Median monthly API-equivalent usage of an active engineer, USD at list, e.g. 150.",
        null=True,
        blank=True,
    )
    usage_p90_usd = _team_float(
        "usage_p90_usd",
        "90th percentile of that usage, USD, at least the median, e.g. 600.",
        null=True,
        blank=True,
    )
    usage_persistence = _team_float(
        "usage_persistence",
        "Share of usage variance that stays with the engineer (heavy users stay heavy), 0..1, e.g. 0.6.",
        default=0.6,
    )
    usage_growth = _team_float(
        "usage_growth", "Monthly drift of usage intensity, -1..1, e.g. 0.02 (+2% a month).", default=0.0
    )
    usage_growth_sd = _team_float(
        "usage_growth_sd",
        "Per-trial sd of that drift, 0..1, e.g. 0.01.",
        default=0.0,
    )
    usage_volatility = _team_float(
        "usage_volatility", "Sd of the monthly team-wide usage shock (AR(1)), 0..2, e.g. 0.15.", default=0.0
    )
    allowed_plans = models.JSONField(
        default=list,
        help_text='Plans this team may use, a JSON list, e.g. ["api", "pro", "max_5x", "max_20x", '
        '"team_premium"].',
    )

    class Meta:
        ordering = ["scenario", "position", "id"]
        constraints = [
            models.UniqueConstraint("scenario", Lower("name"), name="team_unique_name_per_scenario"),
            models.CheckConstraint(condition=~Q(name=""), name="team_name_not_empty"),
            *bound_checks("team", TEAM_BOUNDS, nullable=_NULLABLE_USAGE),
            models.CheckConstraint(
                condition=Q(usage_p90_usd__gte=F("usage_median_usd"))
                | Q(usage_p90_usd__isnull=True)
                | Q(usage_median_usd__isnull=True),
                name="team_p90_at_least_median",
                violation_error_message="usage_p90_usd must be at least usage_median_usd.",
            ),
            models.CheckConstraint(
                condition=Q(usage_preset="", usage_median_usd__isnull=False, usage_p90_usd__isnull=False)
                | (~Q(usage_preset="") & Q(usage_median_usd__isnull=True, usage_p90_usd__isnull=True)),
                name="team_usage_numbers_or_preset",
                violation_error_message="Give the median and p90 usage, or a usage preset, not both.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def as_document(self) -> dict[str, Any]:
        values = {field: getattr(self, field) for field in ("name", *TEAM_BOUNDS)}
        return {**values, "usage_preset": self.usage_preset or None, "allowed_plans": self.allowed_plans}

    def clean(self) -> None:
        """The document rules for one team (plans and presets of the scenario's catalog, p90 ≥ median)."""
        catalog = _catalog_of(self)
        if catalog is None:
            return
        errors = Errors()
        read_team(self.as_document(), "", errors, catalog.catalog_keys())
        if errors.by_path:
            raise ValidationError(_errors_by_field(errors))


class Feature(models.Model):
    """An API feature: traffic × tokens per request × model mix, with caching and batch."""

    scenario = models.ForeignKey(
        Scenario,
        on_delete=models.CASCADE,
        related_name="features",
        help_text="Scenario this feature belongs to.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Order in the scenario (lower first).")
    name = models.CharField(
        max_length=MAX_NAME_CHARS,
        help_text="Unique in the scenario, e.g. “Support bot”.",
    )
    requests_per_month = _feature_float(
        "requests_per_month",
        "Median requests in the first live month, e.g. 400000.",
    )
    launch_month = models.PositiveSmallIntegerField(
        default=0,
        validators=bound_validators(FEATURE_BOUNDS["launch_month"]),
        help_text="First live month, 0-based from the scenario start, before the end of the term, e.g. 6.",
    )
    growth = _feature_float(
        "growth",
        "Mean monthly growth of requests, e.g. 0.06 (+6% a month).",
        default=0.0,
    )
    growth_sd = _feature_float("growth_sd", "Per-trial sd of that growth rate, 0..1, e.g. 0.03.", default=0.0)
    volatility = _feature_float(
        "volatility",
        "Sd of monthly log-noise on requests, 0..2, e.g. 0.10.",
        default=0.0,
    )
    input_tokens = _feature_float("input_tokens", "Input tokens per request (cached included), e.g. 3000.")
    output_tokens = _feature_float("output_tokens", "Output tokens per request, e.g. 400.")
    tokens_sd = _feature_float(
        "tokens_sd", "Per-trial log-sd of tokens per request, 0..2, e.g. 0.10 (about ±10%).", default=0.0
    )
    model_mix = models.JSONField(
        help_text='Share of requests per catalog model, summing to 1, e.g. {"claude-sonnet-4-5": 0.8, '
        '"claude-haiku-4-5": 0.2}.'
    )
    cache_hit_rate = _feature_float(
        "cache_hit_rate", "Share of input tokens read from cache, 0..1, e.g. 0.5.", default=0.0
    )
    cache_write_rate = _feature_float(
        "cache_write_rate",
        "Share of input tokens written to cache, 0..1, e.g. 0.05; hit + write ≤ 1.",
        default=0.0,
    )
    cache_ttl = models.CharField(
        max_length=2,
        choices=[("5m", "5 minutes (1.25× input)"), ("1h", "1 hour (2× input)")],
        default="5m",
        help_text="Lifetime of cache writes, which sets their price.",
    )
    batch_share = _feature_float(
        "batch_share", "Share of requests sent through the Batch API, 0..1, e.g. 0.3.", default=0.0
    )
    seasonality = models.JSONField(
        null=True,
        blank=True,
        help_text="Optional 12 positive multipliers, January first, normalised to mean 1, "
        "e.g. [1, 1, 1, 1, 1, 1, 0.8, 0.8, 1, 1, 1.2, 1.4]. Empty: none.",
    )
    levers = models.JSONField(
        null=True,
        blank=True,
        help_text='Optional lever targets, e.g. {"model_mix": {"claude-haiku-4-5": 1.0}, '
        '"cache_hit_rate": 0.8, "batch_share": 0.6}; null leaves a lever unchanged. Empty: none.',
    )

    class Meta:
        ordering = ["scenario", "position", "id"]
        constraints = [
            models.UniqueConstraint("scenario", Lower("name"), name="feature_unique_name_per_scenario"),
            models.CheckConstraint(condition=~Q(name=""), name="feature_name_not_empty"),
            *bound_checks("feature", _FEATURE_COLUMNS),
            models.CheckConstraint(
                condition=Q(cache_hit_rate__lte=1.0 + SHARE_SUM_TOLERANCE - F("cache_write_rate")),
                name="feature_cache_rates_sum_at_most_one",
                violation_error_message="cache_hit_rate + cache_write_rate must be at most 1.",
            ),
            models.CheckConstraint(condition=Q(cache_ttl__in=["5m", "1h"]), name="feature_cache_ttl_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def as_document(self) -> dict[str, Any]:
        values = {field: getattr(self, field) for field in ("name", *_FEATURE_COLUMNS)}
        extra = ("model_mix", "cache_ttl", "seasonality", "levers")
        return {**values, **{field: getattr(self, field) for field in extra}}

    def clean(self) -> None:
        """The document rules for one feature (model mix over catalog models, seasonality, levers)."""
        catalog = _catalog_of(self)
        if catalog is None:
            return
        errors = Errors()
        read_feature(self.as_document(), "", errors, catalog.catalog_keys())
        term = self.scenario.term_months
        if term and self.launch_month is not None and self.launch_month >= term:
            errors.add("launch_month", f"must be before the end of the term (0..{term - 1})")
        if errors.by_path:
            raise ValidationError(_errors_by_field(errors))


def _catalog_of(row: Team | Feature) -> PriceCatalog | None:
    """The catalog of the row's scenario, which may be unsaved (admin add form) or incomplete."""
    try:
        return row.scenario.price_catalog
    except ObjectDoesNotExist:
        return None


def _errors_by_field(errors: Errors) -> dict[str, list[str]]:
    """`model_mix.claude-x` → field `model_mix`: admin forms show JSON errors on the JSON field."""
    by_field: dict[str, list[str]] = {}
    for path, messages in errors.by_path.items():
        field = path.split(".")[0].split("[")[0]
        prefix = f"{path}: " if path != field else ""
        by_field.setdefault(field, []).extend(prefix + message for message in messages)
    return by_field
