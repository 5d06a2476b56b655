"""Form fields of the scenario admin: the form shows percent and tables, the model stores fractions and JSON.

Round trip: a stored fraction is shown with 15 significant digits of its percent, and what the form reads
back is that percent / 100, so saving an unchanged form moves a value by less than 1e-14 relative.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from forecasting.engine.tolerances import SHARE_SUM_TOLERANCE
from procurement.admin.widgets import (
    MONTHS,
    LeversWidget,
    ModelMixWidget,
    MonthsWidget,
    PercentInput,
    PlanCheckboxes,
    number_text,
    percent_text,
)
from procurement.scenario_document.bounds import FEATURE_BOUNDS, MODEL_MIX_TOLERANCE, SHARE, Bound

MIX_SLACK_POINTS = 0.01  # percentage points a model mix may miss 100 by (rounded inputs); then rescaled


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _percent(value: float) -> str:
    return f"{value:,.10g}%"


def percent_range(bound: Bound) -> str:
    """“of at least 0% and below 100%”: a bound of fractions described in percent."""
    low = (
        f"above {_percent(bound.low * 100)}" if bound.low_open else f"of at least {_percent(bound.low * 100)}"
    )
    high = (
        f"below {_percent(bound.high * 100)}" if bound.high_open else f"at most {_percent(bound.high * 100)}"
    )
    return f"{low} and {high}"


def _read_percent(raw: object, bound: Bound, what: str) -> float | None:
    """A submitted percent text as a fraction within `bound`, None when blank; errors name `what`."""
    if _blank(raw):
        return None
    try:
        percent = float(str(raw).strip())
    except ValueError:
        raise ValidationError(f"{what}: enter a number.", code="invalid") from None
    fraction = percent / 100
    if not math.isfinite(percent) or not bound.contains(fraction):
        raise ValidationError(f"{what}: enter a percentage {percent_range(bound)}.", code="out_of_range")
    return fraction


class PercentField(forms.FloatField):
    """Shows and accepts a percent (12 for 0.12); cleans to the fraction the model stores."""

    def __init__(self, bound: Bound, *, unit: str = "%", **kwargs: Any) -> None:
        self.bound = bound
        kwargs.setdefault("widget", PercentInput(unit=unit))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return percent_text(value) if _is_number(value) else value

    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        percent = super().to_python(value)
        return None if percent is None else percent / 100

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not self.bound.contains(value):
            raise ValidationError(f"Enter a percentage {percent_range(self.bound)}.", code="out_of_range")


class MonthStartField(forms.DateField):
    """Any day of a month (the admin's “Today” included), or “2027-01”; cleans to the 1st of that month."""

    def to_python(self, value: Any) -> datetime.date | None:
        try:
            day = super().to_python(value)
        except ValidationError:
            try:
                day = datetime.datetime.strptime(str(value).strip(), "%Y-%m").date()
            except ValueError:
                raise ValidationError(
                    "Enter a date such as 2027-01-01 or a month such as 2027-01.", code="invalid"
                ) from None
        return None if day is None else day.replace(day=1)


class AllowedPlansField(forms.MultipleChoiceField):
    """The catalog's Claude Code plans as checkboxes; cleans to the list of checked plan keys."""

    def __init__(self, choices: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        kwargs.setdefault("widget", PlanCheckboxes)
        kwargs.setdefault("error_messages", {"required": "Choose at least one plan."})
        super().__init__(choices=choices, **kwargs)


class ModelMixField(forms.Field):
    """A percent per catalog model (blank = 0) adding up to 100; cleans to {model: share} summing to 1."""

    default_error_messages = {"required": "Give at least one model a share; the shares add up to 100%."}

    def __init__(self, models: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        self.models = list(models)
        kwargs.setdefault("widget", ModelMixWidget(self.models))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {key: percent_text(share) if _is_number(share) else share for key, share in value.items()}

    def to_python(self, value: Any) -> dict[str, float] | None:
        if not isinstance(value, dict):
            return None
        labels = dict(self.models)
        percents: dict[str, float] = {}
        errors: list[ValidationError] = []
        for key, raw in value.items():
            try:
                share = _read_percent(raw, SHARE, labels.get(key) or str(key))
            except ValidationError as error:
                errors.append(error)
                continue
            if share is not None:
                percents[key] = share * 100
        if errors:
            raise ValidationError(errors)
        if not percents:
            return None
        total = sum(percents.values())
        if abs(total - 100) > MIX_SLACK_POINTS + SHARE_SUM_TOLERANCE:
            raise ValidationError(
                f"The percentages add up to {total:,.6g}%; they must add up to 100%.", code="mix_sum"
            )
        shares = {key: percent / 100 for key, percent in percents.items()}
        share_total = sum(shares.values())
        if abs(share_total - 1) > MODEL_MIX_TOLERANCE:  # within the slack, but the document wants 1
            shares = {key: share / share_total for key, share in shares.items()}
        return shares


class SeasonalityField(forms.Field):
    """Twelve multipliers, January first (1 = an average month), or all empty for none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MonthsWidget)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list) and all(_is_number(item) for item in value):
            return [number_text(item) for item in value]
        return value

    def to_python(self, value: Any) -> list[float] | None:
        if not isinstance(value, list) or all(_blank(item) for item in value):
            return None
        if any(_blank(item) for item in value):
            raise ValidationError("Give all 12 months, or leave them all empty.", code="incomplete")
        bound = FEATURE_BOUNDS["seasonality"]
        multipliers: list[float] = []
        for month, raw in zip(MONTHS, value, strict=True):
            try:
                multiplier = float(str(raw).strip())
            except ValueError:
                raise ValidationError(f"{month}: enter a number such as 1.2.", code="invalid") from None
            if not math.isfinite(multiplier) or not bound.contains(multiplier):
                raise ValidationError(
                    f"{month}: enter a multiplier above 0 and at most {bound.high:g} (1 = an average month).",
                    code="out_of_range",
                )
            multipliers.append(multiplier)
        return multipliers


class LeversField(forms.Field):
    """What-if targets of the token levers: a model mix and two percentages, each optional.

    Cleans to the stored shape {"model_mix": ..., "cache_hit_rate": ..., "batch_share": ...} with None
    for a lever left unchanged, or None when every lever is left unchanged.
    """

    def __init__(self, models: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        self.mix = ModelMixField(models, required=False)
        kwargs.setdefault("widget", LeversWidget(models))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        shown = {key: percent_text(item) if _is_number(item) else item for key, item in value.items()}
        shown["model_mix"] = self.mix.prepare_value(value.get("model_mix"))
        return shown

    def to_python(self, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            return None
        errors: list[ValidationError] = []
        levers: dict[str, Any] = {"model_mix": None, "cache_hit_rate": None, "batch_share": None}
        try:
            levers["model_mix"] = self.mix.to_python(value.get("model_mix"))
        except ValidationError as error:
            errors.extend(ValidationError(f"Target model mix: {message}") for message in error.messages)
        for key, what in (("cache_hit_rate", "Target cache"), ("batch_share", "Target Batch share")):
            try:
                levers[key] = _read_percent(value.get(key), SHARE, what)
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return None if all(item is None for item in levers.values()) else levers
