"""Expected value of (partial) perfect information of a decision, from per-trial costs.

A decision is one of D candidates (for example commitments on the cost curve); ``costs[d, n]`` is the
cost of candidate d in Monte Carlo trial n. Deciding now gives ``min_d mean_n costs[d, n]``.

- EVPI (every uncertain input known before deciding): ``min_d mean_n cost - mean_n min_d cost``.
- EVPPI of one input group with per-trial summary ``theta_n``: ``min_d E[cost_d] - E_theta[min_d
  E(cost_d | theta)]``. The inner conditional expectation is estimated by the regression method of
  Strong, Oakley and Brennan (2014), "Estimating multiparameter partial expected value of perfect
  information from a probabilistic sensitivity analysis sample: a nonparametric regression approach",
  Medical Decision Making 34(3):311-326: regress each candidate's per-trial cost on the group's summary
  with a smooth fit (here a degree-5 polynomial in the standardised summary, least squares), then average
  the per-trial minimum of the fitted values.

Ordinary least squares with an intercept keeps the mean of the fitted values equal to the mean of the
costs, so the "decide now" term is the same in both quantities and the estimate is >= 0 by Jensen
(mean of a minimum <= minimum of means). The estimate is capped at the sample EVPI, its theoretical
upper bound: a smooth fit may overshoot it only by fitting noise.

Pure NumPy: no random state, deterministic for given arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from forecasting.engine.commitment.rules import Period
from forecasting.engine.commitment.search import evaluate_commitments
from forecasting.engine.contract import ValueOfInformation
from forecasting.engine.inputs import ApiContract
from forecasting.engine.tolerances import NEGLIGIBLE_SD

FloatArray = NDArray[np.float64]

# Degree of the polynomial fit. Strong et al. use a GAM; a polynomial in one standardised summary is the
# cheap smooth stand-in (one least-squares solve of degree + 1 columns). Measured on the closed-form case of
# tests/engine/test_value_of_information.py (newsvendor cost, lognormal spend driver, 20,000 trials): a
# cubic under-estimates the exact EVPPI by 4% (it smooths the kink of the newsvendor cost), degree 5 is
# within 0.1%, and degree 5 on a group that does not affect spend still gives < 1e-4 of the EVPPI of one
# that does.
POLYNOMIAL_DEGREE = 5


def _check(costs: FloatArray) -> FloatArray:
    arr = np.asarray(costs, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"costs must be (decisions, trials) and non-empty, got shape {arr.shape}")
    return arr


def evpi(costs: FloatArray) -> float:
    """Expected value of perfect information on every input: dollars saved by knowing the trial."""
    arr = _check(costs)
    decide_now = float(arr.mean(axis=1).min())
    perfect = float(arr.min(axis=0).mean())
    return max(decide_now - perfect, 0.0)


def fitted_costs(costs: FloatArray, summary: FloatArray, degree: int = POLYNOMIAL_DEGREE) -> FloatArray:
    """Each candidate's cost regressed on the summary: (D, N) fitted E(cost_d | summary_n)."""
    arr = _check(costs)
    theta = np.asarray(summary, dtype=np.float64)
    if theta.shape != (arr.shape[1],):
        raise ValueError(f"summary must have one value per trial ({arr.shape[1]}), got shape {theta.shape}")
    sd = float(theta.std())
    if sd <= NEGLIGIBLE_SD:
        # The group does not vary: knowing it tells nothing, the fit is the mean.
        return np.repeat(arr.mean(axis=1, keepdims=True), arr.shape[1], axis=1)
    z = (theta - float(theta.mean())) / sd
    design = np.vander(z, degree + 1, increasing=True)  # (N, degree + 1), first column the intercept
    coef, *_ = np.linalg.lstsq(design, arr.T, rcond=None)  # (degree + 1, D)
    return np.asarray((design @ coef).T, dtype=np.float64)


def evppi(costs: FloatArray, summary: FloatArray, degree: int = POLYNOMIAL_DEGREE) -> float:
    """Expected value of partial perfect information of one group, given its per-trial summary."""
    arr = _check(costs)
    fitted = fitted_costs(arr, summary, degree)
    decide_now = float(fitted.mean(axis=1).min())
    partial = float(fitted.min(axis=0).mean())
    return min(max(decide_now - partial, 0.0), evpi(arr))


# The candidate commitments: every period's recommended commitment times each factor (0: no commitment).
# A grid of 0 to 2x in steps of 0.1 brackets the optimum of any trial whose spend is within 2x of the
# forecast's, which is where the commitment decision has value; 21 settlements of the samples.
CANDIDATE_FACTORS = tuple(round(0.1 * k, 1) for k in range(21))

# The groups whose per-trial draws the API path keeps (api_path.ApiBlock.group_draws rows), with what
# knowing them means. Seat-path draws (usage intensity, plan capacity, headcount, adoption) are not kept.
GROUPS = (
    ("growth", "Monthly traffic growth of the API features (spend-weighted), known before signing"),
    ("tokens_per_request", "Tokens per request of the API features (spend-weighted), known before signing"),
)


def candidate_costs(
    period_spend_usd: FloatArray,
    periods: Sequence[Period],
    api_contract: ApiContract,
    recommended_usd: Sequence[float],
) -> FloatArray:
    """(D, N) per-trial API term cost of each candidate: the recommendation scaled by CANDIDATE_FACTORS."""
    rows = [
        evaluate_commitments(period_spend_usd, periods, api_contract, [factor * c for c in recommended_usd])[
            0
        ]
        for factor in CANDIDATE_FACTORS
    ]
    return np.asarray(np.stack(rows), dtype=np.float64)


def value_of_information(
    period_spend_usd: FloatArray,
    periods: Sequence[Period],
    api_contract: ApiContract,
    recommended_usd: Sequence[float],
    group_draws: FloatArray | None,
) -> list[ValueOfInformation]:
    """EVPPI of each kept group for the API commitment, largest first.

    docs/decisions.md#value-of-information.
    """
    if group_draws is None:
        return []
    costs = candidate_costs(period_spend_usd, periods, api_contract, recommended_usd)
    rows: list[ValueOfInformation] = [
        {"group": name, "description": text, "evppi": evppi(costs, group_draws[i])}
        for i, (name, text) in enumerate(GROUPS)
    ]
    rows.append(
        {
            "group": "all",
            "description": "Every uncertain input known before signing (the EVPI)",
            "evppi": evpi(costs),
        }
    )
    return sorted(rows, key=lambda r: -r["evppi"])
