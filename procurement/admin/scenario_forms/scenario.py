"""The scenario's own form and its discount bands' form."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget

from procurement.admin.scenario_fields import MonthStartField, PercentField
from procurement.admin.scenario_forms.base import OneErrorPerFieldForm
from procurement.models import DiscountBand, Scenario
from procurement.scenario_document.bounds import DEFAULT_COMMITMENT_GRANULARITY_USD, SCENARIO_BOUNDS
from procurement.scenario_document.planned_levers import PLANNED_LEVERS, month_offset

# One "planned from" month per token lever (docs/scenario.md#planned-levers), in a procurement lead's words.
PLANNED_LEVER_FIELDS: dict[str, tuple[str, str]] = {
    "model_mix": ("planned_model_mix", "Route requests to the target model mix from"),
    "cache_hit_rate": ("planned_cache_hit_rate", "Reach the target cache hit rate from"),
    "batch_share": ("planned_batch_share", "Send the target share through Batch from"),
}


CORRELATION_FIELDS = ("correlation_teams", "correlation_features", "correlation_paths")


def _planned_month_field(label: str) -> MonthStartField:
    return MonthStartField(
        required=False,
        label=label,
        widget=forms.TextInput(attrs={"placeholder": "2027-04", "size": 10}),
        help_text="The month this lever lands, e.g. 2027-04; the commitment is then sized on the spend with "
        "it from that month on. Empty: not planned (the lever is only priced as a what-if).",
    )


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
    api_commitment_granularity_usd = forms.FloatField(
        required=False,
        label="Commitments are whole multiples of (USD)",
        help_text=f"The amount a commitment is rounded to so it can be signed as printed, e.g. "
        f"{DEFAULT_COMMITMENT_GRANULARITY_USD:,.0f}. Empty: {DEFAULT_COMMITMENT_GRANULARITY_USD:,.0f}.",
    )
    planned_model_mix = _planned_month_field(PLANNED_LEVER_FIELDS["model_mix"][1])
    planned_cache_hit_rate = _planned_month_field(PLANNED_LEVER_FIELDS["cache_hit_rate"][1])
    planned_batch_share = _planned_month_field(PLANNED_LEVER_FIELDS["batch_share"][1])

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
        "api_extra_usage_counts": (
            "Seat plans' extra usage counts toward the commitment",
            "Does usage beyond a seat's limit, billed at API rates, draw down the API commitment?",
        ),
        "seats_annual_term": (
            "Seats are bought for a whole period",
            "Seats bought for a period cannot be removed before it ends (Team, Enterprise).",
        ),
        "seats_blocked_usage_value": (
            "Value of blocked usage (USD lost per USD blocked)",
            "Productivity lost per API-dollar of usage a plan's limit blocks, 0 to 100, e.g. 1.",
        ),
        "correlation_teams": (
            "Teams move together (loading)",
            "How much a company-wide push moves every team's usage growth at once, 0 to 1, e.g. 0.3. "
            "0: each team on its own.",
        ),
        "correlation_features": (
            "Features move together (loading)",
            "How much a company-wide traffic swing moves every feature's growth at once, 0 to 1, e.g. 0.3. "
            "0: each feature on its own.",
        ),
        "correlation_paths": (
            "Seats and API move together (loading)",
            "How much the teams' swing and the features' swing share one cause, 0 to 1, e.g. 0.2. "
            "0: independent.",
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
            "api_extra_usage_counts",
            "api_commitment_granularity_usd",
            "seats_annual_term",
            "seats_blocked_usage_value",
            "correlation_teams",
            "correlation_features",
            "correlation_paths",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in CORRELATION_FIELDS:  # empty means 0: independent (docs/scenario.md#correlation)
            if name in self.fields:
                self.fields[name].required = False
        for item in self.instance.planned_levers or []:
            name = PLANNED_LEVER_FIELDS[item["lever"]][0]
            if name in self.fields and name not in self.initial:
                self.initial[name] = item["start_month"]

    def clean_correlation_teams(self) -> float:
        return self._loading("correlation_teams")

    def clean_correlation_features(self) -> float:
        return self._loading("correlation_features")

    def clean_correlation_paths(self) -> float:
        return self._loading("correlation_paths")

    def _loading(self, name: str) -> float:
        value: float | None = self.cleaned_data.get(name)
        return 0.0 if value is None else value

    def clean_api_commitment_granularity_usd(self) -> float:
        """Empty means the default grid; otherwise the scenario's bound (> 0, at most MAX_USD)."""
        value: float | None = self.cleaned_data.get("api_commitment_granularity_usd")
        if value is None:
            return DEFAULT_COMMITMENT_GRANULARITY_USD
        bound = SCENARIO_BOUNDS["commitment_granularity_usd"]
        if not bound.low < value <= bound.high:
            raise forms.ValidationError(f"Enter an amount above 0 and at most {bound.high:,.0f} USD.")
        return value

    def clean(self) -> dict[str, Any]:
        """The planned months as the document's `planned_levers`, each inside the term; set on the instance
        before the inlines are checked, so the features' formset can see which levers need a target."""
        data = super().clean()
        start, term = data.get("start_month"), data.get("term_months")
        planned = []
        for lever in PLANNED_LEVERS:
            name = PLANNED_LEVER_FIELDS[lever][0]
            month: datetime.date | None = data.get(name)
            if name not in self.fields or month is None:
                continue
            text = f"{month:%Y-%m}"
            if isinstance(start, datetime.date) and term:
                first = f"{start:%Y-%m}"
                if not 0 <= month_offset(first, text) < term:
                    last = start.replace(
                        year=start.year + (start.month - 1 + term - 1) // 12,
                        month=(start.month - 1 + term - 1) % 12 + 1,
                    )
                    self.refuse(name, f"Pick a month inside the term, {first} to {last:%Y-%m}.")
                    continue
            planned.append({"lever": lever, "start_month": text})
        if any(PLANNED_LEVER_FIELDS[lever][0] in self.fields for lever in PLANNED_LEVERS):
            self.instance.planned_levers = sorted(planned, key=lambda item: item["start_month"])
        return data


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
