"""Settling a commitment plan over the trials: cost, forfeited (unused) commitment and overage.

Per period p with list spend S (one value per trial) and commitment C with discount d(C): consumed =
(1 - d) S; the commitment plus any credit rolled over from period p - 1 is available; unused = (available
- consumed)+, of which the rollover share becomes credit for period p + 1 (the last period's is lost) and
the rest is forfeited; overage is (consumed - available)+ at the committed rate or (S - available /
(1 - d))+ at list. The period costs C + overage. Reported "unused" is the forfeited part
(docs/decisions.md#api-commitment-per-period: unused less rollover).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from forecasting.engine.arrays import FloatArray, PerPeriod, TrialsByPeriod
from forecasting.engine.commitment.rules import Rules
from forecasting.engine.tolerances import WHOLE_COUNT_ROUNDING


@dataclass(frozen=True)
class CommitmentPoint:
    commitment_usd: float
    discount: float
    expected_cost_usd: float
    expected_unused_usd: float
    probability_unused: float
    expected_overage_usd: float
    p95_cost_usd: float


@dataclass(frozen=True)
class Outcome:
    """Per-period, per-trial settlement of one commitment plan; the arrays are the package's (P, n)."""

    commitments_usd: PerPeriod
    discounts: PerPeriod
    cost_usd: FloatArray  # (P, n)
    forfeited_usd: FloatArray  # (P, n)
    overage_usd: FloatArray  # (P, n)

    def point(self, p: int) -> CommitmentPoint:
        cost, forfeited = self.cost_usd[p], self.forfeited_usd[p]
        return CommitmentPoint(
            commitment_usd=float(self.commitments_usd[p]),
            discount=float(self.discounts[p]),
            expected_cost_usd=float(cost.mean()),
            expected_unused_usd=float(forfeited.mean()),
            probability_unused=float(np.count_nonzero(forfeited > 0.0) / cost.size),
            expected_overage_usd=float(self.overage_usd[p].mean()),
            p95_cost_usd=float(np.quantile(cost, 0.95)),
        )


class Book:
    """List spend per period and the contract: settles commitment plans over the trials.

    Built from the (n, P) spend of the convention; `spend` is its contiguous (P, n) working copy (one
    period's trials adjacent in memory), read only inside this package. In period p with available
    A = C + credit and consumed c = (1 - d) S, gap = c - A: overage is gap+ at the committed rate and
    gap+ / (1 - d) at list (= (S - A / (1 - d))+), unused is (-gap)+.
    """

    def __init__(self, spend: TrialsByPeriod, rules: Rules) -> None:
        self.spend: FloatArray = np.ascontiguousarray(spend.T)  # (P, n)
        self.rules = rules
        self.trials = spend.shape[0]
        self._consumed: dict[tuple[int, int], FloatArray] = {}
        self._floors = [float(f) for f in rules.floors_usd]
        limit = rules.max_unused_probability
        self.allowed_unused = (
            self.trials if limit is None else math.floor(limit * self.trials + WHOLE_COUNT_ROUNDING)
        )

    @property
    def periods(self) -> int:
        return int(self.spend.shape[0])

    def band(self, y: float) -> int:
        return bisect.bisect_right(self._floors, y) - 1  # scalar lookups: bisect beats numpy here

    def consumed(self, k: int, p: int) -> FloatArray:
        if (k, p) not in self._consumed:
            self._consumed[(k, p)] = (1.0 - self.rules.discounts[k]) * self.spend[p]
        return self._consumed[(k, p)]

    def gap(self, y: FloatArray, p: int, credit: FloatArray | None) -> tuple[int, FloatArray]:
        gap = self.consumed(self.band(float(y[p])), p) - self.rules.ratios[p] * y[p]
        if credit is not None:
            gap -= credit
        return self.band(float(y[p])), gap

    def carries(self, p: int) -> bool:
        return self.rules.rollover > 0.0 and p + 1 < self.spend.shape[0]

    def expected_cost(
        self, y: FloatArray, start: int = 0, credit: FloatArray | None = None, prefix_usd: float = 0.0
    ) -> float:
        """Expected term cost from period `start` on (given the credit entering it); inf if infeasible."""
        total = prefix_usd
        for p in range(start, self.spend.shape[0]):
            k, gap = self.gap(y, p, credit)
            if self._breaks_limit(gap, p):
                return math.inf
            overage_sum = float(np.maximum(gap, 0.0).sum())
            total += self.rules.ratios[p] * y[p] + overage_sum / self.trials * self._overage_factor(k)
            credit = self.rules.rollover * np.maximum(-gap, 0.0) if self.carries(p) else None
        return total

    def entering(self, y: FloatArray, q: int) -> tuple[FloatArray | None, float]:
        """Credit entering period q and the expected cost before it (both fixed while y[q] moves)."""
        credit, prefix = None, 0.0
        for p in range(q):
            k, gap = self.gap(y, p, credit)
            prefix += self.rules.ratios[p] * y[p] + float(np.maximum(gap, 0.0).mean()) * self._overage_factor(
                k
            )
            credit = self.rules.rollover * np.maximum(-gap, 0.0) if self.carries(p) else None
        return credit, prefix

    def settle(
        self, y: FloatArray, start: int = 0, stop: int | None = None, credit: FloatArray | None = None
    ) -> Outcome:
        """Per-trial cost, forfeited commitment and overage of periods start..stop-1."""
        stop = self.spend.shape[0] if stop is None else stop
        shape = (stop - start, self.trials)
        cost, forfeited, overage = np.empty(shape), np.empty(shape), np.empty(shape)
        for i, p in enumerate(range(start, stop)):
            k, gap = self.gap(y, p, credit)
            overage[i] = np.maximum(gap, 0.0) * self._overage_factor(k)
            unused = np.maximum(-gap, 0.0)
            credit = self.rules.rollover * unused if self.carries(p) else None
            forfeited[i] = unused if credit is None else unused - credit
            cost[i] = self.rules.ratios[p] * y[p] + overage[i]
        discounts = np.array([self.rules.discounts[self.band(float(v))] for v in y[start:stop]])
        return Outcome(self.rules.reported(y)[start:stop], discounts, cost, forfeited, overage)

    def _overage_factor(self, k: int) -> float:
        return 1.0 / (1.0 - float(self.rules.discounts[k])) if self.rules.at_list else 1.0

    def _breaks_limit(self, gap: FloatArray, p: int) -> bool:
        """P(forfeited > 0) above the limit; nothing is forfeited when all unused rolls over."""
        if self.allowed_unused >= self.trials or (self.rules.rollover == 1.0 and p + 1 < self.spend.shape[0]):
            return False
        return bool(np.count_nonzero(gap < 0.0) > self.allowed_unused)
