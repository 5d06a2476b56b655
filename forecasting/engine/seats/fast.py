"""The fast seat path: cost that does not grow with the number of engineers (docs/model.md#seat-path).

Per trial, after the trial-level draws shared with the brute force (headcount, drift, capacity, shock):

* Pool composition. round(H_t) engineers exist in month t; the min over the term of them are there in
  every month, the others join (or leave) along the linear headcount path. The split of each group over
  the plans' bands is multinomial, drawn by sequential conditional binomials (exact by CDF inversion
  when the expected count is at most EXACT_COUNT_MEAN, else normal with a skew term, rounded); the
  engineers M_kt of plan k present in month t are the first group plus the second times t / (T - 1)
  (or 1 - t / (T - 1)), exact at both ends of the term.
* Demand. Active engineers of plan k, D_kt ~ Binomial(M_kt, a_t): normal, rounded and floored at 0;
  small bands add a Cornish-Fisher skew term and are clipped to M_kt.
* Usage. Conditional on the month's log-level m_t and the trial's capacity, the mean overflow of plan k
  is D_kt cap_k overflow_k(m_t - ln cap_k) from the band tables (nearest grid point, indexed
  arithmetically); usage-only plans: D_kt exp(m_t) E[exp(sigma_p zeta + sigma_t nu) | band].
* Heterogeneity. The same engineers stay in the band all term, so a trial's total differs from its
  conditional mean by a factor with the variance and skew of a mean over the band's engineers, followed
  along the trial's path (see `band_usage`), drawn as one shifted lognormal per trial and plan.

* Heavy tails. Where the persistent sd sigma sqrt(w) is at least `tail.TAIL_MIN_PERSISTENT_SD` (0.95;
  p90/median 5 at persistence 0.6 is 0.97), the top band (unbounded above) is cut at the level above
  which `tail.TAIL_ENGINEERS` (8) of the team's engineers are expected: those are a share of the pool like
  a band and are drawn one by one as in the brute force (`tail.simulate_tail`, own child stream); the band
  below the cut keeps the approximations above with its own tables. A mean over a few heavy-tailed
  engineers is far from any three-moment factor (the factor alone missed p5 by +50% at 40 engineers with
  p90/median 10 and persistence 0.9, +11% at 300); with the tail drawn, p5 / p50 / p95 of team cost hold
  2% of the brute force on the grid of benchmarks/seat_accuracy_grid.py (docs/model.md#seat-path). It
  costs about a brute force of 8 engineers per trial (some 60 ms per 5,000-trial block), whatever the
  team's size; below the threshold nothing changes.

A band with engineers in fewer than SPARSE_TRIAL_SHARE of the trials (a tail of the usage distribution
in a small team) is simulated on those trials only. Cohorts of at most EXACT_COHORT_MAX_ENGINEERS
engineers are simulated exactly, per engineer (`brute_force.simulate_exact`, same stream).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from forecasting.engine.arrays import FloatArray
from forecasting.engine.factors import seat_factors
from forecasting.engine.inputs import Correlation, SeatContract, SeatPlan, TeamInput
from forecasting.engine.seats import band_usage
from forecasting.engine.seats.accounts import team_block
from forecasting.engine.seats.brute_force import simulate_exact
from forecasting.engine.seats.decision import PlanMix, TeamDecision
from forecasting.engine.seats.model import (
    Float32Array,
    PlanTerms,
    TeamBlock,
    TrialLevelDraws,
    adoption_path,
    draw_trial_level,
    month_ramp,
)
from forecasting.engine.seats.tables import BandTable
from forecasting.engine.seats.tail import TailSplit, simulate_tail, tail_split
from forecasting.engine.seats.validation import check_block_arguments
from forecasting.engine.seats.workspace import Workspace
from forecasting.engine.streams import NORMAL_TABLE, SEAT_PATH, generator, normal_bits, table_normals

# Below ~30 the normal approximations of binomial counts and the per-trial heterogeneity factor lose
# accuracy, and exact draws cost little (the brief's threshold; see benchmarks/seat_path_bench.py).
EXACT_COHORT_MAX_ENGINEERS = 30
# Pool splits with at most this many expected engineers are drawn exactly (the normal approximation of a
# binomial with a mean below ~1 all but never rounds up to one engineer; from a mean of 1, with its skew
# term, its mean is within 3% and P(0) within 0.01 of the binomial's, and the exact draw costs more).
EXACT_COUNT_MEAN = 1.0
# The Cornish-Fisher skew term of the activity draws matters where bands are small (clipping at 0 and at
# the band's size biases demand); above this many engineers it changes E(D - N)^+ by < 0.1%, so it is skipped.
SKEW_TERM_MAX_ENGINEERS = 40.0
SPARSE_TRIAL_SHARE = 0.5  # a band present in fewer trials than this share is simulated on those only
CLIP_HIGH = np.float32(3e38)  # np.clip with two scalar bounds is ~5x faster here than with one


def simulate_team_block(
    team: TeamInput,
    decision: TeamDecision,
    plans: Mapping[str, SeatPlan],
    contract: SeatContract,
    *,
    months: int,
    seed: int,
    block: int,
    item: int,
    trials: int,
    exact_max_engineers: int = EXACT_COHORT_MAX_ENGINEERS,
    correlation: Correlation | None = None,
) -> TeamBlock:
    """Simulate one team's seat path for one block of trials from stream (seed, block, SEAT_PATH, item).

    Model: docs/model.md#seat-path as made precise in `seats.model`; pricing: seat fees with the
    decision's annual seats (monthly seats for the rest, the plan minimum enforced), extra usage at list,
    blocked usage valued at `blocked_usage_value`, `api` usage API-billed. Teams of at most
    `exact_max_engineers` engineers (headcount now and end) use exact per-engineer draws; larger ones use the
    approximations described in this module, whose cost does not depend on the number of engineers. With
    windowed seat counts in the decision, `cost_windowed_usd` prices the same draws with them.
    `correlation`: the scenario's loadings (None: teams independent); the capacity shock is common anyway.
    """
    check_block_arguments(team, decision, plans, contract, months=months, trials=trials)
    rng = generator(seed, block, SEAT_PATH, item)
    shared = seat_factors(correlation, seed, block, months=months, trials=trials)
    if max(team.headcount_now, team.headcount_end) <= exact_max_engineers:
        return simulate_exact(
            rng, team, decision, months=months, trials=trials, shared=shared, tabulated=True
        )
    work = Workspace(trials)
    plan_count = len(decision.terms)
    normals = work.array("trial_normals", (2 + plan_count + months, trials))
    draws = draw_trial_level(
        rng, team, decision.terms, months=months, trials=trials, shared=shared, out=normals
    )
    split = tail_split(team, decision, months)
    pool = _pool(rng, decision, draws, split)
    # One child stream per allowed plan: a plan's draws do not depend on which other plans have engineers.
    plan_streams = rng.spawn(plan_count)
    level = band_usage.MonthLevel(draws.log_level, decision.tables.step, work)
    ramp = month_ramp(months).astype(np.float32)[:, None]
    ramp_by_part = level.bin_means(ramp)  # (Q, 1)
    adoption = _Adoption(adoption_path(team, months))
    demand = work.array("demand", (plan_count, months, trials))
    engineer_months = np.zeros((len(decision.terms), trials))
    usage = np.zeros((len(decision.terms), trials))
    api_monthly = np.zeros((trials, months))
    for k, (plan, table) in enumerate(zip(decision.terms, decision.tables.plans, strict=True)):
        if split is not None and k == split.plan:
            table = split.body_table  # the top band below its tail, drawn per engineer below
        members = pool.first[k] + pool.later[k]
        with_engineers = np.flatnonzero(members > 0)
        # A band with engineers in few trials (a tail of the usage distribution) is simulated on those only.
        sparse = with_engineers.size < SPARSE_TRIAL_SHARE * trials
        if table is None or sparse:
            demand[k] = 0.0
        if table is None or with_engineers.size == 0:
            continue
        part = with_engineers if sparse else slice(None)
        base, slope = pool.presence(k)
        band = _Band(
            base[part],
            slope[part],
            ramp,
            ramp_by_part,
            level.columns(with_engineers) if sparse else level,
            draws.log_capacity[k][part],
            small=float(members.mean()) < SKEW_TERM_MAX_ENGINEERS,
            linear=_linear_bill(plan, decision.mix[k]),
        )
        out = np.empty((months, with_engineers.size), dtype=np.float32) if sparse else demand[k]
        result = _simulate_band(plan_streams[k], band, table, adoption, out)
        if sparse:
            demand[k][:, part] = out
        usage[k][part] = result.usage
        engineer_months[k][part] = result.engineer_months
        if plan.api_billed and result.monthly is not None:
            api_monthly[part] = result.monthly.T
    if split is not None:
        k = split.plan
        tail = simulate_tail(
            rng.spawn(1)[0],
            team,
            split,
            draws,
            pool.first[-1],
            pool.later[-1],
            pool.growing,
            adoption_path(team, months),
        )
        demand[k] += tail.demand
        usage[k] += tail.usage
        engineer_months[k] += tail.demand.sum(axis=0, dtype=np.float64)
        if decision.terms[k].api_billed:
            api_monthly += tail.monthly.T
    return team_block(decision, demand, usage, api_monthly, engineer_months, work)


class _Adoption:
    """a_t and the functions of it the activity draws use, as (T, 1) float32 columns."""

    def __init__(self, adoption: FloatArray) -> None:
        self.share = adoption.astype(np.float32)[:, None]
        self.spread = np.sqrt(self.share * (1 - self.share))  # binomial sd per sqrt(engineer)
        self.skew = (1 - 2 * self.share) / 6  # Cornish-Fisher coefficient of (z^2 - 1)
        self.inactive = 1.0 - float(adoption.mean())
        ramp = month_ramp(adoption.size)
        variance = adoption * (1 - adoption)
        # sum_t a_t, sum_t a_t t/(T-1), and the same for a_t (1 - a_t): engineer-month sums in closed form.
        self.sums = (adoption.sum(), (adoption * ramp).sum(), variance.sum(), (variance * ramp).sum())
        self.ramped = (adoption * ramp).astype(np.float32)[:, None]  # a_t t / (T - 1)


@dataclass(frozen=True)
class _Pool:
    """Engineers per plan (K, n): those present all term, the rest, and whether the team grows."""

    first: Float32Array
    later: Float32Array
    growing: Float32Array  # (n,) 1 where the headcount grows (the rest join), 0 where it shrinks

    def presence(self, k: int) -> tuple[Float32Array, Float32Array]:
        """Engineers of plan k present in month t as base + slope * t / (T - 1): the rest join (or leave)
        along the linear headcount path."""
        base = self.first[k] + self.later[k] * (1 - self.growing)
        return base, self.later[k] * (2 * self.growing - 1)


@dataclass(frozen=True)
class _Band:
    """One plan's band in the trials it is simulated on (m of them)."""

    base: Float32Array  # (m,) engineers present in month 0
    slope: Float32Array  # (m,) change of engineers present from month 0 to month T - 1
    ramp: Float32Array  # (T, 1) t / (T - 1)
    ramp_by_part: FloatArray  # (Q, 1) its mean over each part of the term
    level: band_usage.MonthLevel
    log_capacity: FloatArray  # (m,)
    small: bool  # few engineers: skew term and clipping to the band's size in the activity draws
    linear: bool  # the plan's bill is linear in demand: month-by-month activity noise is not needed


