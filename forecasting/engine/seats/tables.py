"""Per-band lookup tables for the fast seat path, in the scalar log-shift s = m_t - ln cap_k.

An engineer with level zeta overflows cap * y with y = (exp(s + sigma_p zeta + sigma_t nu) - 1)^+. Over nu
(closed form, the lognormal partial expectation) h(x) = E[y | sigma_p zeta = x - s]; over the band's zeta
(a binned truncated normal on the same grid, so the integral is one correlation of h with the band's
weights) the tables give, on a uniform grid in s:

    overflow(s)        = E[y | band]                          mean overflow per engineer per unit capacity

and, on a grid COARSE_STRIDE times coarser, for sub-bands j of the band (cut at band-mass fractions
SUB_BAND_FRACTIONS, finer in the upper tail where overflow concentrates):

    month_variance(s)  = E_zeta Var_nu(y)                       month-to-month noise per engineer-month
    sub_ratio(s, j)    = E[y | sub-band j] / overflow(s)
    sd_within(s)^2     = sum_j q_j Var(E[y | zeta] | sub-band j) / overflow^2
    cv3_persistent(s)  = E[(E[y | zeta] - overflow)^3 | band] / overflow^3   (the skew of the engineers)

so that the heterogeneity that stays with the engineers, Var_zeta(E[y | zeta]) / overflow^2 =
sum_j q_j (sub_ratio_j - 1)^2 + sd_within^2, can be evaluated along a trial's path of s (see `fast`).

Usage-only plans (api, usage-billed seats) need no grid: E[exp(sigma_p zeta + sigma_t nu) | band] and its
relative variances are closed forms (one point, one sub-band). Binning zeta to the s grid moves each
engineer by at most half a grid step (GRID_STEP / 2 in log-usage), the resolution of the lookups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal, special

from forecasting.engine.arrays import FloatArray
from forecasting.engine.inputs import TeamInput
from forecasting.engine.seats.model import MIN_GROWTH_FACTOR, Float32Array, PlanTerms, UsageShape
from forecasting.engine.tolerances import MIN_DIVISOR_SD

GRID_STEP = 0.004  # log-usage resolution of the tables: a 0.2% step in usage
MAX_GRID_POINTS = 16_384
RANGE_SDS = 8.0  # the grid covers s to 8 sd of shock and capacity, and drift to 8 sd, both ways
ZETA_TAIL = 7.5  # engineers beyond |zeta| = 7.5 (3e-14 of them) are left out of the tables
MIN_RELATIVE_OVERFLOW = 1e-12  # below this mean overflow the relative variances are set to 0
COARSE_STRIDE = 10  # per-trial tables every 10th grid point (0.04 in log-usage): read a few times a trial
SUB_BAND_FRACTIONS = (0.5, 0.8, 0.95, 0.99)  # cumulative band mass where sub-bands are cut


@dataclass(frozen=True)
class BandTable:
    """Lookups for one allowed plan's bands; grid point i is s = grid_start + i * step."""

    usage_only: bool
    grid_start: float
    overflow: Float32Array  # (G,) usage-only plans: (1,) E[exp(sigma_p zeta + sigma_t nu) | band]
    month_variance: Float32Array  # (G_coarse,); usage-only plans: (1,) relative to the mean^2
    month_third: Float32Array  # (G_coarse,) E_zeta E_nu[(y - E_nu y)^3]; usage-only: (1,) relative to mean^3
    sub_shares: FloatArray  # (J,) q_j, summing to 1
    sub_ratio: Float32Array  # (J, G_coarse) or (1, 1)
    sd_within: Float32Array  # (G_coarse,) or (1,): sqrt of the within-sub-band relative variance
    cv3_persistent: Float32Array  # (G_coarse,) or (1,)


@dataclass(frozen=True)
class SeatTables:
    step: float
    plans: tuple[BandTable | None, ...]  # None for a plan with no engineers


def grid_half_width(team: TeamInput, terms: tuple[PlanTerms, ...], months: int) -> tuple[float, float]:
    """How far below and above mu - ln(capacity) the log-shift s can go (RANGE_SDS either way)."""
    cap_sd = max((p.capacity_sd for p in terms if not p.usage_only), default=0.0)
    spread = RANGE_SDS * math.hypot(team.usage_volatility, cap_sd) + 0.05
    low = math.log(max(1 + team.usage_growth - RANGE_SDS * team.usage_growth_sd, MIN_GROWTH_FACTOR))
    high = math.log(max(1 + team.usage_growth + RANGE_SDS * team.usage_growth_sd, MIN_GROWTH_FACTOR))
    return spread + (months - 1) * max(-low, 0.0), spread + (months - 1) * max(high, 0.0)


