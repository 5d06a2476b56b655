"""The contract rules of an API commitment: periods, discount bands, rollover, overage and the unused cap.

`resolve` checks the spend and the contract and returns `Rules`, the contract resolved against the
periods; everything else in the package reads the contract through it. Commitments are full-period
equivalents y (C_p = y * months_p / period_months), so the band of y against the full floors is the band
of C_p against the floors prorated for a short last period (docs/decisions.md#api-commitment-per-period).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecasting.engine.arrays import FloatArray, PerPeriod, TrialsByPeriod
from forecasting.engine.inputs import ApiContract

# A value within this relative distance of a grid point is that grid point (float rounding of y x ratio).
GRID_SNAP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Period:
    index: int
    start_month: int  # 0-based offset in the term
    months: int


def contract_periods(term_months: int, period_months: int) -> tuple[Period, ...]:
    """Consecutive commitment periods of `period_months` covering the term; the last may be shorter."""
    if term_months < 1 or period_months < 1:
        raise ValueError("term_months and period_months must be >= 1")
    starts = range(0, term_months, period_months)
    return tuple(Period(i, s, min(period_months, term_months - s)) for i, s in enumerate(starts))


@dataclass(frozen=True, kw_only=True)
class Rules:
    """The contract resolved against the periods; commitments are full-period equivalents."""

    floors_usd: FloatArray  # (bands,) ascending floors of a full period, the first 0
    discounts: FloatArray  # (bands,)
    ratios: PerPeriod  # months of each period / period months
    at_list: bool  # overage billed at list (else at the committed rate)
    rollover: float  # share of unused commitment credited to the next period
    max_unused_probability: float | None
    ramp: bool  # a different commitment per period is allowed
    grid_usd: float | None = None  # commitments are whole multiples of it; None: any amount

    def units(self) -> FloatArray:
        """The grid step of each period's full-period equivalent y, or zeros without a grid.

        With ramps each period signs its own amount C_p = ratio_p x y_p, so y_p steps by grid / ratio_p;
        without ramps the one full-period commitment y is signed and steps by the grid (a short last
        period commits its prorated share of it).
        """
        if self.grid_usd is None:
            return np.zeros(len(self.ratios))
        if self.ramp:
            return self.grid_usd / self.ratios
        return np.full(len(self.ratios), self.grid_usd)

    def snap(self, value: float, unit: float, *, up: bool) -> float:
        """The grid point at or below (at or above, `up`) `value`; `value` itself without a grid."""
        if unit == 0.0:
            return value
        steps = value / unit
        return float(math.ceil(steps) if up else math.floor(steps)) * unit

    def on_grid(self, value: float, unit: float) -> list[float]:
        """The grid points either side of `value` (one when it is on the grid); `[value]` without a grid."""
        if unit == 0.0:
            return [value]
        return sorted({self.snap(value, unit, up=False), self.snap(value, unit, up=True)})

    def reported(self, y: FloatArray) -> FloatArray:
        """The period commitments C_p = ratio_p x y_p as signed: on a grid, exactly the grid multiple they
        are up to the float rounding of y_p x ratio_p."""
        commitments = self.ratios * y
        if self.grid_usd is None:
            return commitments
        steps = commitments / self.grid_usd
        nearest = np.round(steps)
        exact = np.abs(steps - nearest) <= GRID_SNAP_TOLERANCE * np.maximum(1.0, np.abs(steps))
        return np.where(exact, nearest * self.grid_usd, commitments)

    def discount(self, y: float) -> float:
        return float(self.discounts[np.searchsorted(self.floors_usd, y, side="right") - 1])

    def band_bounds(self, y: float) -> tuple[float, float]:
        """The closed range of y sharing y's band."""
        k = int(np.searchsorted(self.floors_usd, y, side="right")) - 1
        upper = math.inf if k + 1 == len(self.floors_usd) else math.nextafter(self.floors_usd[k + 1], 0.0)
        return float(self.floors_usd[k]), upper

    def covering_commitment(self, list_usd: float, unit: float = 0.0) -> float:
        """The baselines' one rule: the least commitment C that covers the list amount X at the discount C
        itself earns, C >= (1 - d(C)) X (docs/decisions.md#api-commitment-per-period).

        C / (1 - d(C)) rises with C, so the set of covering C is [C*, inf): C* = (1 - d) X in the band
        that holds it (the fixed point C = (1 - d(C)) X, unique when it exists), else the floor of the
        first band whose discount makes it cover X. On a grid (`unit` > 0) the least covering grid point
        is C* rounded up.
        """
        upper = [*(float(f) for f in self.floors_usd[1:]), math.inf]
        for floor, high, d in zip(self.floors_usd, upper, self.discounts, strict=True):
            needed = (1.0 - float(d)) * list_usd
            if needed < high:
                return self.snap(max(float(floor), needed), unit, up=True)
        raise AssertionError("the last band is unbounded")  # pragma: no cover


def resolve(
    period_spend_usd: TrialsByPeriod, periods: Sequence[Period], contract: ApiContract
) -> tuple[TrialsByPeriod, Rules]:
    """The spend as float64 (n, P) and the contract's rules; refuses what the rules cannot settle."""
    spend = np.asarray(period_spend_usd, dtype=np.float64)
    if spend.ndim != 2 or spend.shape[0] < 1 or spend.shape[1] != len(periods) or not len(periods):
        raise ValueError("period_spend_usd must have shape (trials, periods) with at least one of each")
    if not np.all(np.isfinite(spend)) or np.any(spend < 0.0):
        raise ValueError("period spend must be finite and >= 0")
    length = contract.commitment_period_months
    if length < 1 or any(p.months < 1 or p.months > length for p in periods):
        raise ValueError("every period needs 1..commitment_period_months months")
    floors = [b.min_commitment_usd for b in contract.discount_bands]
    discounts = [b.discount for b in contract.discount_bands]
    if not floors or any(b <= a for a, b in itertools.pairwise(floors)) or floors[0] < 0.0:
        raise ValueError("discount bands need strictly increasing floors >= 0")
    if any(not 0.0 <= d < 1.0 for d in discounts):
        raise ValueError("discounts must be in [0, 1)")
    if floors[0] > 0.0:  # below the lowest band there is no discount
        floors, discounts = [0.0, *floors], [0.0, *discounts]
    grid = contract.commitment_granularity_usd
    if grid is not None and not (math.isfinite(grid) and grid > 0.0):
        raise ValueError("commitment_granularity_usd must be > 0 (or None: any amount)")
    limit = contract.max_unused_probability
    if not 0.0 <= contract.rollover_share <= 1.0 or (limit is not None and not 0.0 <= limit <= 1.0):
        raise ValueError("rollover_share and max_unused_probability must be in [0, 1]")
    rules = Rules(
        floors_usd=np.array(floors),
        discounts=np.array(discounts),
        ratios=np.array([p.months / length for p in periods]),
        at_list=contract.overage == "list",
        rollover=contract.rollover_share,
        max_unused_probability=limit,
        ramp=contract.ramp_allowed,
        grid_usd=grid,
    )
    return spend, rules