@dataclass(frozen=True)
class _BandResult:
    usage: FloatArray  # (m,) USD
    engineer_months: FloatArray  # (m,)
    monthly: Float32Array | None  # (T, m) usage of usage-only plans


def _simulate_band(
    rng: np.random.Generator, band: _Band, table: BandTable, adoption: _Adoption, out: Float32Array
) -> _BandResult:
    """Demand into `out` (T, m); usage per trial and, for usage-only plans, per month."""
    demand_parts = (
        _expected_active(rng, band, adoption, out) if band.linear else _active(rng, band, adoption, out)
    )
    monthly = None
    if table.usage_only:
        usage, monthly = band_usage.usage_only(table, band.level, out, demand_parts)
    else:
        usage = band_usage.overflow(table, band.log_capacity, band.level, out, demand_parts)
    engineer_months = demand_parts.sum(axis=0)
    present = band.base + band.slope * band.ramp_by_part  # (Q, m) engineers present in each part
    variance, third = band_usage.factor_moments(usage, present, engineer_months, adoption.inactive)
    scale = band_usage.shifted_lognormal_factor(variance, third, table_normals(rng, (out.shape[1],)))
    if monthly is not None:
        monthly *= scale.astype(np.float32)
    return _BandResult(usage.total * scale, engineer_months, monthly)


