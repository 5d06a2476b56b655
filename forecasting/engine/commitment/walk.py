"""Around the optimum: the recommended range and the walk-away points (docs/decisions.md#negotiation).

All of them are read off the same settlement as the optimum (`Book`), on all trials. A period's
commitment moves as it does on the cost curve: every period together when one commitment covers the term
(no ramp), the period alone, the others held at the recommendation, when ramps are allowed. The expected
cost compared is always the whole term's API cost, so rollover into later periods is counted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from forecasting.engine.arrays import FloatArray, TrialsByPeriod
from forecasting.engine.commitment.rules import Period, Rules, resolve
from forecasting.engine.commitment.settlement import Book, CommitmentPoint
from forecasting.engine.inputs import ApiContract

RANGE_TOLERANCE = 0.0025  # issue 14: "every commitment whose expected cost is within 0.25% of the optimum"
SCAN_POINTS = 64  # grid scanned from the optimum outwards before bisecting the first crossing
BISECTION_STEPS = 60  # halvings of the bracket: below a cent on any realistic commitment
DISCOUNT_STEPS = 50  # halvings of [0, discount] for the least discount


@dataclass(frozen=True)
class PeriodRange:
    index: int
    low: CommitmentPoint
    high: CommitmentPoint
    recommended: CommitmentPoint


@dataclass(frozen=True)
class PeriodWalkAway:
    index: int
    band_floor_usd: float | None
    above_list_usd: float | None


@dataclass(frozen=True)
class Surroundings:
    ranges: tuple[PeriodRange, ...]
    walk_away: tuple[PeriodWalkAway, ...]
    least_discount: float | None


def surroundings(
    period_spend_usd: TrialsByPeriod,
    periods: Sequence[Period],
    contract: ApiContract,
    commitments_usd: Sequence[float],
    *,
    tolerance: float = RANGE_TOLERANCE,
) -> Surroundings:
    """The recommended range per period, the walk-away points and the least discount that still pays.

    `commitments_usd` is the recommendation as reported (a short last period prorated). The range is the
    contiguous stretch around it where the term's expected API cost stays within (1 + tolerance) of the
    recommendation's, under the contract (its unused-probability limit included: beyond it a commitment
    cannot be signed). The walk-away commitment is the first one above the recommendation at which the
    expected cost reaches that of paying list (no commitment); the limit is ignored there, since it asks
    only what committing costs.
    """
    spend, rules = resolve(period_spend_usd, periods, contract)
    book = Book(spend, rules)
    free = Book(spend, replace(rules, max_unused_probability=None))
    y = np.asarray(commitments_usd, dtype=np.float64) / rules.ratios
    best = book.expected_cost(y)
    list_cost = free.expected_cost(np.zeros_like(y))
    threshold = best + tolerance * abs(best)
    groups = [list(range(len(y)))] if not rules.ramp else [[p] for p in range(len(y))]
    ranges: list[PeriodRange] = []
    walk: list[PeriodWalkAway] = []
    for group in groups:
        move, start = _mover(y, group), float(y[group[0]])
        top = _top(book, y, group, list_cost)

        def over(v: float, move: Callable[[float], FloatArray] = move) -> bool:
            return book.expected_cost(move(v)) > threshold

        def dearer_than_list(v: float, move: Callable[[float], FloatArray] = move) -> bool:
            return free.expected_cost(move(v)) >= list_cost

        low, high = _crossing(over, start, 0.0, rules), _crossing(over, start, top, rules)
        above = _crossing(dearer_than_list, start, top, rules) if start > 0.0 else None
        low_out, high_out, here = book.settle(move(low)), book.settle(move(high)), book.settle(y)
        for p in group:
            ranges.append(PeriodRange(p, low_out.point(p), high_out.point(p), here.point(p)))
            k = book.band(float(y[p]))
            floor = float(rules.floors_usd[k]) * float(rules.ratios[p])
            walk.append(
                PeriodWalkAway(
                    p,
                    floor if float(rules.discounts[k]) > 0.0 else None,
                    None if above is None else above * float(rules.ratios[p]),
                )
            )
    return Surroundings(
        tuple(sorted(ranges, key=lambda r: r.index)),
        tuple(sorted(walk, key=lambda w: w.index)),
        _least_discount(spend, rules, y, list_cost),
    )


def _mover(y: FloatArray, group: list[int]) -> Callable[[float], FloatArray]:
    """The plan with the group's commitments set to v (full-period equivalents)."""

    def move(v: float) -> FloatArray:
        z = y.copy()
        z[group] = v
        return z

    return move


def _top(book: Book, y: FloatArray, group: list[int], list_cost: float) -> float:
    """A commitment beyond which the group's commitments alone cost more than paying list."""
    ratios = float(book.rules.ratios[group].sum())
    return max(2.0 * float(y[group[0]]), list_cost / ratios * 1.01, 1.0)


def _crossing(exceeds: Callable[[float], bool], start: float, end: float, rules: Rules) -> float:
    """The last commitment from `start` towards `end` before `exceeds` first holds (`start` must not).

    A grid from start to end, with both sides of every band floor in between, finds the first grid
    point that exceeds; bisection between it and the grid point before narrows the crossing. Returns
    `end` when nothing on the way exceeds.
    """
    if start == end:
        return start
    lo, hi = sorted((start, end))
    floors = [float(f) for f in rules.floors_usd if lo < f < hi]
    below = [math.nextafter(f, -math.inf) for f in floors]
    grid = np.unique(np.concatenate([np.linspace(lo, hi, SCAN_POINTS), floors, below]))
    if end < start:
        grid = grid[::-1]
    previous = start
    for v in grid[1:]:
        if exceeds(float(v)):
            inside, outside = previous, float(v)
            for _ in range(BISECTION_STEPS):
                mid = 0.5 * (inside + outside)
                if mid in (inside, outside):
                    break
                if exceeds(mid):
                    outside = mid
                else:
                    inside = mid
            return inside
        previous = float(v)
    return end


def _least_discount(spend: FloatArray, rules: Rules, y: FloatArray, list_cost: float) -> float | None:
    """The least discount, on every band, at which the plan y still costs no more than paying list."""
    if not np.any(y > 0.0):
        return None
    discount = max(float(rules.discounts[np.searchsorted(rules.floors_usd, v, side="right") - 1]) for v in y)

    def cost(d: float) -> float:
        flat = replace(rules, floors_usd=np.zeros(1), discounts=np.array([d]), max_unused_probability=None)
        return Book(spend, flat).expected_cost(y)

    if cost(discount) > list_cost:
        return None  # the plan does not beat list even at its own discount
    low, high = 0.0, discount
    for _ in range(DISCOUNT_STEPS):
        mid = 0.5 * (low + high)
        if cost(mid) > list_cost:
            low = mid
        else:
            high = mid
    return high
