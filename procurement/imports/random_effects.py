"""Maximum likelihood for the unbalanced one-way random-effects model with a linear trend.

    y_ij = x_ij' beta + a_i + e_ij,   a_i ~ N(0, sigma^2 omega),   e_ij ~ N(0, sigma^2 (1 - omega))

for groups i (engineers) with n_i observations each (months; n_i may differ). With V_i = sigma^2 W_i and
W_i = (1 - omega) I + omega J, W_i^-1 = (I - c_i J) / (1 - omega), c_i = omega / (1 - omega + n_i omega), and
|W_i| = (1 - omega)^(n_i - 1) (1 - omega + n_i omega): every quantity is a sum of per-group sufficient
statistics, so no N x N matrix is built. beta (GLS) and sigma^2 are profiled out in closed form and omega
is found by bounded one-dimensional search (scipy.optimize.minimize_scalar), the boundary omega = 0 checked
as well. REML (restricted maximum likelihood, the default) maximises the likelihood of the residual
contrasts, which removes the downward bias of ML variance estimates from estimating beta (Patterson and
Thompson 1971); `method="ml"` gives plain maximum likelihood. With no more observations than coefficients
(one engineer-month) REML has no residual contrast left: sigma^2, the covariance of beta and the likelihood
have no value and are None (never a division by zero or a non-finite number).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

Method = Literal["reml", "ml"]
OMEGA_MAX = 1 - 1e-6  # omega = 1 makes W singular for groups with repeated observations


@dataclass(frozen=True)
class RandomEffectsFit:
    beta: tuple[float, ...]
    beta_cov: tuple[tuple[float, ...], ...] | None  # None with sigma2
    sigma2: float | None  # None: REML with no more observations than coefficients (no estimate)
    omega: float
    omega_identified: bool  # False when no group has two observations: omega was not fitted
    log_likelihood: float | None  # of the chosen method (REML or ML), at the estimate; None with sigma2
    # covariance of (log sigma^2, logit omega) from the observed information; None when omega sits at a
    # bound, is not fitted, or sigma^2 has no estimate
    variance_cov: tuple[tuple[float, float], tuple[float, float]] | None = None
    # 90% interval of omega: logit-scale Wald from variance_cov, else the profile-likelihood interval
    omega_interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class _Stats:
    n: NDArray[np.float64]  # (m,)
    sx: NDArray[np.float64]  # (m, p)
    sxx: NDArray[np.float64]  # (m, p, p)
    sy: NDArray[np.float64]  # (m,)
    sxy: NDArray[np.float64]  # (m, p)
    syy: NDArray[np.float64]  # (m,)


def _stats(y: NDArray[np.float64], groups: NDArray[np.intp], x: NDArray[np.float64]) -> _Stats:
    m, p = int(groups.max()) + 1, x.shape[1]
    sx, sxx, sxy = np.zeros((m, p)), np.zeros((m, p, p)), np.zeros((m, p))
    np.add.at(sx, groups, x)
    np.add.at(sxx, groups, x[:, :, None] * x[:, None, :])
    np.add.at(sxy, groups, x * y[:, None])
    n = np.bincount(groups, minlength=m).astype(np.float64)
    sy = np.bincount(groups, y, m).astype(np.float64)
    return _Stats(n, sx, sxx, sy, sxy, np.bincount(groups, y * y, m).astype(np.float64))


@dataclass(frozen=True)
class _Parts:
    """The pieces of the likelihood at one omega: log|W|, log|X'W^-1 X|, the GLS quadratic form, beta."""

    log_det_w: float
    log_det_a: float
    quad: float  # (y - X beta)' W^-1 (y - X beta) at the GLS beta
    beta: NDArray[np.float64]
    a_inv: NDArray[np.float64]  # (X'W^-1 X)^-1