def _linear_bill(plan: PlanTerms, entry: PlanMix) -> bool:
    """No annual seats and no minimum: seat fees p * sum_t D_t and usage are linear in demand."""
    windows = entry.annual_seats_by_window or ()
    years = entry.annual_seats_by_year
    floors = plan.min_seats or plan.organization_min_seats  # either floor needs each month's demand
    return entry.annual_seats == 0 and not any(years) and not any(windows) and floors == 0


def _pool(
    rng: np.random.Generator, decision: TeamDecision, draws: TrialLevelDraws, split: TailSplit | None
) -> _Pool:
    """The pool's split over the plans' bands (see the module docstring); with a tail split, one more row
    (last) for the top band's tail engineers, taken out of its plan's share."""
    shares = np.array(decision.shares)
    if split is not None:
        shares[split.plan] = max(shares[split.plan] - split.share, 0.0)
        shares = np.append(shares, split.share)
    trials = draws.start_engineers.size
    z, u = (
        table_normals(rng, (2, shares.size, trials)),
        rng.random((2, shares.size, trials), dtype=np.float32),
    )
    low = np.minimum(draws.start_engineers, draws.end_engineers)
    high = np.maximum(draws.start_engineers, draws.end_engineers)
    growing = (draws.end_engineers >= draws.start_engineers).astype(np.float32)
    return _Pool(_split(low, shares, z[0], u[0]), _split(high - low, shares, z[1], u[1]), growing)


