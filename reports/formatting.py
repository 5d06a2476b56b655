"""Numbers and names as the brief shows them: `$1.24M`, `$850K`, `$1,240`, `12.5%`, `Jan 2027`.

Money is rounded only here, when shown (docs/result.md). Missing or non-finite numbers show as an em dash, so
a NaN standard error never reaches the page as "nan".
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from reports.fonts import drawable_codepoints

MISSING = "—"
MINUS = "−"  # U+2212, the typographic minus sign
REPLACEMENT = "\ufffd"
ELLIPSIS = "…"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SCALES = ((1e9, "B"), (1e6, "M"), (1e3, "K"))


def as_number(value: Any) -> float | None:
    """A finite float, or None for anything else (None, NaN, infinities, strings, booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _three_significant(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def money(value: Any) -> str:
    """USD for reading: whole dollars below $10,000, then three significant digits with K, M or B."""
    number = as_number(value)
    if number is None:
        return MISSING
    sign = MINUS if number < 0 and round(abs(number)) > 0 else ""
    amount = abs(number)
    if amount < 9_999.5:
        return f"{sign}${amount:,.0f}"
    # Smallest unit whose rounded figure stays below 1000: $999K, then $1.00M (never "$1000K").
    for scale, suffix in reversed(_SCALES):
        shown = _three_significant(amount / scale)
        if float(shown) < 1000 or suffix == "B":
            return f"{sign}${shown}{suffix}"
    raise AssertionError("unreachable: the last scale always returns")


def signable_money(value: Any) -> str:
    """USD to the dollar, for an amount to sign: a commitment is a whole amount on the scenario's grid
    (docs/decisions.md#api-commitment-per-period), so it is printed exactly, never rounded to $2.07M."""
    number = as_number(value)
    if number is None:
        return MISSING
    return f"{MINUS if number < 0 and round(abs(number)) > 0 else ''}${abs(number):,.0f}"


def money_tick(value: float) -> str:
    """Short USD for chart axes: `$0`, `$250K`, `$1.2M` (trailing zeros dropped)."""
    amount = abs(value)
    sign = MINUS if value < 0 else ""
    if amount < 1_000:
        return f"{sign}${amount:,.0f}" if amount >= 1 or amount == 0 else f"{sign}${amount:.2g}"
    for scale, suffix in _SCALES:
        if amount >= scale:
            shown = f"{amount / scale:.2f}".rstrip("0").rstrip(".")
            return f"{sign}${shown}{suffix}"
    raise AssertionError("unreachable")


def price(value: Any) -> str:
    """A unit price: `$17`, `$0.80`, `$656.25`."""
    number = as_number(value)
    if number is None:
        return MISSING
    if abs(number - round(number)) < 0.005:
        return f"${number:,.0f}"
    return f"${number:,.2f}"


def money_range(low: Any, high: Any) -> str:
    return f"{money(low)}–{money(high)}"


def percent(value: Any) -> str:
    """A share or probability: `15%`, `12.5%`, `0.5%`, `<0.1%` (never a misleading `0%` for a tiny risk)."""
    number = as_number(value)
    if number is None:
        return MISSING
    points = number * 100
    if points == 0:
        return "0%"
    if 0 < points < 0.05:
        return "<0.1%"
    if 99.95 <= points < 100:
        return ">99.9%"
    shown = f"{abs(points):.1f}".removesuffix(".0")
    return f"{MINUS if points < 0 else ''}{shown}%"


def signed_percent(value: Any) -> str:
    number = as_number(value)
    if number is None:
        return MISSING
    return percent(number) if number < 0 else f"+{percent(number)}"


def seats(value: Any) -> str:
    """A seat or engineer count: whole numbers as integers, expected values with one decimal."""
    number = as_number(value)
    if number is None:
        return MISSING
    if abs(number - round(number)) < 0.05:
        return f"{round(number):,d}"
    return f"{number:,.1f}"


def plain_number(value: Any) -> str:
    """A count such as trials: `20,000`."""
    number = as_number(value)
    if number is None:
        return MISSING
    return f"{number:,.0f}" if number == round(number) else f"{number:,.3g}"


def month(value: Any) -> str:
    """`2027-01` as `Jan 2027`; anything else is shown as given (cleaned)."""
    text = display_text(value, max_chars=20)
    year, _, number = text.partition("-")
    if year.isdigit() and number.isdigit() and 1 <= int(number) <= 12:
        return f"{_MONTHS[int(number) - 1]} {year}"
    return text


def _clean_char(char: str) -> str:
    if char.isspace():
        return " "
    category = unicodedata.category(char)
    if category == "Cf":  # format controls (bidi overrides, zero-width joiners, soft hyphen) are invisible
        return ""
    # Astral code points are replaced too: ReportLab's ToUnicode map cannot express them, so they would
    # not copy or extract as written.
    if category in ("Cc", "Cs", "Co", "Cn") or ord(char) > 0xFFFF or ord(char) not in drawable_codepoints():
        return REPLACEMENT
    return char


def display_text(value: Any, *, max_chars: int) -> str:
    """A user string as the brief shows it: printable, drawable, whitespace collapsed, at most `max_chars`.

    Control characters and characters the brief's font cannot draw become U+FFFD (a run of them one),
    invisible format characters (bidi overrides, joiners) are dropped, and a longer text is cut with an
    ellipsis. The result is plain text: callers still escape it before it enters Paragraph markup.
    """
    raw = "" if value is None else str(value)
    head = raw[: max_chars * 4 + 16]  # never walk a megabyte of text to show its first line
    cleaned: list[str] = []
    for char in head:
        shown = _clean_char(char)
        if shown and not (shown in (" ", REPLACEMENT) and cleaned and cleaned[-1] == shown):
            cleaned.append(shown)
    text = "".join(cleaned).strip()
    if len(text) > max_chars or len(head) < len(raw):
        text = text[: max_chars - 1].rstrip() + ELLIPSIS
    return text
