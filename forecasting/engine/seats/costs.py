"""Expected plan costs per active engineer-month in closed form
(docs/decisions.md#seats-per-team), no Monte Carlo.

Given the persistent level zeta, an engineer's log-usage in month t is normal up to the drift:
ln U = mu + sigma_p * zeta + t * ln(1 + D) + eta_t + sigma_t * nu. The decision approximates ln(1 + D)
by a normal (delta method: mean ln(1 + g) - g_sd^2 / (2 (1 + g)^2), sd g_sd / (1 + g)), so ln U | zeta is
normal in every month with variance vol^2 + sigma_t^2 + t^2 sd_L^2; eta_t is exactly N(0, vol^2) (the
AR(1) is stationary). Capacity is an independent lognormal, so E[(U - cap)^+] is Margrabe's formula
(the lognormal partial expectation with the two variances added). Months are weighted by expected
active engineers E[H_t] * a_t. The simulations use the exact ln(1 + D); only the decision uses the
normal approximation, and a decision is a policy: its cost is always measured by simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from forecasting.engine.arrays import FloatArray
from forecasting.engine.inputs import TeamInput
from forecasting.engine.seats.model import PlanTerms, UsageShape, adoption_path, month_ramp, usage_shape
from forecasting.engine.tolerances import NEGLIGIBLE_SD


@dataclass(frozen=True)
class MonthMoments:
    """Per month t: weight, log-usage mean shift t*E[L] and variance of the month-level log-shift."""

    shape: UsageShape
    weights: FloatArray  # (T,) expected active engineers, normalised to sum 1
    shift: FloatArray  # (T,) t * E[ln(1 + D)]
    month_variance: FloatArray  # (T,) vol^2 + sigma_t^2 + t^2 Var[ln(1 + D)]


def month_moments(team: TeamInput, months: int) -> MonthMoments:
    shape = usage_shape(team)
    expected_end = team.headcount_end * math.exp(team.headcount_sd**2 / 2)
    headcount = team.headcount_now + (expected_end - team.headcount_now) * month_ramp(months)
    weights = headcount * adoption_path(team, months)
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(months, 1.0 / months)
    growth = 1.0 + team.usage_growth
    log_drift_mean = math.log(growth) - team.usage_growth_sd**2 / (2 * growth**2)
    log_drift_sd = team.usage_growth_sd / growth
    t = np.arange(months, dtype=float)
    variance = team.usage_volatility**2 + shape.transient_sd**2 + (t * log_drift_sd) ** 2
    return MonthMoments(shape, weights, t * log_drift_mean, variance)


def expected_usage(zeta: FloatArray, moments: MonthMoments, *, zeta_variance: float = 0.0) -> FloatArray:
    """E[U | zeta] averaged over months; `zeta_variance` integrates part of zeta out (1: all of it)."""
    shape = moments.shape
    log_mean = shape.log_median + shape.persistent_sd * zeta[:, None] + moments.shift[None, :]
    variance = moments.month_variance + zeta_variance * shape.persistent_sd**2
    return np.asarray(np.einsum("zt,t->z", np.exp(log_mean + variance[None, :] / 2), moments.weights))


def expected_overflow(
    zeta: FloatArray, plan: PlanTerms, moments: MonthMoments, *, zeta_variance: float = 0.0
) -> FloatArray:
    """E[(U - cap)^+ | zeta] averaged over months (Margrabe: lognormal usage against lognormal capacity)."""
    if plan.usage_only:
        return expected_usage(zeta, moments, zeta_variance=zeta_variance)
    shape = moments.shape
    log_mean = shape.log_median + shape.persistent_sd * zeta[:, None] + moments.shift[None, :]
    usage_var = (moments.month_variance + zeta_variance * shape.persistent_sd**2)[None, :]
    total_sd = np.sqrt(usage_var + plan.capacity_sd**2)
    if float(total_sd.min()) <= NEGLIGIBLE_SD:  # nothing random left: the overflow itself
        partial = np.maximum(np.exp(log_mean) - plan.capacity_usd, 0.0)
    else:
        d1 = (log_mean - math.log(plan.capacity_usd) + usage_var) / total_sd
        capacity_mean = plan.capacity_usd * math.exp(plan.capacity_sd**2 / 2)
        usage_mean = np.exp(log_mean + usage_var / 2)
        partial = usage_mean * special.ndtr(d1) - capacity_mean * special.ndtr(d1 - total_sd)
    return np.asarray(np.einsum("zt,t->z", np.maximum(partial, 0.0), moments.weights))


def plan_cost(
    zeta: FloatArray, plan: PlanTerms, moments: MonthMoments, *, zeta_variance: float = 0.0
) -> FloatArray:
    """C_k(zeta) = p_k + lambda_k E[(U - cap_k)^+ | zeta] per active engineer-month, USD; lambda_k is the
    decision weight: blocked_usage_value for blocked usage, r for billed usage (1 unless it counts toward
    the API commitment, docs/decisions.md#seats-and-commitment-together)."""
    overflow = expected_overflow(zeta, plan, moments, zeta_variance=zeta_variance)
    return plan.seat_price_usd + plan.decision_weight * overflow


def single_plan_cost(plan: PlanTerms, moments: MonthMoments) -> float:
    """Expected cost per active engineer-month if every engineer were on `plan` (zeta integrated out)."""
    return float(plan_cost(np.zeros(1), plan, moments, zeta_variance=1.0)[0])
