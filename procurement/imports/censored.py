"""Usage capped by a plan: a right-censored (Tobit-style) random-effects fit of uncapped demand.

An engineer on a plan whose overflow is `blocked` (docs/pricing.md#plan-capacity) cannot use more than the
plan's capacity in a month, so a month at the capacity says only that demand was at least that much. Such
a month is *censored*: its usage is a lower bound on demand, not demand. The team model of `team_fit`
(docs/model.md#seat-path),

    y_ij = x_ij' beta + a zeta_i + e nu_ij,   a = sigma sqrt(omega),  e = sigma sqrt(1 - omega),

with y the log monthly usage and zeta_i, nu_ij independent N(0, 1), then has the likelihood

    L = prod_i  integral phi(z) prod_j f_ij(z) dz,
    f_ij(z) = phi((y_ij - x_ij' beta - a z) / e) / e      an uncensored month (a density),
    f_ij(z) = Phi(-(y_ij - x_ij' beta - a z) / e)          a censored month (demand at least y_ij),

months independent given the engineer's effect z. The effect is integrated out by adaptive Gauss-Hermite
quadrature (Liu and Pierce 1994; Pinheiro and Bates 1995, the method of lme4 and SAS NLMIXED): each
engineer's integrand is log-concave, so Newton's method finds its mode and curvature, and the Gauss-Hermite
nodes (numpy.polynomial.hermite.hermgauss) are centred and scaled there; a fixed grid around 0 would miss
the narrow integrand of an engineer with many months and a high persistence. The log-likelihood is
maximised over (beta, log sigma, logit omega) by scipy.optimize (L-BFGS-B), started from the random-effects
fit of the capped data, and the standard errors of beta come from the observed information (the inverse of
the Hessian of -log L, by central differences). This is plain maximum likelihood: REML has no closed form
under censoring. With no censored month the likelihood is exactly the one `random_effects` maximises with
`method="ml"` (tests/imports/test_censored.py checks both, and the quadrature against scipy.integrate.quad).
Which months are censored, and at what point, is `plan_caps`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.hermite import hermgauss
from numpy.typing import NDArray
from scipy import optimize, special

from procurement.imports.plan_caps import enough_uncensored
from procurement.imports.random_effects import OMEGA_MAX, RandomEffectsFit, fit_random_effects

# Nodes of the adaptive Gauss-Hermite rule. Measured against scipy.integrate.quad (tests/imports/
# test_censored.py): an engineer with uncensored months has a near-Gaussian integrand, exact to 1e-12 with
# 20 nodes; an engineer whose months are all censored has a step-like one when omega is near 1 (an engineer
# of two censored months, omega 0.97: log L off by 3e-4 with 20 nodes, 5e-7 with 40). 40 nodes, and the
# closed form for an engineer with a single month, keep the error far below the likelihood's own
# sampling noise (one unit of log L).
QUADRATURE_NODES = 40
NEWTON_STEPS = 60  # the mode search stops earlier, once no engineer's step exceeds NEWTON_TOLERANCE
NEWTON_TOLERANCE = 1e-10
MAX_NEWTON_STEP = 4.0  # in units of the effect's sd: keeps a first step from a poor start bounded
LOGIT_OMEGA_BOUND = math.log(OMEGA_MAX / (1 - OMEGA_MAX))  # omega within [1 - OMEGA_MAX, OMEGA_MAX]
LOG_SIGMA_BOUNDS = (math.log(1e-3), math.log(20.0))  # sd of log usage: 0.001 to 20 (p90/median 1 to e^25)
HESSIAN_STEP = 1e-3  # central differences on parameters of order 1 (truncation ~1e-6, rounding ~1e-8)
Z95 = float(special.ndtri(0.95))  # a 90% two-sided interval's half-width in sds

_NODES, _WEIGHTS = hermgauss(QUADRATURE_NODES)
_LOG_WEIGHTS = np.log(_WEIGHTS) + _NODES**2  # weights of the integral of g(x) dx (not g(x) e^-x^2 dx)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


@dataclass(frozen=True)
class _Data:
    """The months split by kind: uncensored ones enter through per-engineer sums (their log density is a
    quadratic in the effect), censored ones one by one."""

    y: NDArray[np.float64]  # (N,) log usage; a censored month's censoring point
    x: NDArray[np.float64]  # (N, p)
    censored: NDArray[np.bool_]  # (N,)
    groups: NDArray[np.intp]  # (N,) codes 0..m-1
    uncensored_members: NDArray[np.float64]  # (m, N) one-hot of the uncensored months: sums over them
    censored_members: NDArray[np.float64]  # (m, C) one-hot of the censored months
    n_uncensored: NDArray[np.float64]  # (m,)
    single: NDArray[np.bool_]  # (N,) the month is its engineer's only one


def _data(
    y: NDArray[np.float64], groups: NDArray[np.intp], x: NDArray[np.float64], censored: NDArray[np.bool_]
) -> _Data:
    m, cens = int(groups.max()) + 1, censored.astype(bool)
    uncensored_members = np.zeros((m, y.size))
    uncensored_members[groups[~cens], np.flatnonzero(~cens)] = 1.0
    censored_members = np.zeros((m, int(cens.sum())))
    censored_members[groups[cens], np.arange(int(cens.sum()))] = 1.0
    counts = np.bincount(groups, minlength=m)
    return _Data(
        y=y,
        x=x,
        censored=cens,
        groups=groups,
        uncensored_members=uncensored_members,
        censored_members=censored_members,
        n_uncensored=uncensored_members.sum(axis=1),
        single=counts[groups] == 1,
    )


def _censored_terms(
    resid: NDArray[np.float64], k: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """log Phi(-z), and its first and second derivatives in the effect, of censored months at scaled
    residuals z = (y - x'beta - a effect) / e (k = a / e)."""
    log_surv = special.log_ndtr(-resid)
    mills = np.exp(-0.5 * resid**2 - _LOG_SQRT_2PI - log_surv)  # phi(z) / Phi(-z)
    return log_surv, mills * k, -(k**2) * mills * (mills - resid)


def _modes(
    d: _Data, r: NDArray[np.float64], a: float, e: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each engineer's mode of log(phi(z) prod_j f_ij(z)) and the curvature there, for residuals
    r = y - x'beta (Newton's method; the function is strictly concave, its second derivative <= -1)."""
    k = a / e
    s1 = d.uncensored_members @ r  # sum of the uncensored residuals
    rc = r[d.censored]
    base_curvature = -1.0 - d.n_uncensored * k**2
    z = s1 * k / e / -base_curvature  # the mode of the uncensored months alone
    for _ in range(NEWTON_STEPS):
        _, first, second = _censored_terms((rc - a * z[d.groups[d.censored]]) / e, k)
        slope = -z + (s1 - d.n_uncensored * a * z) * k / e + d.censored_members @ first
        curvature = base_curvature + d.censored_members @ second
        step = np.clip(-slope / curvature, -MAX_NEWTON_STEP, MAX_NEWTON_STEP)
        z = z + step
        if float(np.abs(step).max()) < NEWTON_TOLERANCE:
            break
    _, _, second = _censored_terms((rc - a * z[d.groups[d.censored]]) / e, k)
    return z, base_curvature + d.censored_members @ second


def _log_likelihood(d: _Data, beta: NDArray[np.float64], sigma: float, omega: float) -> float:
    """log L by adaptive Gauss-Hermite quadrature over each engineer's effect."""
    a, e = sigma * math.sqrt(omega), sigma * math.sqrt(1.0 - omega)
    mean = d.x @ beta
    r = d.y - mean
    mode, curvature = _modes(d, r, a, e)
    scale = math.sqrt(2.0) / np.sqrt(-curvature)  # (m,)
    z = mode[:, None] + scale[:, None] * _NODES[None, :]  # (m, K) nodes per engineer
    # uncensored months: sum_j log phi((r_j - a z) / e) - log e, a quadratic in z from per-engineer sums
    s1, s2 = d.uncensored_members @ r, d.uncensored_members @ (r * r)
    n = d.n_uncensored[:, None]
    log_h = -0.5 * (s2[:, None] - 2 * a * z * s1[:, None] + n * (a * z) ** 2) / e**2
    log_h -= n * (_LOG_SQRT_2PI + math.log(e))
    if d.censored.any():
        rc = (r[d.censored][:, None] - a * z[d.groups[d.censored]]) / e  # (C, K)
        log_h += d.censored_members @ special.log_ndtr(-rc)
    log_h += -0.5 * z**2 - _LOG_SQRT_2PI + _LOG_WEIGHTS[None, :]
    per_engineer = np.log(scale) + special.logsumexp(log_h, axis=1)
    # An engineer with a single month has the marginal in closed form: N(x'beta, sigma^2), or its survival
    # function when censored (the quadrature is least accurate on exactly that step-like integrand).
    if d.single.any():
        rs = r[d.single] / sigma
        closed = np.where(
            d.censored[d.single], special.log_ndtr(-rs), -0.5 * rs**2 - _LOG_SQRT_2PI - math.log(sigma)
        )
        per_engineer[d.groups[d.single]] = closed
    return float(per_engineer.sum())


def log_likelihood(
    y: NDArray[np.float64],
    groups: NDArray[np.intp],
    x: NDArray[np.float64],
    censored: NDArray[np.bool_],
    beta: Sequence[float] | NDArray[np.float64],
    sigma: float,
    omega: float,
) -> float:
    """The censored random-effects log-likelihood at (beta, sigma, omega), 0 < omega < 1."""
    return _log_likelihood(_data(y, groups, x, censored), np.asarray(beta, dtype=float), sigma, omega)


def _unpack(
    theta: NDArray[np.float64], p: int, omega: float | None
) -> tuple[NDArray[np.float64], float, float]:
    w = omega if omega is not None else float(special.expit(theta[p + 1]))
    return theta[:p], math.exp(theta[p]), w


Objective = Callable[[NDArray[np.float64]], float]


def _hessian(func: Objective, theta: NDArray[np.float64]) -> NDArray[np.float64]:
    """Central-difference Hessian of `func` at `theta`."""
    k, h = theta.size, HESSIAN_STEP
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            di, dj = np.eye(k)[i] * h, np.eye(k)[j] * h
            value = (
                func(theta + di + dj) - func(theta + di - dj) - func(theta - di + dj) + func(theta - di - dj)
            ) / (4 * h * h)
            out[i, j] = out[j, i] = value
    return out


def fit_censored(
    y: NDArray[np.float64],
    groups: NDArray[np.intp],
    x: NDArray[np.float64],
    censored: NDArray[np.bool_],
    *,
    default_omega: float = 0.6,
) -> RandomEffectsFit:
    """Maximum-likelihood (beta, sigma^2, omega) of the censored model; `y` holds each censored month's
    censoring point. omega is fixed at `default_omega` when no engineer has two months. With too few
    uncensored months (`enough_uncensored`) the random-effects fit of `y` as it stands is returned (the
    caller warns)."""
    p = x.shape[1]
    if not censored.any() or not enough_uncensored(censored, p):
        return fit_random_effects(y, groups, x, method="ml", default_omega=default_omega)
    d = _data(y, groups, x, censored)
    start = fit_random_effects(y, groups, x, method="ml", default_omega=default_omega)
    identified = start.omega_identified
    fixed = None if identified else default_omega
    omega0 = min(max(start.omega, 0.05), 0.95)  # off the boundary, where the logit is flat
    sigma0 = math.sqrt(start.sigma2) if start.sigma2 else float(np.std(y)) or 1.0
    theta0 = [*start.beta, math.log(sigma0)] + ([math.log(omega0 / (1 - omega0))] if identified else [])
    bounds = (
        [(None, None)] * p
        + [LOG_SIGMA_BOUNDS]
        + ([(-LOGIT_OMEGA_BOUND, LOGIT_OMEGA_BOUND)] if identified else [])
    )

    def negative(theta: NDArray[np.float64]) -> float:
        beta, sigma, omega = _unpack(theta, p, fixed)
        return -_log_likelihood(d, beta, sigma, omega)

    found = optimize.minimize(negative, np.array(theta0), method="L-BFGS-B", bounds=bounds)
    theta = np.asarray(found.x, dtype=float)
    beta, sigma, omega = _unpack(theta, p, fixed)
    cov = _inverse_information(negative, theta, bounds)
    beta_cov = None if cov is None or np.isnan(cov[:p, :p]).any() else cov[:p, :p]
    variance = None if cov is None or not identified or np.isnan(cov[p:, p:]).any() else cov[p:, p:]
    return RandomEffectsFit(
        beta=tuple(float(v) for v in beta),
        beta_cov=None if beta_cov is None else tuple(tuple(float(v) for v in row) for row in beta_cov),
        sigma2=sigma * sigma,
        omega=omega,
        omega_identified=identified,
        log_likelihood=-float(found.fun),
        # (log sigma^2, logit omega) = (2 log sigma, logit omega): the covariance scales by 2 and 4
        variance_cov=None if variance is None else _variance_cov(variance),
        omega_interval=None if variance is None else _omega_interval(theta[p + 1], variance[1, 1]),
    )


def _variance_cov(cov: NDArray[np.float64]) -> tuple[tuple[float, float], tuple[float, float]]:
    """cov(log sigma, logit omega) as cov(log sigma^2, logit omega), `random_effects`' parametrisation."""
    return (
        (4 * float(cov[0, 0]), 2 * float(cov[0, 1])),
        (2 * float(cov[1, 0]), float(cov[1, 1])),
    )


def _omega_interval(logit_omega: float, variance: float) -> tuple[float, float]:
    """90% Wald interval of omega on the logit scale (as `random_effects` reports it)."""
    half = Z95 * math.sqrt(variance)
    return float(special.expit(logit_omega - half)), float(special.expit(logit_omega + half))


def _inverse_information(
    negative: Objective,
    theta: NDArray[np.float64],
    bounds: Sequence[tuple[float | None, float | None]],
) -> NDArray[np.float64] | None:
    """The inverse observed information of every parameter; a parameter at its bound is held fixed (its
    rows and columns are NaN). None when the information is not positive definite."""
    free = [
        i
        for i, (low, high) in enumerate(bounds)
        if not (
            (low is not None and theta[i] - low < 2 * HESSIAN_STEP)
            or (high is not None and high - theta[i] < 2 * HESSIAN_STEP)
        )
    ]

    def restricted(sub: NDArray[np.float64]) -> float:
        full = theta.copy()
        full[free] = sub
        return negative(full)

    information = _hessian(restricted, theta[free])
    try:
        np.linalg.cholesky(information)
    except np.linalg.LinAlgError:
        return None
    cov = np.full((theta.size, theta.size), np.nan)
    cov[np.ix_(free, free)] = np.linalg.inv(information)
    return cov
