"""The level-shift guard's false-alarm rate and power by simulation (docs/quality.md#usage-fits).

Each replication draws a team from `generate.daily_usage` (daily usage from the engine's model, built
into the importer's engineer-months) and runs the team scan `level_shift.team_level_shift`; the rate of
shifts found is a binomial proportion, reported with its standard error sqrt(p (1 - p) / n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from procurement.imports.level_shift import team_level_shift
from tests.imports.generate import Truth, daily_usage


@dataclass(frozen=True)
class GuardCase:
    label: str
    truth: Truth
    engineers: int
    months: int
    shifted: bool  # True: the rate is power; False: it is a false-alarm rate


# The stationary team (120 x 6, median 220, p90 900, persistence 0.7) and a 100-engineer team of
# the same usage, stationary, with the engine's team shock at 0.1, growing 5%/month, and with the task's
# 30% drop in the last 45 days; over 6 months and over 12.
TYPICAL = Truth(220.0, 900.0, 0.7)
GUARD_CASES = {
    "stationary_120x6": GuardCase("stationary, 120 engineers x 6 months", TYPICAL, 120, 6, False),
    "stationary_100x6": GuardCase("stationary, 100 engineers x 6 months", TYPICAL, 100, 6, False),
    "growing_100x6": GuardCase(
        "growing 5%/month, 100 x 6", Truth(220.0, 900.0, 0.7, growth=0.05), 100, 6, False
    ),
    "shock_100x6": GuardCase(
        "team shock 0.1 (AR(1) 0.7), 100 x 6", Truth(220.0, 900.0, 0.7, team_shock=0.1), 100, 6, False
    ),
    "drop30_100x6": GuardCase(
        "30% drop in the last 45 days, 100 x 6",
        Truth(220.0, 900.0, 0.7, shift_factor=0.7, shift_days_before_end=45),
        100,
        6,
        True,
    ),
    # 12 months: the team shock is estimated from the months before the scan's window and joins the null
    "stationary_100x12": GuardCase("stationary, 100 x 12", TYPICAL, 100, 12, False),
    "shock_100x12": GuardCase(
        "team shock 0.1 (AR(1) 0.7), 100 x 12", Truth(220.0, 900.0, 0.7, team_shock=0.1), 100, 12, False
    ),
    "drop30_100x12": GuardCase(
        "30% drop in the last 45 days, 100 x 12",
        Truth(220.0, 900.0, 0.7, shift_factor=0.7, shift_days_before_end=45),
        100,
        12,
        True,
    ),
}


@dataclass(frozen=True)
class Rate:
    found: int
    replications: int

    @property
    def rate(self) -> float:
        return self.found / self.replications

    @property
    def se(self) -> float:
        return math.sqrt(max(self.rate * (1 - self.rate), 1e-12) / self.replications)


def guard_rate(case: GuardCase, replications: int, seed: int) -> Rate:
    """Shifts found in `replications` teams drawn from `case` (seeded by [seed, replication])."""
    found = 0
    for r in range(replications):
        usage = daily_usage(
            np.random.default_rng([seed, r]), case.truth, engineers=case.engineers, months=case.months
        )
        shift = team_level_shift(
            usage.engineer_months(), name="t", first_day=usage.days[0], last_day=usage.days[-1]
        )
        found += bool(shift is not None and shift.found)
    return Rate(found, replications)
