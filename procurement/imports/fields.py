"""Strict readers for JSON values: the right type or a refusal naming file, row and field, never coercion.

A token count must be a JSON integer (not `1.0`, not `"12"`, not `true`) and not negative; a cost must be a
finite, non-negative JSON number; dates must be ISO dates. The message says what was expected and shows
what was found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from procurement.imports.errors import UsageFileError

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Where:
    """Where a value sits: the file, the row (e.g. `daily[3]`) and a field prefix inside the row."""

    file: str
    row: str | None = None
    prefix: str = ""

    def error(self, key: str | None, message: str) -> UsageFileError:
        field = f"{self.prefix}{key}" if key is not None else (self.prefix.rstrip(".") or None)
        return UsageFileError(file=self.file, row=self.row, field=field, message=message)

    def inside(self, key: str) -> Where:
        return Where(self.file, self.row, f"{self.prefix}{key}.")


def describe(value: object) -> str:
    """How a found value is named in a message: its JSON type and, when short, the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'a string ("{shown}")'
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    return "an object" if isinstance(value, dict) else "a list"


def as_object(value: object, where: Where, key: str | None = None) -> JsonObject:
    if not isinstance(value, dict):
        raise where.error(key, f"wrong type: expected an object, got {describe(value)}")
    return value


def require(obj: JsonObject, key: str, where: Where) -> Any:
    if key not in obj:
        raise where.error(key, "missing required field")
    return obj[key]


def read_object(obj: JsonObject, key: str, where: Where) -> JsonObject:
    return as_object(require(obj, key, where), where, key)


def read_list(obj: JsonObject, key: str, where: Where) -> list[Any]:
    value = require(obj, key, where)
    if not isinstance(value, list):
        raise where.error(key, f"wrong type: expected a list, got {describe(value)}")
    return value


def read_str(obj: JsonObject, key: str, where: Where) -> str:
    value = require(obj, key, where)
    if not isinstance(value, str):
        raise where.error(key, f"wrong type: expected a string, got {describe(value)}")
    return value


def read_optional_str(obj: JsonObject, key: str, where: Where, *, required: bool = False) -> str | None:
    """A string or null; absent is allowed unless `required` (Admin API keys are required, possibly null)."""
    value = require(obj, key, where) if required else obj.get(key)
    if value is not None and not isinstance(value, str):
        raise where.error(key, f"wrong type: expected a string or null, got {describe(value)}")
    return value


def read_count(obj: JsonObject, key: str, where: Where, *, what: str = "token count") -> int:
    """A non-negative JSON integer (token and request counts)."""
    value = require(obj, key, where)
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(key, f"wrong type: expected an integer, got {describe(value)}")
    if value < 0:
        raise where.error(key, f"negative {what} ({value})")
    return value


def read_cost(obj: JsonObject, key: str, where: Where, *, required: bool = True) -> float | None:
    """A finite, non-negative JSON number; None when absent and not required (`ccusage --no-cost`)."""
    if key not in obj and not required:
        return None
    value = require(obj, key, where)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.error(key, f"wrong type: expected a number, got {describe(value)}")
    if not math.isfinite(value):
        raise where.error(key, f"not a finite number ({value})")
    if value < 0:
        raise where.error(key, f"negative cost ({value})")
    return float(value)


def parse_day(text: str, where: Where, key: str) -> date:
    """An ISO date `YYYY-MM-DD`."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise where.error(key, f'not a date YYYY-MM-DD ("{text}")') from None


def parse_month(text: str, where: Where, key: str) -> date:
    """A month `YYYY-MM`, as its first day."""
    try:
        if len(text) != 7:
            raise ValueError(text)
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise where.error(key, f'not a month YYYY-MM ("{text}")') from None


def read_timestamp(obj: JsonObject, key: str, where: Where) -> datetime:
    """An RFC 3339 timestamp with a time zone (`2026-08-01T00:00:00Z`)."""
    text = read_str(obj, key, where)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise where.error(key, f'not an RFC 3339 timestamp ("{text}")') from None
    if moment.tzinfo is None:
        raise where.error(key, f'timestamp without a time zone ("{text}")')
    return moment
