"""Admin widgets that spare a procurement lead typing JSON: percentages, a model-mix table, 12 months.

Each widget renders plain HTML inputs; the matching form fields (`scenario_fields.py`) turn what they
submit into the stored value (a fraction, a dict of shares, a list of 12 multipliers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number_text(value: float) -> str:
    """A float as the shortest text that reads back as the same float (no trailing “.0”)."""
    text = repr(float(value))
    return text.removesuffix(".0")


def percent_text(fraction: float) -> str:
    """0.12 → "12": 15 significant digits, so the form's percent / 100 is the fraction within 1e-14."""
    return format(fraction * 100, ".15g")


class PlainNumberInput(forms.NumberInput):
    """A number input that shows 45 rather than 45.0 (the value read back is the same float)."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, float) and math.isfinite(value):
            return number_text(value)
        return super().format_value(value)  # type: ignore[no-any-return]


class PercentInput(forms.NumberInput):
    """A number input followed by “%” (the form field converts between percent and fraction)."""

    def __init__(self, attrs: dict[str, Any] | None = None, unit: str = "%") -> None:
        super().__init__({"step": "any", "class": "percent-input", **(attrs or {})})
        self.unit = unit

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        field = super().render(name, value, attrs, renderer)
        return format_html('<span class="unit-input">{}<span class="unit">{}</span></span>', field, self.unit)


def _number_input(name: str, value: object, attrs: Mapping[str, Any], css: str) -> SafeString:
    shown = "" if value is None else str(value)
    return format_html(
        '<input type="number" step="any" name="{}" id="{}" value="{}" class="{}"{}>',
        name,
        attrs["id"],
        shown,
        css,
        mark_safe(" disabled") if attrs.get("disabled") else "",
    )


class ModelMixWidget(forms.Widget):
    """One percent input per catalog model, submitted as `<name>__<model key>`.

    The value is a dict model key → text to show (the field prepares percent text from stored shares).
    """

    def __init__(self, models: Sequence[tuple[str, str]], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.models = list(models)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {key: data.get(f"{name}__{key}", "") for key, _ in self.models}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}__{key}" in data for key, _ in self.models)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}__{self.models[0][0]}" if id_ and self.models else id_

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        values = value if isinstance(value, dict) else {}
        final = self.build_attrs(self.attrs, attrs)
        base_id = final.get("id", name)
        cells = format_html_join(
            "",
            '<label class="mix-cell"><span class="mix-model">{}</span>{}<span class="unit">%</span></label>',
            (
                (
                    label,
                    _number_input(
                        f"{name}__{key}",
                        values.get(key),
                        {**final, "id": f"{base_id}__{key}"},
                        "mix-input",
                    ),
                )
                for key, label in self.models
            ),
        )
        return format_html('<div class="model-mix" id="{}">{}</div>', base_id, cells)


class MonthsWidget(forms.Widget):
    """Twelve number inputs, January first, submitted as `<name>__1` .. `<name>__12`."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        return [data.get(f"{name}__{month}", "") for month in range(1, 13)]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}__{month}" in data for month in range(1, 13))

    def id_for_label(self, id_: str) -> str:
        return f"{id_}__1" if id_ else id_

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        values = list(value) if isinstance(value, list | tuple) and len(value) == 12 else [None] * 12
        final = self.build_attrs(self.attrs, attrs)
        base_id = final.get("id", name)
        cells = format_html_join(
            "",
            '<label class="month-cell"><span class="month">{}</span>{}</label>',
            (
                (
                    label,
                    _number_input(
                        f"{name}__{index + 1}",
                        values[index],
                        {**final, "id": f"{base_id}__{index + 1}"},
                        "month",
                    ),
                )
                for index, label in enumerate(MONTHS)
            ),
        )
        return format_html('<div class="months" id="{}">{}</div>', base_id, cells)


class LeversWidget(forms.Widget):
    """Token-lever targets: a model-mix table and two percentages, each optional."""

    def __init__(self, models: Sequence[tuple[str, str]], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.mix = ModelMixWidget(models)
        self.percent = PercentInput()

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, Any]:
        return {
            "model_mix": self.mix.value_from_datadict(data, files, f"{name}__model_mix"),
            "cache_hit_rate": data.get(f"{name}__cache_hit_rate", ""),
            "batch_share": data.get(f"{name}__batch_share", ""),
        }

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        parts = (f"{name}__cache_hit_rate", f"{name}__batch_share")
        return self.mix.value_omitted_from_data(data, files, f"{name}__model_mix") and not any(
            part in data for part in parts
        )

    def id_for_label(self, id_: str) -> str:
        return f"{id_}__cache_hit_rate" if id_ else id_

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        values = value if isinstance(value, dict) else {}
        final = self.build_attrs(self.attrs, attrs)
        base_id = final.get("id", name)
        percents = format_html_join(
            "",
            '<label class="lever-cell"><span>{}</span>{}</label>',
            (
                (
                    label,
                    self.percent.render(
                        f"{name}__{key}", values.get(key), {"id": f"{base_id}__{key}"}, renderer
                    ),
                )
                for key, label in (
                    ("cache_hit_rate", "Target input read from cache"),
                    ("batch_share", "Target share through the Batch API"),
                )
            ),
        )
        mix = self.mix.render(
            f"{name}__model_mix", values.get("model_mix"), {"id": f"{base_id}__model_mix"}, renderer
        )
        return format_html(
            '<div class="levers" id="{}"><div class="lever-percents">{}</div>'
            '<div class="lever-mix"><span>Target share of requests per model (empty: unchanged)</span>'
            "{}</div>"
            "</div>",
            base_id,
            percents,
            mix,
        )


class PlanCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes laid out in a row (see scenario_admin.css)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"class": "plan-checkboxes", **(attrs or {})})
