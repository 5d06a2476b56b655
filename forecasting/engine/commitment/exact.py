"""The exact sample-average optimum without rollover (docs/decisions.md#api-commitment-per-period).

Without rollover the periods separate. Within a band the summed objective is convex piecewise linear in
the commitment, with kinks at the (1 - d) S sample points, so its minimum is a weighted sample quantile,
clamped to the band and to the largest commitment meeting `max_unused_probability`.
"""

from __future__ import annotations

import math

import numpy as np

from forecasting.engine.arrays import FloatArray
from forecasting.engine.commitment.settlement import Book
from forecasting.engine.tolerances import RELATIVE_TIE

# Relative slack on the optimality condition of the weighted quantile: a kink whose tail weight equals
# the threshold up to cumulative-sum rounding counts as optimal, so exact ties pick the smaller commitment.
QUANTILE_TIE_TOLERANCE = RELATIVE_TIE


def exact_candidates(book: Book, active: list[int]) -> list[float]:
    """Full-period commitments containing the exact no-rollover optimum of the `active` periods' sum.

    For a band with discount d the derivative of the summed objective in y is
    sum(r) - s * (sum over kinks above y of r_p / n), kinks at (1 - d) S_pi / r_p, s = 1 / (1 - d) at
    list and 1 at the committed rate: the minimum is the smallest kink where it turns >= 0, clamped to
    the band and to the unused-probability cap.
    """
    rules, n = book.rules, book.trials
    ratios = rules.ratios[active]
    levels = (book.spend[active] / ratios[:, None]).ravel()
    order = np.argsort(levels, kind="stable")
    levels = levels[order]
    cumulative = np.cumsum(np.repeat(ratios / n, n)[order])
    total, needed = float(cumulative[-1]), float(ratios.sum())
    candidates: list[float] = []
    for k, discount in enumerate(rules.discounts):
        low, high = rules.band_bounds(float(rules.floors_usd[k]))
        high = min(high, _unused_cap(book, active, k))
        if low > high:
            continue
        allowed = needed * (1.0 - discount) if rules.at_list else needed
        excess = total - allowed - QUANTILE_TIE_TOLERANCE * total
        best = low if excess <= 0.0 else (1.0 - discount) * levels[np.searchsorted(cumulative, excess)]
        candidates += [low, min(max(best, low), high)] + ([high] if math.isfinite(high) else [])
    return candidates


def _unused_cap(book: Book, active: list[int], k: int) -> float:
    """Largest y in band k with P(unused > 0) <= the limit in every active period (no rollover)."""
    m = book.allowed_unused
    if m >= book.trials:
        return math.inf
    consumed = np.array([np.partition(book.consumed(k, p), m)[m] for p in active])
    ratios = book.rules.ratios[active]
    cap = float(np.min(consumed / ratios))
    while np.any(ratios * cap > consumed):  # the settlement's rounding decides: step down to feasibility
        cap = math.nextafter(cap, -math.inf)
    return cap


def separable_optimum(book: Book, units: FloatArray | None = None) -> FloatArray:
    """Ramps without rollover: each period alone at its own exact optimum.

    With grid steps `units` (per period, full-period equivalents; 0 = any amount) each period takes the
    best of the grid points either side of its exact candidates: its best grid point, since the
    objective is convex within a band.
    """
    periods = book.periods
    y = np.zeros(periods)
    for p in range(periods):
        unit = 0.0 if units is None else float(units[p])
        candidates = [g for v in exact_candidates(book, [p]) for g in book.rules.on_grid(v, unit)]
        costs = [book.expected_cost(with_value(y, p, v), start=p) - _tail(book, y, p) for v in candidates]
        y[p] = candidates[int(np.argmin(costs))]
    return y


def _tail(book: Book, y: FloatArray, p: int) -> float:
    """Expected cost of the periods after p (constant while only y[p] moves and nothing rolls over)."""
    return book.expected_cost(y, start=p + 1) if p + 1 < book.periods else 0.0


def with_value(y: FloatArray, p: int, value: float) -> FloatArray:
    """A copy of the plan `y` with period p's commitment set to `value`."""
    changed = y.copy()
    changed[p] = value
    return changed