def _parts(s: _Stats, omega: float) -> _Parts:
    rest = 1.0 - omega
    c = omega / (rest + s.n * omega)
    a = (s.sxx - c[:, None, None] * s.sx[:, :, None] * s.sx[:, None, :]).sum(axis=0) / rest
    b = (s.sxy - c[:, None] * s.sx * s.sy[:, None]).sum(axis=0) / rest
    ywy = float((s.syy - c * s.sy**2).sum() / rest)
    a_inv = np.linalg.inv(a)
    beta = a_inv @ b
    quad = max(ywy - float(b @ beta), 1e-300)
    log_det_w = float(((s.n - 1) * math.log(rest) + np.log(rest + s.n * omega)).sum())
    return _Parts(log_det_w, float(np.linalg.slogdet(a)[1]), quad, beta, a_inv)


def _dof(s: _Stats, method: Method) -> float:
    total, p = float(s.n.sum()), s.sx.shape[1]
    return total - p if method == "reml" else total


def _profile(
    s: _Stats, omega: float, method: Method
) -> tuple[float, NDArray[np.float64], NDArray[np.float64], float]:
    """-2 log-likelihood with beta and sigma^2 profiled out, and the GLS beta, (X'W^-1 X)^-1, sigma^2."""
    parts = _parts(s, omega)
    dof = _dof(s, method)
    sigma2 = parts.quad / dof
    m2ll = parts.log_det_w + dof * math.log(sigma2) + dof + dof * math.log(2 * math.pi)
    if method == "reml":
        m2ll += parts.log_det_a
    return m2ll, parts.beta, parts.a_inv, sigma2


def _unprofiled(s: _Stats, log_sigma2: float, logit_omega: float, method: Method) -> float:
    """-2 log-likelihood (REML or ML) as a function of (log sigma^2, logit omega), beta profiled (ML) or
    integrated out (REML), sigma^2 *not* profiled: the surface whose curvature gives the variances'
    observed information."""
    parts = _parts(s, float(special.expit(logit_omega)))
    dof = _dof(s, method)
    m2ll = parts.log_det_w + dof * log_sigma2 + parts.quad * math.exp(-log_sigma2)
    if method == "reml":
        m2ll += parts.log_det_a
    return m2ll + dof * math.log(2 * math.pi)


# Central-difference step on the log / logit scale: the surface is smooth and O(1)-curved there, so a
# step of 1e-3 keeps the truncation error (~h^2) and the rounding error (~1e-16 |f| / h^2) both small.
HESSIAN_STEP = 1e-3
# omega this close to 0 or 1 makes logit(omega) unbounded: no information on the logit scale
OMEGA_EDGE = 1e-3


def variance_information(
    s: _Stats, sigma2: float, omega: float, method: Method
) -> NDArray[np.float64] | None:
    """Covariance of (log sigma^2_hat, logit omega_hat): the inverse of the observed information of the
    unprofiled likelihood, by a central-difference Hessian. None when omega sits at a bound (the logit is
    infinite) or the Hessian is not positive definite."""
    if not OMEGA_EDGE < omega < 1 - OMEGA_EDGE:
        return None
    centre = np.array([math.log(sigma2), math.log(omega / (1 - omega))])
    h = HESSIAN_STEP

    def f(point: NDArray[np.float64]) -> float:
        return 0.5 * _unprofiled(s, float(point[0]), float(point[1]), method)

    hessian = np.zeros((2, 2))
    steps = np.eye(2) * h
    f0 = f(centre)
    for i in range(2):
        hessian[i, i] = (f(centre + steps[i]) - 2 * f0 + f(centre - steps[i])) / h**2
    hessian[0, 1] = hessian[1, 0] = (
        f(centre + steps[0] + steps[1])
        - f(centre + steps[0] - steps[1])
        - f(centre - steps[0] + steps[1])
        + f(centre - steps[0] - steps[1])
    ) / (4 * h**2)
    if np.linalg.eigvalsh(hessian).min() <= 0:
        return None
    cov: NDArray[np.float64] = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    return cov


