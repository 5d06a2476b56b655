"""The scenario's own form and its discount bands' form."""

from __future__ import annotations

from django.contrib.admin.widgets import AdminDateWidget

from procurement.admin.scenario_fields import MonthStartField, PercentField
from procurement.admin.scenario_forms.base import OneErrorPerFieldForm
from procurement.models import DiscountBand, Scenario
from procurement.scenario_document.bounds import SCENARIO_BOUNDS


class ScenarioForm(OneErrorPerFieldForm):
    start_month = MonthStartField(
        widget=AdminDateWidget,
        label="First month of the term",
        help_text="Pick any day of the month (or type 2027-01); the term starts on the 1st of that month.",
    )
    api_rollover_share = PercentField(
        SCENARIO_BOUNDS["rollover_share"],
        label="Unused commitment carried over",
        help_text="Share of a period's unused commitment that rolls into the next period (rollover share), "
        "e.g. 25. 0: none.",
    )
    api_max_unused_probability = PercentField(
        SCENARIO_BOUNDS["max_unused_probability"],
        required=False,
        label="Highest acceptable chance of unused commitment",
        help_text="Optional cap on the probability that some commitment goes unused, e.g. 20. Empty: no cap.",
    )

    plain_labels = {
        "organization": ("Organization", "Owner; only its members see the scenario."),
        "name": ("Name", "Unique in the organization, e.g. “Acme FY2027”."),
        "term_months": ("Term (months)", "Contract term, 1 to 60 months."),
        "price_catalog": ("Price catalog", "Prices, plans and usage presets used to cost this scenario."),
        "simulation_trials": (
            "Simulated futures (trials)",
            "Monte Carlo trials, 1,000 to 1,000,000; more is steadier and slower, e.g. 20,000.",
        ),
        "simulation_seed": (
            "Random seed",
            "Same seed, same result, e.g. 7. Empty: a new seed for each run.",
        ),
        "api_commitment_period_months": (
            "Commitment period (months)",
            "Each period settles its unused commitment and overage on its own, e.g. 12. A shorter last "
            "period is allowed and prorates the band thresholds.",
        ),
        "api_overage": ("Usage beyond the commitment is billed", "The contract's overage rule."),
        "api_ramp_allowed": (
            "A different commitment for each period (ramp)",
            "No: one commitment for every period.",
        ),
        "api_claude_code_usage_counts": (
            "Claude Code usage billed at API rates counts toward the commitment",
            "Does pay-per-token Claude Code usage draw down the API commitment?",
        ),
        "seats_annual_term": (
            "Seats are bought for a whole period",
            "Seats bought for a period cannot be removed before it ends (Team, Enterprise).",
        ),
        "seats_blocked_usage_value": (
            "Value of blocked usage (USD lost per USD blocked)",
            "Productivity lost per API-dollar of usage a plan's limit blocks, 0 to 100, e.g. 1.",
        ),
    }

    class Meta:
        model = Scenario
        fields = [
            "organization",
            "name",
            "start_month",
            "term_months",
            "price_catalog",
            "simulation_trials",
            "simulation_seed",
            "api_commitment_period_months",
            "api_overage",
            "api_rollover_share",
            "api_ramp_allowed",
            "api_max_unused_probability",
            "api_claude_code_usage_counts",
            "seats_annual_term",
            "seats_blocked_usage_value",
        ]


class DiscountBandForm(OneErrorPerFieldForm):
    discount = PercentField(
        SCENARIO_BOUNDS["discount"],
        label="Discount",
        help_text="Discount on list prices from this commitment on, e.g. 12; below 100.",
    )

    plain_labels = {
        "min_commitment": (
            "From a commitment of (USD per period)",
            "The commitment per period from which this discount applies, e.g. 250000; the first band is 0.",
        ),
    }

    class Meta:
        model = DiscountBand
        fields = ["min_commitment", "discount"]
