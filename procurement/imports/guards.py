"""Guards on imported history: too short, gaps, a shift in the fitted subject's level, mixed formats.

The level-shift scan of a fitted subject (the stale-data guard) is `level_shift`.

The per-engineer last-30-days numbers (usage per active day, recent and whole, and a Welch t-test on
logs) stay in each `HistoryCheck` as information only: they change no fit and raise no warning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
from scipy import stats

from procurement.imports.records import ParsedUsageFile
from procurement.imports.subjects import SubjectHistory

MIN_HISTORY_DAYS = 60  # docs/usage-import.md
# Per-subject last-30-days comparison, kept as information (docs/usage-import.md#guards)
RECENT_DAYS = 30
RECENT_P_VALUE = 0.01  # significance of the recent-vs-earlier Welch test (project choice)
RECENT_RATIO = 1.5  # materiality: geometric-mean ratio beyond 1.5x either way (project choice)
MIN_ACTIVE_DAYS_PER_SIDE = 5  # fewer active days on either side: no test (too few to estimate a spread)
GAP_WEEKDAYS = 5  # a working week without usage is reported as a gap (project choice)
PAIRED_FORMATS = frozenset({"admin_usage", "admin_cost"})  # reconciled together by design, not a mix


@dataclass(frozen=True)
class HistoryCheck:
    """What the guards found about one subject's history."""

    subject: str
    kind: str
    first_day: date
    last_day: date
    history_days: int
    active_days: int | None  # None: the data are weekly or monthly
    gaps: tuple[tuple[date, date], ...] = ()
    whole_usd_per_active_day: float | None = None
    recent_usd_per_active_day: float | None = None
    recent_p_value: float | None = None
    recent_disagrees: bool = False  # information only: changes no fit and raises no warning

    @property
    def short_history(self) -> bool:
        return self.history_days < MIN_HISTORY_DAYS


def check_history(history: SubjectHistory) -> HistoryCheck:
    """Length, gaps and the last-30-days test for one subject."""
    check = HistoryCheck(
        subject=history.subject,
        kind=history.kind,
        first_day=history.first_day,
        last_day=history.last_day,
        history_days=history.history_days,
        active_days=None,
    )
    if not history.daily:
        return check
    day_costs = {day: cost for day, cost in history.day_costs_usd().items() if cost > 0}
    return _with_recent(
        replace(
            check, active_days=len(day_costs), gaps=_gaps(day_costs, history.first_day, history.last_day)
        ),
        day_costs,
    )


def _gaps(day_costs: dict[date, float], first: date, last: date) -> tuple[tuple[date, date], ...]:
    """Runs of at least GAP_WEEKDAYS weekdays without usage, as (first, last) weekday of the run."""
    gaps: list[tuple[date, date]] = []
    run: list[date] = []
    day = first
    while day <= last + timedelta(days=1):
        if day > last or day in day_costs:
            if len(run) >= GAP_WEEKDAYS:
                gaps.append((run[0], run[-1]))
            run = []
        elif day.weekday() < 5:
            run.append(day)
        day += timedelta(days=1)
    return tuple(gaps)


def _with_recent(check: HistoryCheck, day_costs: dict[date, float]) -> HistoryCheck:
    """The check with usage per active day, recent and whole, and the recent-vs-earlier test."""
    cut = check.last_day - timedelta(days=RECENT_DAYS - 1)
    recent = np.array([c for d, c in day_costs.items() if d >= cut])
    earlier = np.array([c for d, c in day_costs.items() if d < cut])
    check = replace(
        check,
        whole_usd_per_active_day=float(np.mean(list(day_costs.values()))) if day_costs else None,
        recent_usd_per_active_day=float(recent.mean()) if recent.size else None,
    )
    long_enough = (cut - check.first_day).days >= RECENT_DAYS
    if not long_enough or min(recent.size, earlier.size) < MIN_ACTIVE_DAYS_PER_SIDE:
        return check
    log_recent, log_earlier = np.log(recent), np.log(earlier)
    ratio = math.exp(float(log_recent.mean() - log_earlier.mean()))
    if np.ptp(log_recent) == 0 and np.ptp(log_earlier) == 0:  # no spread: the t-test is undefined
        p_value = 1.0 if ratio == 1 else 0.0
    else:
        p_value = float(stats.ttest_ind(log_recent, log_earlier, equal_var=False).pvalue)
    material = ratio > RECENT_RATIO or ratio < 1 / RECENT_RATIO
    return replace(check, recent_p_value=p_value, recent_disagrees=p_value < RECENT_P_VALUE and material)


def check_warnings(checks: Iterable[HistoryCheck]) -> list[str]:
    """Plain-language warnings for short histories and gaps (the per-subject recent level is information
    only: see the module docstring)."""
    warnings = []
    for c in checks:
        if c.short_history:
            warnings.append(
                f"{c.subject}: {c.history_days} days of history ({c.first_day} … {c.last_day}), fewer than "
                f"{MIN_HISTORY_DAYS}: its fit is rough"
            )
        for start, end in c.gaps:
            warnings.append(
                f"{c.subject}: no usage on any working day {start} … {end} (vacation, or missing data?); "
                "the months keep it as time without usage"
            )
    return warnings


def mix_warnings(files: Sequence[ParsedUsageFile]) -> list[str]:
    """A warning when one import mixes formats (Admin usage with its cost report is the expected pair)
    or ccusage reports of different granularity (daily with monthly)."""
    by_kind: dict[str, list[str]] = {}
    for f in files:
        kind = f"ccusage {f.report}" if f.format == "ccusage" else f.format
        by_kind.setdefault(kind, []).append(f.name)
    if len(by_kind) <= 1 or set(by_kind) == PAIRED_FORMATS:
        return []
    listed = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in sorted(by_kind.items()))
    return [f"the import mixes formats, check that nothing is counted twice ({listed})"]


def duplicate_warnings(histories: Iterable[SubjectHistory]) -> list[str]:
    """An engineer found in several files: usage is added (two machines), or a file was given twice."""
    return [
        f"{h.subject} appears in {len(h.files)} files ({', '.join(h.files)}): their usage is added together"
        for h in histories
        if h.kind == "engineer" and len(h.files) > 1
    ]
