"""Usage of one plan's band in the fast path: the conditional mean per trial and its spread over engineers.

Given a trial's months (log-level m_t, capacity, active engineers D_t), the band's overflow has mean
sum_t D_t cap overflow(m_t - ln cap) (table lookup per month). Around it, three sources of variation:

* persistent: the band's engineers keep their levels zeta all term. Relative variance
  [sum_j q_j (R_j - 1)^2 + sd_within^2] / M_eff, where R_j is sub-band j's mean overflow relative to the
  band's along the trial's path (TIME_BINS parts of the term, each read at its overflow-weighted mean s)
  and M_eff = (sum_i e_i)^2 / sum_i e_i^2 the effective number of engineers given their exposure e_i
  (engineers who join late, or leave early, weigh less);
* turnover: which of the band's engineers are active changes every month (persistent x (1 - mean
  adoption) per engineer-month);
* transient: the engineer-month noise nu (E Var_nu(y) per engineer-month, read per part of the term).

The persistent part's third moment (the engineers' skew, at the trial's overflow-weighted s) sets the
skew: the factor is one mean-one shifted lognormal per trial with that variance and skewness (a plain
lognormal's skew is tied to its variance and overstated the lower tail's thinness in tests).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from forecasting.engine.arrays import FloatArray
from forecasting.engine.seats.model import Float32Array
from forecasting.engine.seats.tables import COARSE_STRIDE, BandTable
from forecasting.engine.seats.workspace import Workspace
from forecasting.engine.tolerances import MIN_DIVISOR_VARIANCE

TIME_BINS = 2  # parts of the term along which heterogeneity and month noise are followed
MIN_SKEW = 0.05  # below this the factor is all but normal; the formula below would divide by ~0
# A factor floored at 0 only where Z < z0 needs no mean correction below this z0: P(Z < -8.5) ~ 1e-17.
FLOOR_NEGLIGIBLE_Z = -8.5


class MonthLevel:
    """The team log-level m_t (T, n) in the forms the bands need, computed once per block."""

    def __init__(self, log_level: Float32Array, step: float, work: Workspace) -> None:
        self.step, self.work = step, work
        months = log_level.shape[0]
        self.bin_starts = np.unique(np.linspace(0, months, TIME_BINS + 1).astype(np.intp)[:-1])
        self._parts = list(itertools.pairwise([*self.bin_starts.tolist(), months]))
        self.inv_step = 1.0 / step
        self.scaled = np.multiply(
            log_level, np.float32(self.inv_step), out=work.array("scaled", log_level.shape)
        )
        self._log_level = log_level
        self._usage: Float32Array | None = None

    @property
    def usage(self) -> Float32Array:
        """exp(m_t), computed on first use."""
        if self._usage is None:
            self._usage = np.exp(self._log_level, out=self.work.array("usage", self._log_level.shape))
        return self._usage

    def columns(self, trials: NDArray[np.intp]) -> MonthLevel:
        """The same months for a subset of the trials."""
        return MonthLevel(self._log_level[:, trials], self.step, self.work)

    def bin_means(self, monthly: Float32Array) -> FloatArray:
        lengths = np.diff([*self.bin_starts.tolist(), self._log_level.shape[0]])
        return self.bin_sums(monthly) / lengths[:, None]

    def bin_sums(self, monthly: Float32Array) -> FloatArray:
        """(T, n) -> (Q, n) sums over the parts of the term."""
        # Row slices summed along axis 0 (vector adds) are several times faster here than np.add.reduceat.
        out = np.empty((len(self._parts), monthly.shape[1]))
        for q, (a, b) in enumerate(self._parts):
            out[q] = monthly[a:b].sum(axis=0)
        return out

    def bin_dots(self, *factors: Float32Array) -> FloatArray:
        """(T, n) arrays -> (Q, n) sums of their product over the parts of the term, in one pass."""
        out = np.empty((len(self._parts), factors[0].shape[1]))
        spec = ",".join(["tn"] * len(factors)) + "->n"
        for q, (a, b) in enumerate(self._parts):
            out[q] = np.einsum(spec, *(f[a:b] for f in factors))
        return out


@dataclass(frozen=True)
class BandUsage:
    """One band in one block: conditional mean usage (or overflow) per trial and its relative variances."""

    total: FloatArray  # (n,) USD
    bin_weight: FloatArray  # (Q, n) the same, per part of the term
    persistent: FloatArray | float  # Var over zeta of an engineer's mean, relative to the band mean^2
    persistent_third: FloatArray | float  # its third central moment, relative to the band mean^3
    transient: FloatArray  # (n,) relative variance of the total from month noise
    transient_third: FloatArray  # (n,) relative third central moment of the total from month noise


def usage_only(
    table: BandTable, level: MonthLevel, demand: Float32Array, demand_parts: FloatArray
) -> tuple[BandUsage, Float32Array]:
    """sum_t D_t exp(m_t) E[exp(sigma_p zeta + sigma_t nu) | band], and the months (T, n)."""
    monthly = np.multiply(demand, level.usage, out=level.work.array("monthly", demand.shape))
    monthly *= table.overflow[0]
    bins = level.bin_sums(monthly)
    total = bins.sum(axis=0)
    engineer_months = np.maximum(demand_parts.sum(axis=0), 1.0)
    transient = float(table.month_variance[0]) / engineer_months
    transient_third = float(table.month_third[0]) / engineer_months**2
    persistent, third = float(table.sd_within[0]) ** 2, float(table.cv3_persistent[0])
    return BandUsage(total, bins, persistent, third, transient, transient_third), monthly


def overflow(
    table: BandTable,
    log_capacity: FloatArray,
    level: MonthLevel,
    demand: Float32Array,
    demand_parts: FloatArray,
) -> BandUsage:
    """sum_t D_t cap overflow(m_t - ln cap) per trial, with its relative variances and skew."""
    work = level.work
    offset = ((-log_capacity - table.grid_start) * level.inv_step + 0.5).astype(np.float32)
    position = np.add(level.scaled, offset, out=work.array("position", demand.shape))  # grid units
    np.clip(position, 0, table.overflow.size - 1, out=position)
    index = work.array("index", demand.shape, np.intp)
    np.copyto(index, position, casting="unsafe")  # truncation: the offset's + 1/2 makes it rounding
    # intp indices already in range and mode="wrap": numpy's fastest gather (~0.5 ns a value here).
    per_engineer = np.take(table.overflow, index, mode="wrap", out=work.array("weighted", demand.shape))
    bins = level.bin_dots(per_engineer, demand)  # (Q, n) overflow per part of the term
    total = bins.sum(axis=0)
    inv_total = 1.0 / np.maximum(total, 1e-30)
    # Overflow-weighted mean grid position per part.
    center = level.bin_dots(per_engineer, demand, position) / np.maximum(bins, 1e-30)
    coarse = np.minimum((center * (1.0 / COARSE_STRIDE) + 0.5).astype(np.intp), table.sd_within.size - 1)
    relative = (np.take(table.sub_ratio, coarse, axis=1) * bins).sum(axis=1) * inv_total  # (J, n)
    between = np.einsum("j,jn->n", table.sub_shares, np.square(relative - 1.0))
    # Within a sub-band engineers keep their rank along the path: relative sds add up across parts.
    within = np.square((bins * np.take(table.sd_within, coarse)).sum(axis=0) * inv_total)
    month_variance = (demand_parts * np.take(table.month_variance, coarse)).sum(axis=0) * inv_total**2
    month_third = (demand_parts * np.take(table.month_third, coarse)).sum(axis=0) * inv_total**3
    middle = (bins * coarse).sum(axis=0) * inv_total + 0.5
    skew = np.take(table.cv3_persistent, middle.astype(np.intp))
    has_overflow = total > 0
    capacity = np.exp(log_capacity)
    return BandUsage(
        total * capacity,
        bins * capacity,
        np.where(has_overflow, between + within, 0.0),
        np.where(has_overflow, skew, 0.0),
        month_variance,
        month_third,
    )


def factor_moments(
    band: BandUsage, present: FloatArray, engineer_months: FloatArray, inactive_share: float
) -> tuple[FloatArray, FloatArray]:
    """Relative variance and third central moment of a band's usage given its conditional mean.

    `present` (Q, n): the band's engineers present in each part of the term. Engineer i's share of the
    band's usage is e_i / sum(e); the persistent part then has variance c2 sum(e^2) / sum(e)^2 and third
    moment c3 sum(e^3) / sum(e)^3; month noise adds both (per engineer-month, over sum_t D_t of them);
    the turnover of active engineers adds variance.
    """
    square, cube = _exposure_powers(band.bin_weight, present)
    turnover = band.persistent * inactive_share / np.maximum(engineer_months, 1.0)
    variance = np.asarray(band.persistent * square + turnover + band.transient, dtype=np.float64)
    third = np.asarray(band.persistent_third * cube + band.transient_third, dtype=np.float64)
    return variance, third


def _exposure_powers(weight: FloatArray, present: FloatArray) -> tuple[FloatArray, FloatArray]:
    """sum_i e_i^2 / (sum_i e_i)^2 and sum_i e_i^3 / (sum_i e_i)^3, where an engineer present in part q
    gets weight_q / present_q of it (1 / M and 1 / M^2 when everyone is there all term).

    Presence is nested (a linear headcount path only adds or only removes engineers), so the engineers
    present in all of parts q, r, ... number min(present_q, present_r, ...).
    """
    count = np.maximum(present, 1.0)
    share = weight / np.maximum(weight.sum(axis=0), 1e-300)
    per_engineer = share / count
    parts = range(weight.shape[0])
    # The sums run over ordered pairs (triples) of parts; each unordered one is computed once, times the
    # number of its orderings.
    square = sum(
        _orderings(q, r) * per_engineer[q] * per_engineer[r] * np.minimum(count[q], count[r])
        for q, r in itertools.combinations_with_replacement(parts, 2)
    )
    cube = sum(
        _orderings(q, r, u)
        * per_engineer[q]
        * per_engineer[r]
        * per_engineer[u]
        * np.minimum(np.minimum(count[q], count[r]), count[u])
        for q, r, u in itertools.combinations_with_replacement(parts, 3)
    )
    return np.asarray(square, dtype=np.float64), np.asarray(cube, dtype=np.float64)


def _orderings(*parts: int) -> int:
    """Distinct orderings of a multiset of parts: n! / (product of multiplicities!)."""
    counts = [parts.count(p) for p in set(parts)]
    return math.factorial(len(parts)) // math.prod(math.factorial(c) for c in counts)


def shifted_lognormal_factor(
    variance: FloatArray, third: FloatArray, z: FloatArray | Float32Array
) -> FloatArray:
    """Mean-one factors a + b exp(sigma Z) with the given variance and skewness third / variance^1.5.

    A lognormal's skewness is (w + 2) sqrt(w - 1) with w = exp(sigma^2): with u = sqrt(w - 1) that is the
    cubic u^3 + 3u = skew, solved by Cardano's formula. The skewness is floored at MIN_SKEW (a normal would
    need sigma = 0) and the factor at 0 (usage is never negative), then rescaled to mean 1.
    """
    floored = np.maximum(variance, MIN_DIVISOR_VARIANCE)
    skew = np.maximum(third / (floored * np.sqrt(floored)), MIN_SKEW)
    half = skew / 2
    root = np.sqrt(half * half + 1)
    u = np.cbrt(half + root) + np.cbrt(half - root)
    w = 1.0 + u * u
    root_w = np.sqrt(w)
    sigma = np.sqrt(np.log(w))
    scale = np.sqrt(variance / (w * (w - 1.0)))
    factor = np.exp(sigma * z)
    factor -= root_w
    factor *= scale
    factor += 1.0
    np.maximum(factor, 0.0, out=factor)
    # Where a wide, little-skewed factor would go below 0 it is floored there; dividing by the floored
    # factor's mean, (1 - b sqrt(w)) Phi(-z0) + b sqrt(w) Phi(sigma - z0) with z0 = ln(sqrt(w) - 1/b) /
    # sigma, keeps the mean at exactly 1. Below z0 = FLOOR_NEGLIGIBLE_Z the correction is under 1e-16.
    floor_at = root_w - 1.0 / np.maximum(scale, 1e-300)
    clipped = np.flatnonzero(floor_at > 0)
    if clipped.size:
        z0 = np.log(floor_at[clipped]) / sigma[clipped]
        keep = z0 > FLOOR_NEGLIGIBLE_Z
        clipped, z0 = clipped[keep], z0[keep]
        b = scale[clipped] * root_w[clipped]
        factor[clipped] /= (1 - b) * special.ndtr(-z0) + b * special.ndtr(sigma[clipped] - z0)
    return np.asarray(factor)
