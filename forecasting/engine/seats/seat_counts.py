"""Annual seat counts: a newsvendor on monthly seat demand (docs/decisions.md#seats-per-team),
computed without Monte Carlo.

Demand for plan k in month t is the number of active engineers in k's bands. Given the end headcount,
D_t ~ Binomial(round(H_t), a_t * share_k) exactly (band membership and activity are independent). The
headcount draw is integrated by Gauss-Hermite quadrature; the binomial is taken as normal with a
continuity correction (P(D > N) = Phi((E D - N - 1/2) / sd)), which needs a few hundred ndtr calls per
plan where the exact binomial tail costs ~0.7 us a value here. The bisection runs on the normal; its answer
is then checked against the exact binomial tail (scipy's bdtrc) at the boundary and moved one seat at a
time until it is the exact optimum (usually two exact evaluations), so near-ties come out as the exact
binomial newsvendor would choose them.

N annual seats held for a window W of months cost sum_t [N p_ann + p_mon E(D_t - N)^+]; one more seat
pays while p_mon * sum_t P(D_t > N) > |W| p_ann, so the optimum is the smallest N with
sum_t P(D_t > N) <= |W| p_ann / p_mon (a convex integer problem: bisection).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import hermite_e
from scipy import special

from forecasting.engine.arrays import FloatArray
from forecasting.engine.inputs import TeamInput
from forecasting.engine.seats.model import PlanTerms, adoption_path, month_ramp

# Gauss-Hermite nodes over the end-headcount draw (exact for a polynomial of degree 47), probabilities.
HEADCOUNT_NODES, _hermite_weights = hermite_e.hermegauss(24)
HEADCOUNT_WEIGHTS = _hermite_weights / _hermite_weights.sum()


@dataclass(frozen=True)
class DemandModel:
    """Headcount quadrature: engineers round(H_t) per node (Q, T), node probabilities (Q,), adoption (T,)."""

    engineers: FloatArray
    node_weights: FloatArray
    adoption: FloatArray


def demand_model(team: TeamInput, months: int) -> DemandModel:
    if team.headcount_sd > 0:
        nodes, weights = HEADCOUNT_NODES, HEADCOUNT_WEIGHTS
    else:
        nodes, weights = np.zeros(1), np.ones(1)
    end = team.headcount_end * np.exp(team.headcount_sd * nodes)
    engineers = np.rint(
        team.headcount_now + (end[:, None] - team.headcount_now) * month_ramp(months)[None, :]
    )
    return DemandModel(engineers, weights, adoption_path(team, months))


def _moments(model: DemandModel, share: float, months: slice) -> tuple[FloatArray, FloatArray]:
    p = model.adoption[months] * share
    mean = model.engineers[:, months] * p[None, :]
    return mean, np.sqrt(mean * (1.0 - p)[None, :])


def _tail(mean: FloatArray, sd: FloatArray, seats: float) -> FloatArray:
    """P(D > seats) per node and month, normal with continuity correction (exact when sd = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (mean - seats - 0.5) / sd
    return np.where(sd > 0, special.ndtr(z), (mean > seats).astype(float))


def expected_tail_months(model: DemandModel, share: float, months: slice, seats: int) -> float:
    """sum over the window of P(D_t > seats): expected months in which demand exceeds `seats`."""
    mean, sd = _moments(model, share, months)
    return float(np.einsum("q,qt->", model.node_weights, _tail(mean, sd, seats)))


def exact_tail_months(model: DemandModel, share: float, months: slice, seats: int) -> float:
    """sum over the window of P(D_t > seats) with D_t ~ Binomial(round(H_t), a_t share) exactly."""
    engineers = model.engineers[:, months].astype(np.int64)
    p = np.broadcast_to(np.clip(model.adoption[months] * share, 0.0, 1.0)[None, :], engineers.shape)
    above = engineers > seats  # bdtrc is undefined (nan) where seats >= n; P(D > seats) is 0 there
    tail = np.zeros(engineers.shape)
    tail[above] = special.bdtrc(seats, engineers[above], p[above])
    return float(np.einsum("q,qt->", model.node_weights, tail))


def newsvendor_seats(model: DemandModel, plan: PlanTerms, share: float, months: slice) -> int:
    """The cost-minimising number of annual seats for one window (0 when annual seats save nothing)."""
    if plan.annual_monthly_usd is None or share <= 0 or plan.monthly_usd <= 0:
        return 0
    window = len(range(*months.indices(model.adoption.size)))
    allowance = window * plan.annual_monthly_usd / plan.monthly_usd
    lo, hi = 0, int(model.engineers[:, months].max())
    while lo < hi:  # smallest N with expected_tail_months(N) <= allowance
        mid = (lo + hi) // 2
        if expected_tail_months(model, share, months, mid) <= allowance:
            hi = mid
        else:
            lo = mid + 1
    # The exact optimum: the smallest N with the exact tail within the allowance (the tail falls with N).
    while lo > 0 and exact_tail_months(model, share, months, lo - 1) <= allowance:
        lo -= 1
    while exact_tail_months(model, share, months, lo) > allowance:
        lo += 1
    return lo


def expected_excess(model: DemandModel, share: float, months: slice, floor: float) -> float:
    """Mean over the window of E[(D_t - floor)^+], D_t normal (sum_x P(D >= x) by midpoints: no shift)."""
    mean, sd = _moments(model, share, months)
    gap = mean - floor
    with np.errstate(divide="ignore", invalid="ignore"):
        z = gap / sd
        excess = sd * np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi) + gap * special.ndtr(z)
    excess = np.where(sd > 0, excess, np.maximum(mean - floor, 0.0))
    return float(np.einsum("q,q->", model.node_weights, excess.mean(axis=1)))


def expected_demand(model: DemandModel, share: float, months: slice) -> FloatArray:
    """E[D_t] per month of the window."""
    mean, _ = _moments(model, share, months)
    return np.asarray(np.einsum("q,qt->t", model.node_weights, mean))
