"""How much of a calendar month a history covers, and the scale from what was seen to an average month.

Usage depends on how many working days a month has (21 in August 2026, 22 in September) and on weekend
traffic, which differs by subject (engineers rarely work weekends; a search feature runs every day). Both
are removed by measuring observed time in *effective days* = weekdays + w x weekend days, where w is the
subject's weekend-to-weekday usage ratio, and scaling every month to the effective days of an average
month (365.2425 / 12 days, 5/7 of them weekdays). Full months then differ only by real change, which keeps
calendar noise out of growth and volatility; partial months scale to a whole month the same way.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

AVERAGE_MONTH_DAYS = 365.2425 / 12  # Gregorian mean month
AVERAGE_MONTH_WEEKDAYS = AVERAGE_MONTH_DAYS * 5 / 7
AVERAGE_MONTH_WEEKEND_DAYS = AVERAGE_MONTH_DAYS * 2 / 7


@dataclass(frozen=True)
class MonthSpan:
    """The part of one calendar month inside a subject's history."""

    month: str  # YYYY-MM
    observed_weekdays: int
    observed_weekend_days: int
    month_weekdays: int
    month_weekend_days: int
    weekend_weight: float  # the subject's weekend-day usage / weekday usage

    @property
    def observed_effective_days(self) -> float:
        return self.observed_weekdays + self.weekend_weight * self.observed_weekend_days

    @property
    def coverage(self) -> float:
        """Share of the month's effective days inside the history."""
        whole = self.month_weekdays + self.weekend_weight * self.month_weekend_days
        return self.observed_effective_days / whole if whole else 0.0

    @property
    def to_average_month(self) -> float:
        """Factor from the usage seen in this span to the usage of an average whole month."""
        average = AVERAGE_MONTH_WEEKDAYS + self.weekend_weight * AVERAGE_MONTH_WEEKEND_DAYS
        seen = self.observed_effective_days
        return average / seen if seen else 0.0


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_index(month: str) -> int:
    """Months since year 0 of a `YYYY-MM` key: consecutive months differ by one."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def months_between(first: date, last: date) -> list[tuple[str, date, date]]:
    """(YYYY-MM, first day, last day) of every calendar month from `first` to `last`."""
    out = []
    start = first.replace(day=1)
    while start <= last:
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        out.append((month_key(start), start, end))
        start = end + timedelta(days=1)
    return out


def weekdays_between(first: date, last: date) -> int:
    """Mon-Fri days from `first` to `last` inclusive."""
    return int(np.busday_count(first, last + timedelta(days=1))) if last >= first else 0


def spans(first: date, last: date, weekend_weight: float) -> list[MonthSpan]:
    """One span per calendar month of a history running from `first` to `last` inclusive."""
    out = []
    for key, start, end in months_between(first, last):
        lo, hi = max(start, first), min(end, last)
        seen_weekdays = weekdays_between(lo, hi)
        month_weekdays = weekdays_between(start, end)
        out.append(
            MonthSpan(
                month=key,
                observed_weekdays=seen_weekdays,
                observed_weekend_days=(hi - lo).days + 1 - seen_weekdays,
                month_weekdays=month_weekdays,
                month_weekend_days=(end - start).days + 1 - month_weekdays,
                weekend_weight=weekend_weight,
            )
        )
    return out


def weekend_weight(day_usage: Mapping[date, float], first: date, last: date, *, default: float) -> float:
    """Mean usage per weekend day / mean per weekday over the history (zero days included);
    `default` when the history has no weekday usage or no weekend day."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weekday = [day_usage.get(d, 0.0) for d in days if d.weekday() < 5]
    weekend = [day_usage.get(d, 0.0) for d in days if d.weekday() >= 5]
    if not weekend or not weekday or sum(weekday) <= 0:
        return default
    return float(np.mean(weekend) / np.mean(weekday))
