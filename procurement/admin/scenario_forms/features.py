"""A feature's form: key inputs in the row, the others in its collapsed "More" section; bound to a
catalog's models by `feature_form`."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError

from forecasting.engine.tolerances import SHARE_SUM_TOLERANCE  # as the models' CHECK constraints
from procurement.admin.formsets import UniqueNameFormSet
from procurement.admin.scenario_fields import LeversField, ModelMixField, PercentField, SeasonalityField
from procurement.admin.scenario_forms.base import RowForm, percent
from procurement.admin.scenario_forms.catalog_choices import model_choices
from procurement.models import Feature, PriceCatalog
from procurement.scenario_document.bounds import FEATURE_BOUNDS

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


class FeatureForm(RowForm):
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

    def detail_summary(self) -> str:
        """The collapsed inputs in a few words, e.g. “Sonnet 4.5 80%, Haiku 4.5 20%; cache 50%”."""
        initial = self.initial
        names = {key: label.removeprefix("Claude ") for key, label in self.model_choices}
        mix = initial.get("model_mix")
        parts = []
        if isinstance(mix, dict) and mix:
            parts.append(", ".join(f"{names.get(key, key)} {percent(share)}" for key, share in mix.items()))
        for key, word in (("cache_hit_rate", "cache"), ("batch_share", "batch")):
            if initial.get(key):
                parts.append(f"{word} {percent(initial[key])}")
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
        if hit is not None and hit + write > 1 + SHARE_SUM_TOLERANCE:
            self.refuse(
                "cache_hit_rate",
                f"Read from and written to cache add up to {(hit + write) * 100:,.10g}% of input; "
                "together they can be at most 100%.",
            )
        levers = data.get("levers")
        target = levers.get("cache_hit_rate") if isinstance(levers, dict) else None
        if target is not None and target + write > 1 + SHARE_SUM_TOLERANCE:
            self.refuse(
                "levers",
                f"Target cache read {target * 100:,.10g}% plus written to cache {write * 100:,.10g}% is "
                "more than 100%.",
            )
        return data


def feature_form(catalog: PriceCatalog | None) -> type[FeatureForm]:
    """The feature form with a percent input per model of `catalog`."""
    choices = model_choices(catalog)

    class CatalogFeatureForm(FeatureForm):
        model_choices = choices

    return CatalogFeatureForm


class FeatureFormSet(UniqueNameFormSet):
    """The features' rows: names unique, and every lever the scenario plans (its form's "planned from"
    months, already on `self.instance`) targeted by at least one feature, as the document validator asks
    (docs/scenario.md#planned-levers)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        targeted = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            levers = data.get("levers") if data and not data.get("DELETE") else None
            if isinstance(levers, dict):
                targeted |= {name for name, target in levers.items() if target is not None}
        for item in self.instance.planned_levers or []:
            if item["lever"] not in targeted:
                lever = item["lever"].replace("_", " ")
                raise ValidationError(
                    f"The scenario plans the {lever} lever from {item['start_month']}, but no feature sets "
                    "a target for it: set one under a feature's What-if targets, or clear the planned month."
                )
