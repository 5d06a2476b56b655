"""Guards on imported history: too short, gaps, the last 30 days disagreeing with the rest, mixed formats.

The last-30-days test follows cloud commitment recommenders (docs/usage-import.md): when recent usage and the
whole history disagree, the lower level is offered, so stale or one-off highs do not inflate a commitment.
"Disagree" means both significant and material: a two-sided Welch t-test on log usage per active day
(last 30 days against the days before them) with p < 0.01, and a ratio of geometric means beyond 1.5x
either way. Usage per active day is lognormal across days (the engine's intensity model), so the test runs
on logs; requiring a material ratio keeps a long history from flagging trivial drifts.
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
RECENT_DAYS = 30  # docs/usage-import.md
RECENT_P_VALUE = 0.01  # significance of the recent-vs-earlier test (project choice, see module docstring)
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
    recent_disagrees: bool = False

    @property
    def short_history(self) -> bool:
        return self.history_days < MIN_HISTORY_DAYS

    @property
    def level_factor(self) -> float:
        """What the subject's months are multiplied by to use the lower level (1 unless recent is lower)."""
        if not self.recent_disagrees or not self.whole_usd_per_active_day:
            return 1.0
        return min(1.0, (self.recent_usd_per_active_day or 0.0) / self.whole_usd_per_active_day)


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
    """Plain-language warnings for short histories, gaps and disagreeing recent usage."""
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
        if c.recent_disagrees:
            warnings.append(_recent_warning(c))
    return warnings


def _recent_warning(c: HistoryCheck) -> str:
    recent = c.recent_usd_per_active_day or 0.0
    whole = c.whole_usd_per_active_day or 0.0
    lower = "the last 30 days" if recent < whole else "the whole history"
    return (
        f"{c.subject}: the last {RECENT_DAYS} days ({recent:,.2f} USD per active day) disagree with the "
        f"whole history ({whole:,.2f} USD per active day; p = {c.recent_p_value:.1g}); the fit uses the "
        f"lower level, {lower}"
    )


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
