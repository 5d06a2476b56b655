"""Strict readers for JSON values: each returns the normalised value or INVALID after recording errors.

Numbers are finite int/float and never bool; strings are str; objects reject unknown keys and report
missing required ones. Errors are collected per field path (`teams[2].usage_p90_usd`) so one response
lists every problem of a document instead of the first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from procurement.limits import MAX_NAME_CHARS
from procurement.scenario_document.bounds import Bound


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


INVALID: Any = _Marker("INVALID")  # a value that failed validation (its error is already recorded)
REQUIRED: Any = _Marker("REQUIRED")  # default of a field that must be present
EMPTY_OBJECT: Any = _Marker("EMPTY_OBJECT")  # default of a nested object: read {} so its defaults fill in

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class Errors:
    """Messages per field path, in the order found."""

    by_path: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        self.by_path.setdefault(path or "document", []).append(message)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def describe_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return "a number" if is_number(value) else type(value).__name__


def read_number(value: Any, path: str, errors: Errors, bound: Bound, *, nullable: bool = False) -> Any:
    """A finite number within `bound`: int for integer fields, float otherwise."""
    if value is None and nullable:
        return None
    kind = "a whole number" if bound.integer else "a number"
    if not is_number(value):
        errors.add(path, f"must be {kind}{' or null' if nullable else ''}, not {describe_type(value)}")
        return INVALID
    if isinstance(value, float) and not math.isfinite(value):
        errors.add(path, f"must be a finite number, not {value}")
        return INVALID
    if bound.integer and isinstance(value, float) and not value.is_integer():
        errors.add(path, f"must be a whole number, not {value:g}")
        return INVALID
    if not bound.contains(value):
        errors.add(path, f"{bound.describe()} (got {_show(value)})")
        return INVALID
    return int(value) if bound.integer else float(value)


def _show(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def read_name(value: Any, path: str, errors: Errors) -> Any:
    """A non-empty single-line name of at most MAX_NAME_CHARS characters, surrounding spaces removed."""
    if not isinstance(value, str):
        errors.add(path, f"must be a string, not {describe_type(value)}")
        return INVALID
    text = value.strip()
    if not text:
        errors.add(path, "must not be empty")
        return INVALID
    if len(text) > MAX_NAME_CHARS:
        errors.add(path, f"must be at most {MAX_NAME_CHARS} characters (got {len(text)})")
        return INVALID
    if _CONTROL_CHARACTERS.search(text):
        errors.add(path, "must not contain control characters (tabs, line breaks, NUL)")
        return INVALID
    return text


def read_choice(value: Any, path: str, errors: Errors, choices: tuple[str, ...]) -> Any:
    if not isinstance(value, str) or value not in choices:
        shown = repr(value) if isinstance(value, str) else describe_type(value)
        errors.add(path, f"must be one of {', '.join(repr(c) for c in choices)}, not {shown}")
        return INVALID
    return value


def read_bool(value: Any, path: str, errors: Errors) -> Any:
    if not isinstance(value, bool):
        errors.add(path, f"must be true or false, not {describe_type(value)}")
        return INVALID
    return value


def read_month(value: Any, path: str, errors: Errors) -> Any:
    """A calendar month "YYYY-MM" between 2000-01 and 2100-12."""
    match = _MONTH.match(value) if isinstance(value, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        shown = repr(value) if isinstance(value, str) else describe_type(value)
        errors.add(path, f'must be a month written "YYYY-MM", such as "2027-01", not {shown}')
        return INVALID
    if not 2000 <= int(match.group(1)) <= 2100:
        errors.add(path, f"must be a month between 2000-01 and 2100-12 (got {value})")
        return INVALID
    return value


Reader = Callable[[Any, str, Errors], Any]


@dataclass(frozen=True)
class Field:
    """How to read one key of an object: its reader and its default (REQUIRED if it must be present)."""

    read: Reader
    default: Any = REQUIRED


def number(bound: Bound, default: Any = REQUIRED, *, nullable: bool = False) -> Field:
    return Field(lambda v, p, e: read_number(v, p, e, bound, nullable=nullable), default)


def read_object(raw: Any, path: str, errors: Errors, fields: Mapping[str, Field]) -> Any:
    """Read every known key (defaults filled in), reporting unknown and missing keys."""
    if not isinstance(raw, dict):
        errors.add(path, f"must be an object, not {describe_type(raw)}")
        return INVALID
    for key in raw:
        if key not in fields:
            errors.add(join(path, str(key)), f"unknown field; allowed fields are {', '.join(fields)}")
    result: dict[str, Any] = {}
    for key, spec in fields.items():
        if key in raw:
            result[key] = spec.read(raw[key], join(path, key), errors)
        elif spec.default is REQUIRED:
            errors.add(join(path, key), "is required")
            result[key] = INVALID
        elif spec.default is EMPTY_OBJECT:
            result[key] = spec.read({}, join(path, key), errors)
        else:
            result[key] = spec.default() if callable(spec.default) else spec.default
    return result


def read_list(raw: Any, path: str, errors: Errors, item: Reader, *, max_items: int) -> Any:
    if not isinstance(raw, list):
        errors.add(path, f"must be a list, not {describe_type(raw)}")
        return INVALID
    if len(raw) > max_items:
        errors.add(path, f"must have at most {max_items:,} entries (got {len(raw):,})")
        return INVALID
    return [item(value, f"{path}[{index}]", errors) for index, value in enumerate(raw)]


def valid(*values: Any) -> bool:
    """True when none of the values failed validation (cross-field rules only run on valid inputs)."""
    return all(value is not INVALID for value in values)
