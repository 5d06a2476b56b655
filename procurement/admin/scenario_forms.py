"""Admin forms of a scenario, its bands, teams and features, in a procurement lead's words.

Percentages instead of fractions, checkboxes instead of a JSON list of plans, a table per model instead of
a JSON model mix; the statistical name of each input is in its help text. The model field names stay (the
API and the JSON document use them); only these forms change.

Every form here shows one error per field: when a field's own validation, the model's `clean()` (the
document rules) and a database CHECK constraint all refuse the same value, only the first message stays.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import CheckConstraint
from django.http import HttpRequest

from procurement.admin.scenario_fields import (
    AllowedPlansField,
    LeversField,
    ModelMixField,
    MonthStartField,
    PercentField,
    SeasonalityField,
)
from procurement.admin.widgets import PlainNumberInput
from procurement.models import DiscountBand, Feature, PriceCatalog, Scenario, Team
from procurement.models.catalog import ModelStatus
from procurement.scenario_document.bounds import FEATURE_BOUNDS, SCENARIO_BOUNDS, TEAM_BOUNDS

_SUM_SLACK = 1e-9  # as the models' CHECK constraints: 0.7 + 0.3 is 1


# --- the catalog a form offers -----------------------------------------------------------------------


def default_catalog() -> PriceCatalog | None:
    """The only catalog, else the default one (what a new scenario gets when nobody chooses)."""
    catalogs = list(PriceCatalog.objects.all()[:2])
    if len(catalogs) == 1:
        return catalogs[0]
    return PriceCatalog.objects.default()


def _chosen_catalog(request: HttpRequest) -> PriceCatalog | None:
    chosen = request.POST.get("price_catalog") if request.method == "POST" else None
    chosen = chosen or request.GET.get("price_catalog")
    if chosen and chosen.isdigit():
        return PriceCatalog.objects.filter(pk=int(chosen)).first()
    return None


def scenario_catalog(request: HttpRequest, scenario: Scenario | None) -> PriceCatalog | None:
    """The catalog whose plans and models a scenario's inlines offer (a new scenario: the chosen one)."""
    if scenario is not None and scenario.price_catalog_id is not None:
        return scenario.price_catalog
    return _chosen_catalog(request) or default_catalog()


def row_catalog(request: HttpRequest, row: Team | Feature | None) -> PriceCatalog | None:
    """For the team and feature pages: the catalog of the row's scenario, or of the scenario posted."""
    if row is not None and row.scenario_id is not None:
        return row.scenario.price_catalog
    chosen = request.POST.get("scenario") if request.method == "POST" else request.GET.get("scenario")
    if chosen and chosen.isdigit():
        scenario = Scenario.objects.editable_by(request.user).filter(pk=int(chosen)).first()
        if scenario is not None:
            return scenario.price_catalog
    return default_catalog()


def plan_choices(catalog: PriceCatalog | None) -> list[tuple[str, str]]:
    """The catalog's Claude Code plans in catalog order (the order of `catalog_keys().plans`)."""
    if catalog is None:
        return []
    rows = catalog.seat_plans.filter(includes_claude_code=True).order_by("position", "valid_from")
    choices: dict[str, str] = {}
    for key, name in rows.values_list("key", "display_name"):
        choices.setdefault(key, name)  # a plan with several dated rows: the first row's name
    return list(choices.items())


def model_choices(catalog: PriceCatalog | None) -> list[tuple[str, str]]:
    """The catalog's models, active first; deprecated and retired ones say so."""
    if catalog is None:
        return []
    rank: dict[str, int] = {ModelStatus.ACTIVE: 0, ModelStatus.DEPRECATED: 1, ModelStatus.RETIRED: 2}
    rows = sorted(
        catalog.model_prices.values_list("key", "display_name", "status"),
        key=lambda row: (rank.get(row[2], 3), row[1]),
    )
    return [
        (key, name if status == ModelStatus.ACTIVE else f"{name} ({status})") for key, name, status in rows
    ]


# --- one error per field -----------------------------------------------------------------------------


def _pct(fraction: float) -> str:
    return f"{fraction * 100:,.3g}%"


def _text(error: ValidationError) -> str:
    return str(error.messages[0])


