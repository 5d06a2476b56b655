"""Database CHECK constraints and field validators built from the scenario bounds table.

The database refuses what the JSON validator refuses (a row written by any path, even raw SQL through
the ORM, keeps the invariants), and admin forms show the same bounds as field errors.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from procurement.scenario_document.bounds import Bound


class _OpenMinValidator(BaseValidator):
    message = "Ensure this value is greater than %(limit_value)s."
    code = "min_value"

    def compare(self, a: float, b: float) -> bool:
        return a <= b


class _OpenMaxValidator(BaseValidator):
    message = "Ensure this value is less than %(limit_value)s."
    code = "max_value"

    def compare(self, a: float, b: float) -> bool:
        return a >= b


def bound_validators(bound: Bound) -> list[BaseValidator]:
    low = _OpenMinValidator(bound.low) if bound.low_open else MinValueValidator(bound.low)
    high = _OpenMaxValidator(bound.high) if bound.high_open else MaxValueValidator(bound.high)
    return [low, high]


def bound_check(table: str, field: str, bound: Bound, *, nullable: bool = False) -> models.CheckConstraint:
    """`field` within `bound` (or NULL when nullable), named `<table>_<field>_range`."""
    low = Q(**{f"{field}__gt" if bound.low_open else f"{field}__gte": bound.low})
    high = Q(**{f"{field}__lt" if bound.high_open else f"{field}__lte": bound.high})
    condition = low & high
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=condition,
        name=f"{table}_{field}_range",
        violation_error_message=f"{field} {bound.describe()}.",
    )


def bound_checks(
    table: str, bounds: dict[str, Bound], nullable: frozenset[str] = frozenset()
) -> list[models.CheckConstraint]:
    return [bound_check(table, field, bound, nullable=field in nullable) for field, bound in bounds.items()]


def bounded_float(bound: Bound, help_text: str, **kwargs: Any) -> models.FloatField[Any, Any]:
    """A float column whose form validators say the bound (the CHECK constraint is added in Meta)."""
    return models.FloatField(validators=bound_validators(bound), help_text=help_text, **kwargs)