def _split(total: Float32Array, shares: FloatArray, z: Float32Array, u: FloatArray) -> Float32Array:
    """Multinomial(total, shares) per trial by sequential conditional binomials: exact (inverse CDF) when
    the expected count is small, else normal with a skew term and rounded. The largest share takes the
    remainder."""
    out = np.zeros((shares.size, total.size), dtype=np.float32)
    order = [int(k) for k in np.argsort(shares, kind="stable") if shares[k] > 0]
    remaining, rest = total.copy(), float(shares[order].sum()) if order else 0.0
    for k in order[:-1]:
        p = min(float(shares[k]) / rest, 1.0)
        if float(remaining.max(initial=0.0)) * p <= EXACT_COUNT_MEAN:
            out[k] = _binomial_inverse(remaining, p, u[k])
        else:
            mean = remaining * np.float32(p)
            skew_term = np.float32((1 - 2 * p) / 6) * (z[k] * z[k] - 1)  # Cornish-Fisher, as in _active
            out[k] = np.clip(
                np.rint(mean + np.sqrt(mean * np.float32(1 - p)) * z[k] + skew_term), 0, remaining
            )
        remaining -= out[k]
        rest -= float(shares[k])
    if order:
        out[order[-1]] = remaining
    return out


def _binomial_inverse(trials: Float32Array, p: float, u: FloatArray) -> Float32Array:
    """Binomial(trials, p) by inverting its CDF at u, one k at a time over the trials still above F(k):
    the work is about trials x (1 + mean), small for the means it is used for."""
    count = np.zeros(trials.size, dtype=np.float32)
    if p >= 1.0:
        return trials.copy()
    n = trials.astype(np.float64)
    pmf = (1.0 - p) ** n  # P(X = 0)
    cdf, odds = pmf.copy(), p / (1.0 - p)
    alive = np.flatnonzero(u > cdf)
    n, pmf, cdf, u = n[alive], pmf[alive], cdf[alive], u[alive]
    k = 0
    while alive.size:
        count[alive] += 1
        k += 1
        pmf *= np.maximum(n - k + 1, 0.0) * (odds / k)
        cdf += pmf
        still = u > cdf
        alive, n, pmf, cdf, u = alive[still], n[still], pmf[still], cdf[still], u[still]
    return np.minimum(count, trials)