class OneErrorPerFieldForm(forms.ModelForm):  # type: ignore[type-arg]
    """Model validation adds nothing to a field the form already refused, and at most one message to
    any other field; a CHECK constraint's message is dropped when a field already says what is wrong."""

    plain_labels: ClassVar[dict[str, tuple[str, str]]] = {}  # field → (label, help text)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, help_text) in self.plain_labels.items():
            if name in self.fields:
                self.fields[name].label, self.fields[name].help_text = label, help_text
        for field in self.fields.values():
            if type(field) is forms.FloatField and type(field.widget) is not PlainNumberInput:
                field.widget = PlainNumberInput(attrs={**field.widget.attrs})
        self._defaults = self._model_defaults()

    def _model_defaults(self) -> dict[str, Any]:
        """Fields declared here (percent fields, tables) whose model column has a default.

        A declared form field does not inherit its model field's default as ModelForm's own fields do,
        so a new row (an inline's "Add another") would show them empty and refuse them as required. They
        start at the model's default, and a field left empty takes that default.
        """
        defaults: dict[str, Any] = {}
        for name in self.declared_fields:
            if name not in self.fields:
                continue
            try:
                column = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not getattr(column, "has_default", lambda: False)() or getattr(column, "null", False):
                continue
            default = column.get_default()
            if isinstance(default, bool) or not isinstance(default, int | float):
                continue  # lists and tables (plans, mixes) say what they mean when empty
            defaults[name] = default
            self.fields[name].required = False
            if self.instance.pk is None and name not in self.initial:
                self.fields[name].initial = default
        return defaults

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or self.cleaned_data
        for name, default in self._defaults.items():
            if name in cleaned and cleaned[name] in (None, ""):
                cleaned[name] = default
        return cleaned

    def _update_errors(self, errors: ValidationError) -> None:
        model = self._meta.model
        check_messages = {
            str(constraint.get_violation_error_message())
            for constraint in model._meta.constraints
            if isinstance(constraint, CheckConstraint)
        }
        found = errors.update_error_dict({})
        kept: dict[str, list[ValidationError]] = {}
        for field, messages in found.items():
            if field == NON_FIELD_ERRORS or field in self.errors:
                continue
            if field not in self.fields:  # a rule about a field this form does not show
                kept.setdefault(NON_FIELD_ERRORS, []).append(
                    ValidationError(f"{field}: {_text(messages[0])}")
                )
                continue
            kept[field] = messages[:1]
        field_refused = any(name != NON_FIELD_ERRORS for name in [*kept, *self.errors])
        for error in found.get(NON_FIELD_ERRORS, []):
            if not (field_refused and _text(error) in check_messages):
                kept.setdefault(NON_FIELD_ERRORS, []).append(error)
        if kept:
            super()._update_errors(ValidationError(kept))  # type: ignore[misc]

    def refuse(self, field: str, message: str) -> None:
        """A form error on `field` unless it already has one."""
        if field not in self.errors:
            self.add_error(field, message)


# --- the scenario and its discount bands -------------------------------------------------------------


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


# --- teams ------------------------------------------------------------------------------------------

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


class TeamForm(OneErrorPerFieldForm):
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

    def has_detail_errors(self) -> bool:
        return self.is_bound and any(name in self.errors for name in self.detail_fields)

    def detail_summary(self) -> str:
        """The collapsed inputs in a few words, e.g. “headcount ±10%, usage +2% a month”."""
        initial = self.initial
        parts = []
        if initial.get("headcount_sd"):
            parts.append(f"headcount ±{_pct(initial['headcount_sd'])}")
        if initial.get("usage_growth"):
            parts.append(f"usage {initial['usage_growth'] * 100:+,.3g}% a month")
        if initial.get("usage_volatility"):
            parts.append(f"monthly swings ±{_pct(initial['usage_volatility'])}")
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


# --- features ----------------------------------------------------------------------------------------

FEATURE_KEY_FIELDS = [
    "name",
    "requests_per_month",
    "launch_month",
    "growth",
    "input_tokens",
    "output_tokens",
]
FEATURE_DETAIL_FIELDSETS: list[tuple[str, list[str]]] = [
    ("Models", ["model_mix"]),
    ("Caching and batch", ["cache_hit_rate", "cache_write_rate", "cache_ttl", "batch_share"]),
    ("Uncertainty", ["growth_sd", "volatility", "tokens_sd"]),
    ("Seasonality", ["seasonality"]),
    ("What-if targets (token levers)", ["levers"]),
    ("Order", ["position"]),
]