def build_tables(
    team: TeamInput,
    terms: tuple[PlanTerms, ...],
    segments: list[list[tuple[float, float]]],
    shape: UsageShape,
    months: int,
) -> SeatTables:
    """Tables for every plan that has engineers (`segments[k]` are plan k's zeta bands)."""
    below, above = grid_half_width(team, terms, months)
    points = min(math.ceil((below + above) / GRID_STEP) + 1, MAX_GRID_POINTS)
    step = (below + above) / (points - 1)
    tables: list[BandTable | None] = []
    for plan, segs in zip(terms, segments, strict=True):
        if not segs:
            tables.append(None)
        elif plan.usage_only:
            tables.append(_usage_only_table(segs, shape))
        else:
            start = shape.log_median - math.log(plan.capacity_usd) - below
            tables.append(_overflow_table(segs, shape, start, step, points))
    return SeatTables(step, tuple(tables))


def _band_weights(segs: list[tuple[float, float]], sd: float, step: float) -> tuple[int, FloatArray]:
    """Offsets j (x = s + j * step) and probability weights of the band's zeta, binned to the grid."""
    if sd * 2 * ZETA_TAIL < step:
        return 0, np.ones(1)
    lo = max(min(a for a, _ in segs), -ZETA_TAIL)
    hi = min(max(b for _, b in segs), ZETA_TAIL)
    first, last = math.floor(sd * lo / step - 0.5), math.ceil(sd * hi / step + 0.5)
    cell_edges = (np.arange(first, last + 2) - 0.5) * step / sd
    mass = np.zeros(last - first + 1)
    for a, b in segs:
        mass += np.diff(special.ndtr(np.clip(cell_edges, max(a, -ZETA_TAIL), min(b, ZETA_TAIL))))
    return first, mass / mass.sum()


