"""Realistic usage generated from the engine's engineer-usage model (docs/model.md#seat-path), vectorised.

    log U_it = mu + t ln(1 + g) + eta_t + sigma (sqrt(w) zeta_i + sqrt(1 - w) nu_it)

U_it is engineer i's usage in an *average* month t (the unit the importer fits, `full_month_usd`), eta_t
the team's AR(1) shock (rho 0.7, sd `team_shock`, as the engine draws it). A calendar month with k
weekdays holds U_it k / AVERAGE_MONTH_WEEKDAYS, spread over its weekdays by mean-one log-normal day
weights (sd `day_sd`) normalised within the month, so the day noise never changes a month's total. A
level shift multiplies every day from `shift_day` on by `shift_factor` (so a month that straddles the
shift holds each part at its own level). Engineers work weekdays only and every engineer's history covers
the whole span (first day a weekday).

Two outputs of the same draw: `DailyUsage.files()` writes one `ccusage daily --json` file per engineer
(the full import pipeline: parsing, months, guards, fit), `DailyUsage.engineer_months()` builds the
importer's `EngineerMonth` rows directly (the same numbers, without JSON; what long simulations use).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from procurement.imports.calendar_span import (
    AVERAGE_MONTH_WEEKDAYS,
    month_index,
    month_key,
    spans,
)
from procurement.imports.months import EngineerMonth
from procurement.imports.team_fit import Z90
from tests.imports.builders import ccusage_daily

SONNET_USD_PER_TOKEN = 3e-6  # builders.ccusage_daily: uncached Sonnet 4.5 input, 3 USD per million
TEAM_SHOCK_RHO = 0.7  # docs/model.md#seat-path: the team shock's autocorrelation
DEFAULT_DAY_SD = 0.5  # day-to-day log sd of an engineer's usage inside a month (a judgement, not measured)


@dataclass(frozen=True)
class Truth:
    """The parameters a team was drawn from."""

    median: float
    p90: float
    persistence: float
    growth: float = 0.0
    team_shock: float = 0.0
    shift_factor: float = 1.0  # the level from shift_day on, relative to before
    shift_days_before_end: int | None = None  # the shift's first day counted back from the last day

    @property
    def sigma(self) -> float:
        return math.log(self.p90 / self.median) / Z90


@dataclass(frozen=True)
class DailyUsage:
    """Each engineer's list cost per weekday: `usd[i, d]` on `days[d]`."""

    days: tuple[date, ...]
    usd: NDArray[np.float64]  # (engineers, days)
    truth: Truth
    shift_day: date | None = None  # the first day at the shifted level

    @property
    def engineers(self) -> list[str]:
        return [f"eng-{i:03d}" for i in range(self.usd.shape[0])]

    def files(self) -> list[tuple[str, bytes]]:
        """(file name, content) of each engineer's `ccusage daily --json` file (whole tokens)."""
        tokens = np.rint(self.usd / SONNET_USD_PER_TOKEN).astype(np.int64)
        return [
            (f"{name}.daily.json", ccusage_daily(zip(self.days, (int(v) for v in row), strict=True)))
            for name, row in zip(self.engineers, tokens, strict=True)
        ]

    def engineer_months(self) -> list[EngineerMonth]:
        """The importer's engineer-months of these files, built without JSON (same spans, same sums;
        costs are the whole-token costs the files would carry)."""
        usd = np.rint(self.usd / SONNET_USD_PER_TOKEN) * SONNET_USD_PER_TOKEN
        keys = np.array([month_index(month_key(d)) for d in self.days])
        first, last = self.days[0], self.days[-1]
        out: list[EngineerMonth] = []
        month_spans = spans(first, last, 0.0)  # weekdays only: weekend weight 0, as the importer finds
        sums = {s.month: usd[:, keys == month_index(s.month)].sum(axis=1) for s in month_spans}
        counts = {s.month: int((keys == month_index(s.month)).sum()) for s in month_spans}
        for i, name in enumerate(self.engineers):
            for s in month_spans:
                out.append(
                    EngineerMonth(
                        engineer=name,
                        month=s.month,
                        cost_usd=float(sums[s.month][i]),
                        reported_cost_usd=float(sums[s.month][i]),
                        active_days=counts[s.month],
                        span=s,
                    )
                )
        return out


def month_starts(first: date, months: int) -> list[date]:
    starts = []
    year, month = first.year, first.month
    for _ in range(months + 1):
        starts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def team_shock_path(rng: np.random.Generator, sd: float, months: int) -> NDArray[np.float64]:
    """The engine's stationary AR(1) team shock: eta_0 = sd e_0,
    eta_t = rho eta_(t-1) + sqrt(1 - rho^2) sd e_t."""
    eta = np.zeros(months)
    if sd <= 0:
        return eta
    e = rng.standard_normal(months)
    eta[0] = sd * e[0]
    for t in range(1, months):
        eta[t] = TEAM_SHOCK_RHO * eta[t - 1] + math.sqrt(1 - TEAM_SHOCK_RHO**2) * sd * e[t]
    return eta


def daily_usage(
    rng: np.random.Generator,
    truth: Truth,
    *,
    engineers: int,
    months: int,
    first_month: date = date(2026, 1, 1),
    day_sd: float = DEFAULT_DAY_SD,
) -> DailyUsage:
    """Draw a team: `engineers` engineers over `months` whole calendar months from `first_month`."""
    starts = month_starts(first_month, months)
    all_days = [starts[0] + timedelta(days=k) for k in range((starts[-1] - starts[0]).days)]
    days = [d for d in all_days if d.weekday() < 5]
    month_of_day = np.array([(d.year - starts[0].year) * 12 + d.month - starts[0].month for d in days])
    weekdays_in_month = np.bincount(month_of_day, minlength=months)
    # Monthly usage of an average month, from the model
    w, sigma = truth.persistence, truth.sigma
    zeta = rng.standard_normal(engineers)
    nu = rng.standard_normal((engineers, months))
    eta = team_shock_path(rng, truth.team_shock, months)
    log_u = (
        math.log(truth.median)
        + np.arange(months) * math.log1p(truth.growth)
        + eta
        + sigma * (math.sqrt(w) * zeta[:, None] + math.sqrt(1 - w) * nu)
    )
    month_usd = np.exp(log_u) * weekdays_in_month / AVERAGE_MONTH_WEEKDAYS
    # Day weights: log-normal, normalised to sum to one within each engineer-month
    weights = np.exp(day_sd * rng.standard_normal((engineers, len(days))))
    totals = np.zeros((engineers, months))
    np.add.at(totals.T, month_of_day, weights.T)
    usd = month_usd[:, month_of_day] * weights / totals[:, month_of_day]
    shift = None
    if truth.shift_days_before_end is not None:
        shift = all_days[-1] - timedelta(days=truth.shift_days_before_end - 1)
        usd[:, np.array([d >= shift for d in days])] *= truth.shift_factor
    return DailyUsage(days=tuple(days), usd=usd, truth=truth, shift_day=shift)
