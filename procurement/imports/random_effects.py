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
from scipy import optimize

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


def _profile(
    s: _Stats, omega: float, method: Method
) -> tuple[float, NDArray[np.float64], NDArray[np.float64], float]:
    """-2 log-likelihood with beta and sigma^2 profiled out, and the GLS beta, (X'W^-1 X)^-1, sigma^2."""
    rest = 1.0 - omega
    c = omega / (rest + s.n * omega)
    a = (s.sxx - c[:, None, None] * s.sx[:, :, None] * s.sx[:, None, :]).sum(axis=0) / rest
    b = (s.sxy - c[:, None] * s.sx * s.sy[:, None]).sum(axis=0) / rest
    ywy = float((s.syy - c * s.sy**2).sum() / rest)
    a_inv = np.linalg.inv(a)
    beta = a_inv @ b
    quad = max(ywy - float(b @ beta), 1e-300)
    log_det_w = float(((s.n - 1) * math.log(rest) + np.log(rest + s.n * omega)).sum())
    total, p = float(s.n.sum()), a.shape[0]
    dof = total - p if method == "reml" else total
    sigma2 = quad / dof
    m2ll = log_det_w + dof * math.log(sigma2) + dof + dof * math.log(2 * math.pi)
    if method == "reml":
        m2ll += float(np.linalg.slogdet(a)[1])
    return m2ll, beta, a_inv, sigma2


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
    return RandomEffectsFit(
        beta=tuple(float(v) for v in beta),
        beta_cov=tuple(tuple(float(v) for v in row) for row in sigma2 * a_inv),
        sigma2=sigma2,
        omega=omega,
        omega_identified=identified,
        log_likelihood=-0.5 * m2ll,
    )


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