def _partial_moments(x: FloatArray, sd: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """E[y], E[y^2] and E[y^3] for y = (exp(x + sd * nu) - 1)^+, nu standard normal: with W = x + sd nu,
    E[exp(kW); W > 0] = exp(k x + k^2 sd^2 / 2) Phi(x / sd + k sd), and y^k expands binomially."""
    s = max(sd, MIN_DIVISOR_SD)
    d0 = x / s

    def tail(k: int) -> FloatArray:
        return np.asarray(np.exp(k * x + k * k * s * s / 2) * special.ndtr(d0 + k * s))

    above = special.ndtr(d0)
    first = tail(1) - above
    second = tail(2) - 2 * tail(1) + above
    third = tail(3) - 3 * tail(2) + 3 * tail(1) - above
    return np.maximum(first, 0.0), np.maximum(second, 0.0), np.maximum(third, 0.0)


def _overflow_table(
    segs: list[tuple[float, float]], shape: UsageShape, start: float, step: float, points: int
) -> BandTable:
    first, weights = _band_weights(segs, shape.persistent_sd, step)
    x = start + (first + np.arange(points + weights.size - 1, dtype=np.float64)) * step
    mean_nu, second_nu, third_nu = _partial_moments(x, shape.transient_sd)
    # Correlation with the band's weights = convolution with the reversed kernel, by FFT.
    mean = np.maximum(signal.fftconvolve(mean_nu, weights[::-1], mode="valid"), 0.0)
    coarse = _coarse_moments(mean_nu, second_nu, third_nu, weights, points)
    return BandTable(
        usage_only=False,
        grid_start=start,
        overflow=mean.astype(np.float32),
        month_variance=coarse.month_variance,
        month_third=coarse.month_third,
        sub_shares=coarse.shares,
        sub_ratio=coarse.ratio,
        sd_within=coarse.sd_within,
        cv3_persistent=coarse.cv3,
    )


@dataclass(frozen=True)
class _Coarse:
    shares: FloatArray
    ratio: Float32Array
    sd_within: Float32Array
    cv3: Float32Array
    month_variance: Float32Array
    month_third: Float32Array


def _coarse_moments(
    mean_nu: FloatArray, second_nu: FloatArray, third_nu: FloatArray, weights: FloatArray, points: int
) -> _Coarse:
    """The per-trial tables at every COARSE_STRIDE-th grid point: each run of COARSE_STRIDE kernel offsets is
    read at its middle (a shift of at most COARSE_STRIDE / 2 grid steps), so every moment is a small
    window product instead of another full-resolution correlation."""
    r, size = COARSE_STRIDE, weights.size
    midpoint_mass = np.cumsum(weights) - weights / 2
    sub = np.searchsorted(np.array(SUB_BAND_FRACTIONS), midpoint_mass)
    blocks = -(-size // r)
    # Sub-bands with mass only: a narrow band (the body below a heavy tail's cut, `tail`) can leave a
    # sub-band with nothing but a zero-weight edge cell, whose share 0 would divide below.
    present = np.unique(sub[weights > 0])
    padded = np.zeros((len(present), blocks * r))
    for row, j in enumerate(present):
        padded[row, :size] = np.where(sub == j, weights, 0.0)
    kernels = padded.reshape(len(padded), blocks, r).sum(axis=2)  # (J, blocks)
    shares = kernels.sum(axis=1)
    rows = -(-points // r)
    samples = np.arange(rows + blocks - 1) * r + r // 2
    sampled = np.clip(samples, 0, mean_nu.size - 1)

    def windows(values: FloatArray) -> FloatArray:
        return np.lib.stride_tricks.sliding_window_view(values[sampled], blocks)  # (rows, blocks)

    h = windows(mean_nu)
    sub_mean = np.einsum("rb,jb->rj", h, kernels) / shares  # E[h | sub-band j], (rows, J)
    band = kernels.sum(axis=0)
    mean = np.einsum("rj,j->r", sub_mean, shares)
    mean_sq, mean_cube = np.einsum("rb,b->r", h**2, band), np.einsum("rb,b->r", h**3, band)
    ok = mean > MIN_RELATIVE_OVERFLOW * max(float(mean.max()), 1e-300)
    inv = np.where(ok, 1.0 / np.where(ok, mean, 1.0), 0.0)
    within = np.maximum(mean_sq - np.einsum("rj,j->r", sub_mean**2, shares), 0.0) * inv**2
    third = np.maximum(mean_cube - 3 * mean * mean_sq + 2 * mean**3, 0.0) * inv**3
    as32 = np.float32
    return _Coarse(
        shares=shares,
        ratio=np.ascontiguousarray((sub_mean * inv[:, None]).T, dtype=as32),
        sd_within=np.sqrt(within).astype(as32),
        cv3=third.astype(as32),
        month_variance=np.maximum(np.einsum("rb,b->r", windows(second_nu), band) - mean_sq, 0.0).astype(as32),
        # E_zeta E_nu[(y - h)^3] = E[y^3] - 3 h E[y^2] + 2 h^3 (with E_nu y = h)
        month_third=np.maximum(
            np.einsum("rb,b->r", windows(third_nu) - 3 * h * windows(second_nu) + 2 * h**3, band), 0.0
        ).astype(as32),
    )


def _usage_only_table(segs: list[tuple[float, float]], shape: UsageShape) -> BandTable:
    """E[exp(c zeta) | band] for c = sigma_p and 2 sigma_p (truncated normal moments), nu in closed form."""
    sd, nu_var = shape.persistent_sd, shape.transient_sd**2
    mass = sum(special.ndtr(b) - special.ndtr(a) for a, b in segs)

    def moment(c: float) -> float:
        return float(
            math.exp(c * c / 2) * sum(special.ndtr(b - c) - special.ndtr(a - c) for a, b in segs) / mass
        )

    first, second, third = moment(sd), moment(2 * sd), moment(3 * sd)
    persistent = max(second / first**2 - 1.0, 0.0)
    skew = max((third - 3 * first * second + 2 * first**3) / first**3, 0.0)
    # Third central moment of exp(b nu) is exp(3 b^2 / 2) (exp(b^2) - 1)^2 (exp(b^2) + 2).
    nu_third = math.exp(1.5 * nu_var) * math.expm1(nu_var) ** 2 * (math.exp(nu_var) + 2)

    def point(value: float) -> Float32Array:
        return np.full(1, value, dtype=np.float32)

    return BandTable(
        usage_only=True,
        grid_start=0.0,
        overflow=point(first * math.exp(nu_var / 2)),
        month_variance=point(second / first**2 * math.expm1(nu_var)),
        month_third=point(third / first**3 * nu_third / math.exp(1.5 * nu_var)),
        sub_shares=np.ones(1),
        sub_ratio=np.ones((1, 1), dtype=np.float32),
        sd_within=point(math.sqrt(persistent)),
        cv3_persistent=point(skew),
    )