def _expected_active(
    rng: np.random.Generator, band: _Band, adoption: _Adoption, out: Float32Array
) -> FloatArray:
    """Demand for a plan billed linearly in it (no annual seats, no minimum): each month's expected active
    engineers M_kt a_t, times one factor (1 + e) per trial with Var(e) = sum_t M_kt a_t (1 - a_t) /
    (sum_t M_kt a_t)^2, the binomial noise of the term's engineer-months. Every cost of such a plan is
    linear in demand, so means are exact and the variance of the term's total is kept, without a draw
    per month; returns the months summed by part (Q, m)."""
    total = band.base * adoption.sums[0] + band.slope * adoption.sums[1]  # sum_t M_kt a_t
    noise = band.base * adoption.sums[2] + band.slope * adoption.sums[3]  # sum_t M_kt a_t (1 - a_t)
    relative_sd = np.sqrt(np.maximum(noise, 0.0)) / np.maximum(total, 1e-30)
    factor = np.maximum(1.0 + relative_sd * table_normals(rng, (out.shape[1],)), 0.0).astype(np.float32)
    # (base + slope t/(T-1)) a_t (1 + e) as two outer products: a_t (base f) + (a_t t/(T-1)) (slope f).
    np.multiply(adoption.ramped, band.slope * factor, out=out)
    out += np.multiply(adoption.share, band.base * factor, out=band.level.work.array("present", out.shape))
    return band.level.bin_sums(out)


def _active(rng: np.random.Generator, band: _Band, adoption: _Adoption, out: Float32Array) -> FloatArray:
    """Active engineers of the band per month into `out` (T, m); returns them summed by part (Q, m).

    Binomial(M_kt, a_t) as a normal, M a + sd z, rounded and floored at 0. Small bands add the
    Cornish-Fisher skew term (1 - 2a)(z^2 - 1)/6 (the binomial's skewness is (1 - 2a)/sd, so the term
    does not depend on M) and are clipped to M_kt: there, clipping a symmetric normal would bias demand.
    """
    work = band.level.work
    present = np.multiply(band.ramp, band.slope, out=work.array("present", out.shape))
    present += band.base
    z = np.take(NORMAL_TABLE, normal_bits(rng, out.shape), mode="wrap", out=work.array("noise", out.shape))
    scratch = np.sqrt(present, out=work.array("scratch", out.shape))
    scratch *= adoption.spread
    if band.small:
        np.multiply(z, z, out=out)
        out -= np.float32(1)
        out *= adoption.skew
        # The expansion needs a small skewness (1 - 2a) / sd: where sd < 1 (adoption near 0 or 1, or a band
        # of a few engineers) the term shrinks with sd, and vanishes with it (a = 0: nobody is active).
        out *= np.minimum(scratch, np.float32(1), out=work.array("capped_sd", out.shape))
        z *= scratch
        out += z
    else:
        np.multiply(z, scratch, out=out)
    np.multiply(present, adoption.share, out=scratch)
    out += scratch
    np.rint(out, out=out)
    np.clip(out, 0, CLIP_HIGH, out=out)
    if band.small:
        np.minimum(out, np.rint(present, out=present), out=out)
    return band.level.bin_sums(out)
