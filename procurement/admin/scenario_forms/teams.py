"""A team's form: key inputs in the row, the others in its collapsed "More" section; bound to a
catalog's plans by `team_form`."""

from __future__ import annotations

from typing import Any, ClassVar

from procurement.admin.scenario_fields import AllowedPlansField, PercentField
from procurement.admin.scenario_forms.base import RowForm, percent
from procurement.admin.scenario_forms.catalog_choices import plan_choices
from procurement.models import PriceCatalog, Team
from procurement.scenario_document.bounds import TEAM_BOUNDS

TEAM_KEY_FIELDS = [
    "name",
    "headcount_now",
    "headcount_end",
    "adoption_now",
    "adoption_end",
    "usage_preset",
    "usage_median_usd",
    "usage_p90_usd",
    "allowed_plans",
]
TEAM_DETAIL_FIELDSETS: list[tuple[str, list[str]]] = [
    ("Uncertainty and growth", ["headcount_sd", "usage_growth", "usage_growth_sd", "usage_volatility"]),
    ("Usage pattern and order", ["usage_persistence", "position"]),
]


class TeamForm(RowForm):
    plan_choices: ClassVar[list[tuple[str, str]]] = []
    detail_fields: ClassVar[list[str]] = [name for _, names in TEAM_DETAIL_FIELDSETS for name in names]

    allowed_plans = AllowedPlansField(
        label="Plans allowed",
        help_text="Claude Code plans this team may be put on (from the scenario's price catalog).",
    )
    headcount_sd = PercentField(
        TEAM_BOUNDS["headcount_sd"],
        unit="±%",
        label="Headcount uncertainty",
        help_text="How far the end headcount may land from the expected one, e.g. 10 for about ±10% "
        "(log-sd of the end headcount across trials).",
    )
    adoption_now = PercentField(
        TEAM_BOUNDS["adoption_now"],
        label="Active now",
        help_text="Share of the engineers using Claude Code in a month at the start (adoption), e.g. 60.",
    )
    adoption_end = PercentField(
        TEAM_BOUNDS["adoption_end"],
        label="Active at end",
        help_text="Share of the engineers using Claude Code at the end of the term (adoption), e.g. 85.",
    )
    usage_persistence = PercentField(
        TEAM_BOUNDS["usage_persistence"],
        label="Heavy users stay heavy",
        help_text="How much of the difference between engineers lasts from month to month, e.g. 60 "
        "(share of the usage log-variance that is persistent).",
    )
    usage_growth = PercentField(
        TEAM_BOUNDS["usage_growth"],
        unit="% a month",
        label="Usage growth",
        help_text="Monthly growth of each engineer's usage, e.g. 2 for +2% a month (drift).",
    )
    usage_growth_sd = PercentField(
        TEAM_BOUNDS["usage_growth_sd"],
        unit="± points",
        label="Usage growth uncertainty",
        help_text="How far that growth may be off, in percentage points a month, e.g. 1 "
        "(per-trial sd of the drift).",
    )
    usage_volatility = PercentField(
        TEAM_BOUNDS["usage_volatility"],
        unit="±%",
        label="Team-wide monthly swings",
        help_text="How much the whole team's usage moves from month to month, e.g. 15 "
        "(sd of the monthly AR(1) team shock, log scale).",
    )

    plain_labels = {
        "name": ("Team", "Unique in the scenario, e.g. “Platform”."),
        "position": ("Order", "Order in the scenario (lower first)."),
        "headcount_now": ("Engineers now", "Engineers at the start of the term, e.g. 40."),
        "headcount_end": ("Engineers at end", "Expected engineers at the end of the term, e.g. 55."),
        "usage_preset": (
            "Usage preset",
            "Light, typical or heavy usage from the price catalog; leave both USD amounts empty to use it.",
        ),
        "usage_median_usd": (
            "Typical usage (median, USD/month)",
            "What the middle engineer uses in a month, API-equivalent USD at list, e.g. 150 "
            "(median of the lognormal usage).",
        ),
        "usage_p90_usd": (
            "How spread out usage is (p90, USD/month)",
            "One active engineer in ten uses more than this a month, e.g. 600; at least the median "
            "(90th percentile of the lognormal usage).",
        ),
    }

    class Meta:
        model = Team
        fields = [*TEAM_KEY_FIELDS, *(name for _, names in TEAM_DETAIL_FIELDSETS for name in names)]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = self.fields.get("allowed_plans")
        if isinstance(plans, AllowedPlansField):
            plans.choices = self.plan_choices

    def detail_summary(self) -> str:
        """The collapsed inputs in a few words, e.g. “headcount ±10%, usage +2% a month”."""
        initial = self.initial
        parts = []
        if initial.get("headcount_sd"):
            parts.append(f"headcount ±{percent(initial['headcount_sd'])}")
        if initial.get("usage_growth"):
            parts.append(f"usage {initial['usage_growth'] * 100:+,.3g}% a month")
        if initial.get("usage_volatility"):
            parts.append(f"monthly swings ±{percent(initial['usage_volatility'])}")
        return ", ".join(parts)

    def clean_allowed_plans(self) -> list[str]:
        plans: list[str] = self.cleaned_data["allowed_plans"]
        stored = self.initial.get("allowed_plans")
        if isinstance(stored, list) and set(stored) == set(plans):
            return stored  # unchanged: keep the stored order
        return [key for key, _ in self.plan_choices if key in plans]  # catalog order

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        preset, median, p90 = (
            data.get("usage_preset"),
            data.get("usage_median_usd"),
            data.get("usage_p90_usd"),
        )
        if any(name in self.errors for name in ("usage_preset", "usage_median_usd", "usage_p90_usd")):
            return data
        for name, amount in (("usage_median_usd", median), ("usage_p90_usd", p90)):
            if preset and amount is not None:
                self.refuse(name, "Leave this empty to use the preset, or clear the preset.")
            elif not preset and amount is None:
                self.refuse(name, "Required unless a usage preset is chosen.")
        if median is not None and p90 is not None and p90 < median:
            self.refuse("usage_p90_usd", f"Must be at least the median ({median:,g} USD).")
        return data


def team_form(catalog: PriceCatalog | None) -> type[TeamForm]:
    """The team form offering `catalog`'s plans (one query for the whole formset)."""
    choices = plan_choices(catalog)

    class CatalogTeamForm(TeamForm):
        plan_choices = choices

    return CatalogTeamForm