def fit_random_effects(
    y: NDArray[np.float64],
    groups: NDArray[np.intp],
    x: NDArray[np.float64],
    *,
    method: Method = "reml",
    default_omega: float = 0.6,
) -> RandomEffectsFit:
    """Fit beta, sigma^2 and omega; `groups` are codes 0..m-1, `x` the (N, p) design (a column of ones
    first). When no group has two observations omega is not identified and `default_omega` is used."""
    s = _stats(y, groups, x)
    if method == "reml" and y.size <= x.shape[1]:
        return _without_variance(y, x, default_omega)
    identified = bool((s.n >= 2).any())
    if identified:
        found = optimize.minimize_scalar(
            lambda w: _profile(s, w, method)[0],
            bounds=(0.0, OMEGA_MAX),
            method="bounded",
            options={"xatol": 1e-7},
        )
        omega = min((float(found.x), 0.0), key=lambda w: _profile(s, w, method)[0])
    else:
        omega = default_omega
    m2ll, beta, a_inv, sigma2 = _profile(s, omega, method)
    cov = variance_information(s, sigma2, omega, method) if identified else None
    return RandomEffectsFit(
        beta=tuple(float(v) for v in beta),
        beta_cov=tuple(tuple(float(v) for v in row) for row in sigma2 * a_inv),
        sigma2=sigma2,
        omega=omega,
        omega_identified=identified,
        log_likelihood=-0.5 * m2ll,
        variance_cov=((cov[0, 0], cov[0, 1]), (cov[1, 0], cov[1, 1])) if cov is not None else None,
        omega_interval=_omega_interval(s, omega, m2ll, method, cov) if identified else None,
    )


Z95 = 1.6448536269514722  # standard normal 95th percentile: two-sided 90% intervals
CHI2_90 = Z95**2  # chi-square(1) 90th percentile, the profile-likelihood cut-off


def _omega_interval(
    s: _Stats, omega: float, m2ll: float, method: Method, cov: NDArray[np.float64] | None
) -> tuple[float, float]:
    """90% interval of omega: Wald on the logit scale (from the observed information) when omega is
    inside (0, 1); at a bound, the profile-likelihood interval {omega: -2 l(omega) <= min + chi2_1(0.9)}."""
    if cov is not None:
        logit = math.log(omega / (1 - omega))
        half = Z95 * math.sqrt(cov[1, 1])
        return (float(special.expit(logit - half)), float(special.expit(logit + half)))

    def excess(w: float) -> float:
        return _profile(s, w, method)[0] - m2ll - CHI2_90

    low = 0.0 if excess(0.0) <= 0 else optimize.brentq(excess, 0.0, omega)
    high = OMEGA_MAX if excess(OMEGA_MAX) <= 0 else optimize.brentq(excess, omega, OMEGA_MAX)
    return (float(low), float(high))


def month_loadings(
    groups: NDArray[np.intp], x: NDArray[np.float64], months: NDArray[np.intp], omega: float
) -> NDArray[np.float64]:
    """How the GLS beta moves with a shock shared by every observation of a month: the (p, T) matrix
    G = (X'W^-1 X)^-1 X'W^-1 M, M the (N, T) month indicator. A team shock eta (T,) adds G eta to beta,
    so its covariance adds G Cov(eta) G'."""
    s = _stats(np.zeros(groups.size), groups, x)
    rest = 1.0 - omega
    c = omega / (rest + s.n * omega)
    w_inv_x = (x - c[groups, None] * s.sx[groups]) / rest
    b = np.zeros((int(months.max()) + 1, x.shape[1]))
    np.add.at(b, months, w_inv_x)
    loadings: NDArray[np.float64] = _parts(s, omega).a_inv @ b.T
    return loadings


def _without_variance(y: NDArray[np.float64], x: NDArray[np.float64], omega: float) -> RandomEffectsFit:
    """REML with no residual degree of freedom: beta fits the data exactly and no variance is estimable,
    so sigma^2, the covariance and the likelihood are None on purpose; omega is not fitted either."""
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    return RandomEffectsFit(
        beta=tuple(float(v) for v in beta),
        beta_cov=None,
        sigma2=None,
        omega=omega,
        omega_identified=False,
        log_likelihood=None,
    )
