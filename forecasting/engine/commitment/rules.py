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

    def discount(self, y: float) -> float:
        return float(self.discounts[np.searchsorted(self.floors_usd, y, side="right") - 1])

    def band_bounds(self, y: float) -> tuple[float, float]:
        """The closed range of y sharing y's band."""
        k = int(np.searchsorted(self.floors_usd, y, side="right")) - 1
        upper = math.inf if k + 1 == len(self.floors_usd) else math.nextafter(self.floors_usd[k + 1], 0.0)
        return float(self.floors_usd[k]), upper

    def median_commitment(self, median_spend_usd: float) -> float:
        """(1 - d) x median list spend, with the highest band whose floor it reaches."""
        committed = [(1.0 - d) * median_spend_usd for d in self.discounts]
        qualifying = [c for c, floor in zip(committed, self.floors_usd, strict=True) if c >= floor]
        return qualifying[-1] if qualifying else 0.0


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
    )
    return spend, rules
