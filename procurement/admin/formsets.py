"""Inline formsets that check rules across rows, as the JSON validator does for a whole document."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet


def _live_rows(formset: BaseInlineFormSet[Any, Any, Any]) -> list[dict[str, Any]]:
    """Cleaned data of the rows that will be saved (not deleted, not left empty)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if data and not data.get("DELETE"):
            rows.append(data)
    return rows


class DiscountBandFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        thresholds = sorted(row["min_commitment"] for row in _live_rows(self))
        if not thresholds:
            raise ValidationError("Add at least one discount band; the first starts at 0 (no discount: 0).")
        if thresholds[0] != 0:
            raise ValidationError(
                f"The first discount band must start at 0 (the lowest is {thresholds[0]:,.0f}).",
            )
        if len(set(thresholds)) != len(thresholds):
            raise ValidationError(
                "Two bands have the same min_commitment; thresholds must strictly increase.",
            )


class UniqueNameFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Names unique ignoring case, caught here so a duplicate is a form error, not a database error."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        seen: set[str] = set()
        for row in _live_rows(self):
            name = str(row.get("name", "")).strip().casefold()
            if name in seen:
                raise ValidationError(
                    f"Two rows are named {row['name']!r}; names must be unique (ignoring case).",
                )
            seen.add(name)
