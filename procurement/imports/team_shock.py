"""The team shock (`usage_volatility`): the month-to-month swing every engineer of a team shares.

The engine (docs/model.md#seat-path) adds eta_t to the team's log level, a stationary AR(1) with
autocorrelation RHO = 0.7 and standard deviation v = usage_volatility. It is estimated in two stages:

1. Month effects: the random-effects model with one mean per month instead of a trend (engineer effects as
   in the team fit, omega fixed at the team fit's), giving the month means delta_t and their sampling
   covariance S (sigma^2 (X'W^-1 X)^-1, X the month indicators).
2. The month means follow delta_t = c + g t + eta_t + sampling error, so delta ~ N(X beta, v^2 R + S) with R
   the AR(1) correlation RHO^|t - s|. v is fitted by REML over this T-point model (bounded search, the
   boundary v = 0 checked), its 90% interval is the profile-likelihood interval
   {v: -2 l(v) <= min + chi2_1(0.90)}.

With T months and a trend, only T - 2 contrasts of the month means carry v, and an AR(1) of rho 0.7 is
largely absorbed by the trend in a short history. Measured by replication (docs/quality.md#usage-fits):
at 6 months the estimate's RMSE is 0.09-0.13 whatever v is in 0.1-0.2 (its interval runs from 0 to about
0.35), so it says little beyond "below 0.35"; at 12 months the bias is within -0.02 and the RMSE 0.05-0.08
(60-120 engineers), with 85-91% interval coverage; 40 engineers over 12 months still give 0.07-0.09, 20
engineers 0.10-0.14, as weak as 6 months. Below MIN_SHOCK_MONTHS months or MIN_SHOCK_ENGINEERS engineers v
is therefore only a diagnostic; it still widens the level's and growth's uncertainty whenever it is
fitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from procurement.imports.random_effects import CHI2_90, _profile, _Stats

RHO = 0.7  # the engine's AR(1) autocorrelation of the team shock (docs/model.md#seat-path)
# Fewer months than this and the shock is not reported as a scenario field: measured by replication
# (module docstring, docs/quality.md#usage-fits), 6 months leave it unidentified in practice (RMSE about
# 0.1 for any v in 0.1-0.2), 12 months identify it to +-0.05-0.08 without material bias.
MIN_SHOCK_MONTHS = 12
# ... and fewer engineers than this: each month mean then carries sampling noise sigma^2 (1 - omega) / m
# comparable to the shock (measured: 20 engineers x 12 months RMSE 0.10-0.14, 40 engineers 0.07-0.09).
MIN_SHOCK_ENGINEERS = 30
# Search bound of v: a shared monthly swing of sd e^2 (7x) in usage is beyond any team's (reasoning, not
# a measured limit); the interval's upper end is capped there.
MAX_VOLATILITY = 2.0


@dataclass(frozen=True)
class MonthShock:
    volatility: float  # REML estimate of v, the sd of the shared AR(1) month shock
    interval: tuple[float, float]  # 90% profile-likelihood interval of v
    months: int  # distinct months used
    identified: bool  # months >= MIN_SHOCK_MONTHS and engineers >= MIN_SHOCK_ENGINEERS
    # Satterthwaite degrees of freedom of v^2_hat, 2 v^4 / var(v^2_hat) with var from the REML expected
    # information (inf when v_hat = 0: nothing of the shock's estimate enters a variance)
    dof: float = math.inf


def _information(v: float, x: NDArray[np.float64], r: NDArray[np.float64], s: NDArray[np.float64]) -> float:
    """REML expected information of v^2: tr(P R P R) / 2, P = S^-1 - S^-1 X (X'S^-1 X)^-1 X'S^-1 at
    Sigma = v^2 R + S (Searle, Casella, McCulloch 1992, 6.6)."""
    inv = np.linalg.inv(v * v * r + s)
    ix = inv @ x
    p = inv - ix @ np.linalg.solve(x.T @ ix, ix.T)
    pr = p @ r
    return 0.5 * float(np.trace(pr @ pr))


def ar1_correlation(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """The stationary AR(1) correlation RHO^|t_i - t_j| between the months at offsets t."""
    corr: NDArray[np.float64] = RHO ** np.abs(t[:, None] - t[None, :])
    return corr


def _reml(
    v: float,
    delta: NDArray[np.float64],
    x: NDArray[np.float64],
    r: NDArray[np.float64],
    s: NDArray[np.float64],
) -> float:
    """-2 REML log-likelihood (up to a constant) of the month means for shock sd v."""
    sigma = v * v * r + s
    chol = np.linalg.cholesky(sigma)
    wx = np.linalg.solve(chol, x)
    wd = np.linalg.solve(chol, delta)
    xtx = wx.T @ wx
    beta = np.linalg.solve(xtx, wx.T @ wd)
    resid = wd - wx @ beta
    return float(2 * np.log(np.diag(chol)).sum() + np.linalg.slogdet(xtx)[1] + resid @ resid)


def _indicator_stats(
    y: NDArray[np.float64], groups: NDArray[np.intp], months: NDArray[np.intp], count: int
) -> _Stats:
    """Per-engineer sufficient statistics of the month-indicator design without building it: an
    observation's x x' is e_t e_t', so sxx_i = diag(sx_i), sx_i[t] = engineer i's observations in month t
    (the same numbers random_effects._stats gives on the dense N x T indicators, in O(N) memory)."""
    m = int(groups.max()) + 1
    sx = np.zeros((m, count))
    sxy = np.zeros((m, count))
    np.add.at(sx, (groups, months), 1.0)
    np.add.at(sxy, (groups, months), y)
    sxx = np.zeros((m, count, count))
    sxx[:, np.arange(count), np.arange(count)] = sx
    n = np.bincount(groups, minlength=m).astype(np.float64)
    sy = np.bincount(groups, y, m).astype(np.float64)
    return _Stats(n, sx, sxx, sy, sxy, np.bincount(groups, y * y, m).astype(np.float64))


def fit_month_shock(
    y: NDArray[np.float64],
    groups: NDArray[np.intp],
    months: NDArray[np.intp],
    t: NDArray[np.float64],
    *,
    trend: bool,
    omega: float,
) -> MonthShock | None:
    """Fit v from engineer-months: `months` are codes 0..T-1 of each observation's month, `t` (T,) each
    month's offset. None when no contrast of the month means is left (T <= number of trend terms)."""
    count = int(months.max()) + 1
    p = 2 if trend else 1
    if count <= p or y.size <= count:  # no contrast of the month means, or no residual to weigh them by
        return None
    _, delta, a_inv, sigma2 = _profile(_indicator_stats(y, groups, months, count), omega, "reml")
    sampling = sigma2 * a_inv
    x = np.column_stack([np.ones(count), t]) if trend else np.ones((count, 1))
    r = ar1_correlation(t)

    def m2ll(v: float) -> float:
        return _reml(v, delta, x, r, sampling)

    found = optimize.minimize_scalar(
        m2ll, bounds=(0.0, MAX_VOLATILITY), method="bounded", options={"xatol": 1e-6}
    )
    v = min((float(found.x), 0.0), key=m2ll)
    best = m2ll(v)

    def excess(value: float) -> float:
        return m2ll(value) - best - CHI2_90

    low = 0.0 if v == 0.0 or excess(0.0) <= 0 else float(optimize.brentq(excess, 0.0, v))
    high = (
        MAX_VOLATILITY if excess(MAX_VOLATILITY) <= 0 else float(optimize.brentq(excess, v, MAX_VOLATILITY))
    )
    # floored at 1, the dof of a variance seen through a single normal contrast: near v = 0 the expected
    # information of v^2 vanishes with v^4 and would make any interval infinite
    dof = max(2 * v**4 * _information(v, x, r, sampling), 1.0) if v > 0 else math.inf
    identified = count >= MIN_SHOCK_MONTHS and int(groups.max()) + 1 >= MIN_SHOCK_ENGINEERS
    return MonthShock(v, (low, high), count, identified, dof)


def shock_covariance(
    loadings: NDArray[np.float64], t: NDArray[np.float64], volatility: float
) -> NDArray[np.float64]:
    """Covariance the shock adds to the GLS coefficients: v^2 G R G' (G from `month_loadings`)."""
    cov: NDArray[np.float64] = volatility**2 * loadings @ ar1_correlation(t) @ loadings.T
    return cov
