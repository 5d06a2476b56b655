"""A scenario (docs/scenario.md) as rows: contract terms on Scenario, inlines for bands, teams and features.

`as_document()` on each row gives its part of the scenario JSON; services assemble and validate the whole.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from procurement.limits import MAX_NAME_CHARS
from procurement.models.catalog import PriceCatalog
from procurement.models.constraints import bound_check, bound_validators, bounded_float
from procurement.models.organizations import Organization
from procurement.scenario_document import OVERAGE_REGIMES
from procurement.scenario_document.bounds import DEFAULT_COMMITMENT_GRANULARITY_USD, SCENARIO_BOUNDS
from procurement.scenario_document.document import CORRELATION_LOADINGS

# A few ulps of slack so the database never refuses a sum the JSON validator accepted (0.7 + 0.3 = 1).


class ScenarioQuerySet(models.QuerySet["Scenario"]):
    def visible_to(self, user: Any) -> ScenarioQuerySet:
        """Scenarios of the organizations the user belongs to."""
        return self.filter(organization__in=Organization.objects.for_user(user))

    def editable_by(self, user: Any) -> ScenarioQuerySet:
        return self.filter(organization__in=Organization.objects.editable_by(user))


class Overage(models.TextChoices):
    LIST = "list", "At list price (usage beyond the commitment is billed at list)"
    COMMITTED_RATE = "committed_rate", "At the committed (discounted) rate"


assert tuple(Overage.values) == OVERAGE_REGIMES


class Scenario(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="scenarios",
        help_text="Owner; only its members see it.",
    )
    name = models.CharField(
        max_length=MAX_NAME_CHARS, help_text="Unique in the organization, e.g. “Acme FY2027”."
    )
    start_month = models.DateField(help_text="First month of the term (the 1st of a month), e.g. 2027-01-01.")
    term_months = models.PositiveSmallIntegerField(
        validators=bound_validators(SCENARIO_BOUNDS["term_months"]),
        help_text="Contract term in months, 1..60.",
    )
    price_catalog = models.ForeignKey(
        PriceCatalog,
        on_delete=models.PROTECT,
        related_name="scenarios",
        help_text="Prices, plans and presets used to cost this scenario.",
    )
    simulation_trials = models.PositiveIntegerField(
        default=20_000,
        validators=bound_validators(SCENARIO_BOUNDS["trials"]),
        help_text="Monte Carlo trials, 1,000..1,000,000, e.g. 20,000.",
    )
    simulation_seed = models.BigIntegerField(
        null=True,
        blank=True,
        validators=bound_validators(SCENARIO_BOUNDS["seed"]),
        help_text="Random seed (same seed, same result), e.g. 7. Empty: a new seed for each run.",
    )
    api_commitment_period_months = models.PositiveSmallIntegerField(
        default=12,
        validators=bound_validators(SCENARIO_BOUNDS["commitment_period_months"]),
        help_text="Months per commitment period, e.g. 12; each period settles unused and overage on its own. "
        "A shorter last period is allowed and prorates band thresholds.",
    )
    api_overage = models.CharField(
        max_length=20,
        choices=Overage.choices,
        default=Overage.LIST,
        help_text="How API usage beyond the commitment is billed.",
    )
    api_rollover_share = bounded_float(
        SCENARIO_BOUNDS["rollover_share"],
        "Share of unused commitment carried into the next period, 0..1.",
        default=0.0,
    )
    api_ramp_allowed = models.BooleanField(
        default=False, help_text="May each full period have its own commitment? No: one commitment for all."
    )
    api_max_unused_probability = bounded_float(
        SCENARIO_BOUNDS["max_unused_probability"],
        "Optional cap on P(unused commitment > 0), e.g. 0.2. Empty: no cap.",
        null=True,
        blank=True,
    )
    api_claude_code_usage_counts = models.BooleanField(
        default=True, help_text="Does Claude Code usage billed at API rates draw down the API commitment?"
    )
    api_extra_usage_counts = models.BooleanField(
        default=False,
        help_text=(
            "Does the seat plans' extra usage (beyond a seat's limit, billed at API rates) draw down the API "
            "commitment? Off by default: it is sold with the seat plan (docs/scenario.md)."
        ),
    )
    api_commitment_granularity_usd = bounded_float(
        SCENARIO_BOUNDS["commitment_granularity_usd"],
        "Commitments are whole multiples of this amount (USD), e.g. 1,000.",
        default=DEFAULT_COMMITMENT_GRANULARITY_USD,
    )
    seats_annual_term = models.BooleanField(
        default=True,
        help_text="Seats bought for a period cannot be removed before it ends (Team, Enterprise).",
    )
    seats_blocked_usage_value = bounded_float(
        SCENARIO_BOUNDS["blocked_usage_value"],
        "USD of productivity lost per API-dollar of usage a plan blocks, 0..100, e.g. 1.0.",
        default=1.0,
    )
    planned_levers = models.JSONField(
        default=list,
        blank=True,
        help_text='Token levers planned, with the month each lands, e.g. [{"lever": "cache_hit_rate", '
        '"start_month": "2027-04"}] (docs/scenario.md#planned-levers). Empty: none planned.',
    )
    correlation_teams = bounded_float(
        SCENARIO_BOUNDS["correlation_loading"],
        "Loading of the company-wide usage factor on every team's usage growth, 0..1, e.g. 0.3 "
        "(docs/scenario.md#correlation). 0: teams independent.",
        default=0.0,
    )
    correlation_features = bounded_float(
        SCENARIO_BOUNDS["correlation_loading"],
        "Loading of the company-wide traffic factor on every feature's growth, 0..1, e.g. 0.3. "
        "0: features independent.",
        default=0.0,
    )
    correlation_paths = bounded_float(
        SCENARIO_BOUNDS["correlation_loading"],
        "Loading linking the teams and features factors, 0..1, e.g. 0.2. 0: the two factors independent.",
        default=0.0,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScenarioQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="scenario_unique_name_per_organization"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="scenario_name_not_empty"),
            models.CheckConstraint(condition=Q(start_month__day=1), name="scenario_start_month_first_day"),
            bound_check("scenario", "term_months", SCENARIO_BOUNDS["term_months"]),
            bound_check("scenario", "simulation_trials", SCENARIO_BOUNDS["trials"]),
            bound_check("scenario", "simulation_seed", SCENARIO_BOUNDS["seed"], nullable=True),
            bound_check(
                "scenario", "api_commitment_period_months", SCENARIO_BOUNDS["commitment_period_months"]
            ),
            models.CheckConstraint(
                condition=Q(api_commitment_period_months__lte=F("term_months")),
                name="scenario_period_within_term",
                violation_error_message="The commitment period cannot be longer than the term.",
            ),
            models.CheckConstraint(
                condition=Q(api_overage__in=list(Overage.values)), name="scenario_overage_valid"
            ),
            bound_check("scenario", "api_rollover_share", SCENARIO_BOUNDS["rollover_share"]),
            bound_check(
                "scenario",
                "api_max_unused_probability",
                SCENARIO_BOUNDS["max_unused_probability"],
                nullable=True,
            ),
            bound_check("scenario", "seats_blocked_usage_value", SCENARIO_BOUNDS["blocked_usage_value"]),
            bound_check(
                "scenario", "api_commitment_granularity_usd", SCENARIO_BOUNDS["commitment_granularity_usd"]
            ),
            *(
                bound_check("scenario", f"correlation_{name}", SCENARIO_BOUNDS["correlation_loading"])
                for name in CORRELATION_LOADINGS
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_month and self.start_month.day != 1:
            raise ValidationError({"start_month": "Use the first day of the month, e.g. 2027-01-01."})
        if (
            self.term_months
            and self.api_commitment_period_months
            and self.api_commitment_period_months > self.term_months
        ):
            raise ValidationError({"api_commitment_period_months": "Cannot be longer than the term."})

    def as_document(self) -> dict[str, Any]:
        """The document without teams and features (services add those; see scenario_to_document)."""
        return {
            "name": self.name,
            "start_month": self.start_month.strftime("%Y-%m"),
            "term_months": self.term_months,
            "price_catalog": self.price_catalog.slug,
            "simulation": {"trials": self.simulation_trials, "seed": self.simulation_seed},
            "contract": {
                "api": {
                    "commitment_period_months": self.api_commitment_period_months,
                    "discount_bands": [
                        band.as_document()
                        for band in self.discount_bands.order_by(
                            "min_commitment",
                        )
                    ],
                    "overage": self.api_overage,
                    "rollover_share": self.api_rollover_share,
                    "ramp_allowed": self.api_ramp_allowed,
                    "max_unused_probability": self.api_max_unused_probability,
                    "claude_code_api_usage_counts": self.api_claude_code_usage_counts,
                    "extra_usage_counts": self.api_extra_usage_counts,
                    "commitment_granularity_usd": self.api_commitment_granularity_usd,
                },
                "seats": {
                    "annual_term": self.seats_annual_term,
                    "blocked_usage_value": self.seats_blocked_usage_value,
                },
            },
            "planned_levers": [dict(item) for item in self.planned_levers or []],
            "correlation": {name: getattr(self, f"correlation_{name}") for name in CORRELATION_LOADINGS},
        }


class DiscountBand(models.Model):
    scenario = models.ForeignKey(
        Scenario,
        on_delete=models.CASCADE,
        related_name="discount_bands",
        help_text="Scenario whose contract this is.",
    )
    min_commitment = bounded_float(
        SCENARIO_BOUNDS["min_commitment"],
        "Commitment per period (USD) from which this discount applies, e.g. 250000; the first is 0.",
    )
    discount = bounded_float(SCENARIO_BOUNDS["discount"], "Discount on list, a fraction 0 ≤ d < 1, e.g. 0.1.")

    class Meta:
        ordering = ["scenario", "min_commitment"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "min_commitment"], name="discount_band_unique_threshold"
            ),
            bound_check("discount_band", "min_commitment", SCENARIO_BOUNDS["min_commitment"]),
            bound_check("discount_band", "discount", SCENARIO_BOUNDS["discount"]),
        ]

    def __str__(self) -> str:
        return f"from {self.min_commitment:,.0f} USD: {self.discount:.1%}"

    def as_document(self) -> dict[str, Any]:
        return {"min_commitment": self.min_commitment, "discount": self.discount}
