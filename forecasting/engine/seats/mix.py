"""The recommended plan mix: each engineer on the cheapest plan for their persistent level
(docs/decisions.md#seats-per-team).

The lower envelope of C_k(zeta) over the allowed plans splits the zeta line into bands; band edges are
the break-even levels, found on a grid and refined by Brent's method, and a plan's share is the standard
normal mass of its bands. A plan cheapest only on an interval narrower than the grid step is still found:
every refined edge is checked against all plans and split where a third plan is cheaper there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from forecasting.engine.seats.costs import MonthMoments, plan_cost
from forecasting.engine.seats.model import PlanTerms
from forecasting.engine.tolerances import RELATIVE_TIE

ZETA_LIMIT = 8.0  # beyond |zeta| = 8 lies 1e-15 of the engineers: the envelope is not searched there
ZETA_GRID_STEP = 0.05  # narrower bands are still found: see the module docstring
EDGE_TOLERANCE = 1e-13  # Brent's xtol on zeta: costs at an edge agree to ~1e-12 relative
REFINE_POINTS = 33  # a grid step split 32 ways before Brent's method


@dataclass(frozen=True)
class Bands:
    """Contiguous zeta bands: band b is (edges[b], edges[b+1]) and goes to plan index plans[b]."""

    edges: tuple[float, ...]  # -inf, interior break-evens ascending, +inf
    plans: tuple[int, ...]  # index into the team's allowed plans

    def shares(self, plan_count: int) -> tuple[float, ...]:
        mass = np.diff(special.ndtr(np.array(self.edges)))
        out = np.zeros(plan_count)
        np.add.at(out, np.array(self.plans, dtype=np.intp), mass)
        return tuple(float(x) for x in out)

    def segments(self, plan: int) -> list[tuple[float, float]]:
        return [(self.edges[b], self.edges[b + 1]) for b, k in enumerate(self.plans) if k == plan]


def cheapest_bands(terms: tuple[PlanTerms, ...], moments: MonthMoments) -> Bands:
    """Bands of the lower envelope of the plans' cost per engineer-month as functions of zeta."""
    if moments.shape.persistent_sd == 0.0:  # every engineer alike: one plan for all
        costs = [float(plan_cost(np.zeros(1), p, moments)[0]) for p in terms]
        return Bands((-math.inf, math.inf), (int(np.argmin(costs)),))
    grid = np.arange(-ZETA_LIMIT, ZETA_LIMIT + ZETA_GRID_STEP / 2, ZETA_GRID_STEP)
    cheapest = np.argmin(np.stack([plan_cost(grid, p, moments) for p in terms]), axis=0)
    edges: list[float] = [-math.inf]
    plans: list[int] = [int(cheapest[0])]
    for i in np.flatnonzero(cheapest[1:] != cheapest[:-1]):
        a, b = int(cheapest[i]), int(cheapest[i + 1])
        for edge, plan in _refine(terms, moments, float(grid[i]), float(grid[i + 1]), a, b):
            edges.append(edge)
            plans.append(plan)
    edges.append(math.inf)
    return Bands(tuple(edges), tuple(plans))


def _cost_at(terms: tuple[PlanTerms, ...], moments: MonthMoments, plan: int, zeta: float) -> float:
    return float(plan_cost(np.array([zeta]), terms[plan], moments)[0])


def _refine(
    terms: tuple[PlanTerms, ...], moments: MonthMoments, lo: float, hi: float, a: int, b: int
) -> list[tuple[float, int]]:
    """Edges in (lo, hi) where the cheapest plan goes from `a` to `b`, with the plan after each edge."""
    # A finer grid first (one vectorised call each), so Brent's method starts from a tight bracket.
    grid = np.linspace(lo, hi, REFINE_POINTS)
    gaps = plan_cost(grid, terms[a], moments) - plan_cost(grid, terms[b], moments)
    i = int(np.flatnonzero(np.sign(gaps[1:]) != np.sign(gaps[:-1]))[0]) if gaps[0] * gaps[-1] < 0 else 0
    inner_lo, inner_hi = (float(grid[i]), float(grid[i + 1])) if gaps[0] * gaps[-1] < 0 else (lo, hi)

    def gap(z: float) -> float:
        return _cost_at(terms, moments, a, z) - _cost_at(terms, moments, b, z)

    edge = float(optimize.brentq(gap, inner_lo, inner_hi, xtol=EDGE_TOLERANCE, rtol=4 * np.finfo(float).eps))
    costs = np.array([_cost_at(terms, moments, k, edge) for k in range(len(terms))])
    c = int(np.argmin(costs))
    if c in (a, b) or costs[c] >= costs[a] * (1 - RELATIVE_TIE):
        return [(edge, b)]
    return _refine(terms, moments, lo, edge, a, c) + _refine(terms, moments, edge, hi, c, b)