class FeatureForm(OneErrorPerFieldForm):
    model_choices: ClassVar[list[tuple[str, str]]] = []
    detail_fields: ClassVar[list[str]] = [name for _, names in FEATURE_DETAIL_FIELDSETS for name in names]

    growth = PercentField(
        FEATURE_BOUNDS["growth"],
        unit="% a month",
        label="Growth",
        help_text="Mean monthly growth of requests, e.g. 6 for +6% a month.",
    )
    growth_sd = PercentField(
        FEATURE_BOUNDS["growth_sd"],
        unit="± points",
        label="Growth uncertainty",
        help_text="How far that growth may be off, in percentage points a month, e.g. 3 "
        "(per-trial sd of the growth rate).",
    )
    volatility = PercentField(
        FEATURE_BOUNDS["volatility"],
        unit="±%",
        label="Month-to-month noise",
        help_text="How much requests jump around from one month to the next, e.g. 10 "
        "(sd of the monthly log-noise).",
    )
    tokens_sd = PercentField(
        FEATURE_BOUNDS["tokens_sd"],
        unit="±%",
        label="Tokens per request uncertainty",
        help_text="How far tokens per request may be off, e.g. 10 for about ±10% "
        "(per-trial log-sd of tokens per request).",
    )
    cache_hit_rate = PercentField(
        FEATURE_BOUNDS["cache_hit_rate"],
        label="Input read from cache",
        help_text="Share of input tokens read from the prompt cache (cache hit rate), e.g. 50.",
    )
    cache_write_rate = PercentField(
        FEATURE_BOUNDS["cache_write_rate"],
        label="Input written to cache",
        help_text="Share of input tokens written to the cache (cache write rate), e.g. 5; "
        "read + written at most 100.",
    )
    batch_share = PercentField(
        FEATURE_BOUNDS["batch_share"],
        label="Requests through the Batch API",
        help_text="Share of requests sent through the Batch API (half price, answers within a day), e.g. 30.",
    )
    seasonality = SeasonalityField(
        label="Seasonality (multiplier per calendar month)",
        help_text="Optional: requests in each calendar month relative to an average month, e.g. 0.8 in "
        "July and 1.4 in December; normalised to a mean of 1. All empty: no seasonality.",
    )

    plain_labels = {
        "name": ("Feature", "Unique in the scenario, e.g. “Support bot”."),
        "position": ("Order", "Order in the scenario (lower first)."),
        "requests_per_month": (
            "Requests per month",
            "Requests in the first live month (median), e.g. 400000.",
        ),
        "launch_month": (
            "Launch month",
            "Months after the start of the term when the feature goes live, 0 = from the start, e.g. 6.",
        ),
        "input_tokens": ("Input tokens per request", "Including cached input, e.g. 3000."),
        "output_tokens": ("Output tokens per request", "e.g. 400."),
        "cache_ttl": ("Cache lifetime", "How long cache writes live, which sets their price."),
    }

    class Meta:
        model = Feature
        fields = [*FEATURE_KEY_FIELDS, *(name for _, names in FEATURE_DETAIL_FIELDSETS for name in names)]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "model_mix" in self.fields:
            self.fields["model_mix"] = ModelMixField(
                self.model_choices,
                label="Share of requests per model",
                help_text="Percent of requests each model serves; empty = 0; they add up to 100.",
            )
        if "levers" in self.fields:
            self.fields["levers"] = LeversField(
                self.model_choices,
                label="What-if targets",
                help_text="Optional targets for the token-lever analysis (what each lever would save): "
                "a model mix, a cache read share, a Batch share. Empty: lever unchanged.",
            )

    def has_detail_errors(self) -> bool:
        return self.is_bound and any(name in self.errors for name in self.detail_fields)

    def detail_summary(self) -> str:
        """The collapsed inputs in a few words, e.g. “Sonnet 4.5 80%, Haiku 4.5 20%; cache 50%”."""
        initial = self.initial
        names = {key: label.removeprefix("Claude ") for key, label in self.model_choices}
        mix = initial.get("model_mix")
        parts = []
        if isinstance(mix, dict) and mix:
            parts.append(", ".join(f"{names.get(key, key)} {_pct(share)}" for key, share in mix.items()))
        for key, word in (("cache_hit_rate", "cache"), ("batch_share", "batch")):
            if initial.get(key):
                parts.append(f"{word} {_pct(initial[key])}")
        if initial.get("seasonality"):
            parts.append("seasonal")
        if initial.get("levers"):
            parts.append("what-if targets")
        return "; ".join(parts)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        write = data.get("cache_write_rate")
        if write is None:
            return data
        hit = data.get("cache_hit_rate")
        if hit is not None and hit + write > 1 + _SUM_SLACK:
            self.refuse(
                "cache_hit_rate",
                f"Read from and written to cache add up to {(hit + write) * 100:,.10g}% of input; "
                "together they can be at most 100%.",
            )
        levers = data.get("levers")
        target = levers.get("cache_hit_rate") if isinstance(levers, dict) else None
        if target is not None and target + write > 1 + _SUM_SLACK:
            self.refuse(
                "levers",
                f"Target cache read {target * 100:,.10g}% plus written to cache {write * 100:,.10g}% is "
                "more than 100%.",
            )
        return data


# --- forms bound to a catalog ------------------------------------------------------------------------


def team_form(catalog: PriceCatalog | None) -> type[TeamForm]:
    """The team form offering `catalog`'s plans (one query for the whole formset)."""
    choices = plan_choices(catalog)

    class CatalogTeamForm(TeamForm):
        plan_choices = choices

    return CatalogTeamForm


def feature_form(catalog: PriceCatalog | None) -> type[FeatureForm]:
    """The feature form with a percent input per model of `catalog`."""
    choices = model_choices(catalog)

    class CatalogFeatureForm(FeatureForm):
        model_choices = choices

    return CatalogFeatureForm
