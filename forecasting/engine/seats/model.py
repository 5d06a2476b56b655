"""The seat-path model shared by the decision, the fast path and the brute force (docs/model.md#seat-path).

Team j, trial n, month t = 0..T-1:

    H_end = headcount_end * exp(headcount_sd * Z)          once per trial
    H_t   = headcount_now + (H_end - headcount_now) * t / (T - 1), engineers = round(H_t)
    a_t   = adoption_now + (adoption_end - adoption_now) * t / (T - 1)
    A_t   ~ Binomial(round(H_t), a_t)                      active engineers
    D     ~ Normal(usage_growth, usage_growth_sd)          once per trial, 1 + D floored at MIN_GROWTH_FACTOR
    eta_t = rho * eta_{t-1} + sqrt(1 - rho^2) * vol * eps_t, eta_0 = vol * eps_0   (stationary AR(1))
    m_t   = mu + t * ln(1 + D) + eta_t                    team log-level
    U_it  = exp(m_t + sigma * (sqrt(w) * zeta_i + sqrt(1 - w) * nu_it))   engineer i's API-equivalent usage
    cap_k = capacity_usd * exp(capacity_sd * Z_cap)        Z_cap once per trial, shared by every plan and team

The drift's normal and the innovations eps_t load on the company-wide teams factor when the scenario
correlates teams
(`forecasting.engine.factors`, docs/model.md#correlation); Z_cap is the common capacity shock.

with mu = ln(median), sigma = ln(p90 / median) / z_0.9, w = usage_persistence. Engineer i exists in month t
when i < round(H_t) (the pool grows or shrinks from its end) and is active with probability a_t.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from forecasting.engine.arrays import FloatArray, PerTrial, TrialsByMonth
from forecasting.engine.factors import SeatFactors, load
from forecasting.engine.inputs import API_PLAN, SeatContract, SeatPlan, TeamInput
from forecasting.engine.streams import table_normals

Float32Array = NDArray[np.float32]

# 1.2816: the p90 of a standard normal (docs/model.md#seat-path: sigma = ln(p90/median)/z)
Z_090 = float(special.ndtri(0.9))
SHOCK_AUTOCORRELATION = 0.7  # docs/model.md#seat-path: the team shock is AR(1) with rho = 0.7
# 1 + D is floored here so that ln(1 + D) stays finite when a wide usage_growth_sd draws D <= -1.
MIN_GROWTH_FACTOR = 1e-3


@dataclass(frozen=True)
class PlanTerms:
    """One allowed plan with its contract applied: the prices and overflow rule the engine uses."""

    key: str
    monthly_usd: float  # price of a seat bought month to month
    annual_monthly_usd: float | None  # price per seat-month of an annual seat; None: no annual seats
    capacity_usd: float  # median capacity; 0: every dollar of usage overflows (api, usage-billed seats)
    capacity_sd: float
    overflow_weight: float  # lambda: 1 for extra usage, blocked_usage_value for blocked usage
    blocked: bool
    api_billed: bool  # the `api` pseudo-plan: no seat, usage billed through the API
    min_seats: int  # the floor on this team's seats of the plan (a team-scoped minimum; else 0)
    # An organisation-scoped minimum: no floor per team, the organisation's total is topped up
    # (docs/decisions.md#minimum-seats); 0 when the plan has none or its minimum is per team.
    organization_min_seats: int = 0
    # r: what the decision counts per dollar of this plan's billed usage (`api` usage, extra usage) when it
    # draws down the API commitment (docs/decisions.md#seats-and-commitment-together); 1: list price. The
    # bill itself stays at list (`overflow_weight`): the commitment's settlement prices the discount.
    counted_rate: float = 1.0

    @property
    def decision_weight(self) -> float:
        """lambda_k as the decision weighs a dollar of overflow: blocked usage its value, billed usage r."""
        return self.overflow_weight if self.blocked else self.overflow_weight * self.counted_rate

    @property
    def seat_price_usd(self) -> float:
        """The effective price of a seat-month used to compare plans (annual when annual seats exist)."""
        return self.monthly_usd if self.annual_monthly_usd is None else self.annual_monthly_usd

    @property
    def has_seats(self) -> bool:
        return not self.api_billed

    @property
    def usage_only(self) -> bool:
        """Every dollar of usage is billed or blocked (no included capacity)."""
        return self.capacity_usd <= 0.0


def plan_terms(
    plans: Mapping[str, SeatPlan], contract: SeatContract, key: str, *, counted_rate: float = 1.0
) -> PlanTerms:
    """Resolve an allowed plan key; `api` needs no catalog row (no seat, every dollar API-billed).
    `counted_rate`: the decision's rate r for the plan's billed usage (ignored for blocked plans)."""
    if key == API_PLAN:
        return PlanTerms(API_PLAN, 0.0, None, 0.0, 0.0, 1.0, False, True, 0, counted_rate=counted_rate)
    plan = plans[key]
    annual = plan.annual_monthly_usd if contract.annual_term else None
    blocked = plan.overflow == "blocked"
    weight = contract.blocked_usage_value if blocked else 1.0
    return PlanTerms(
        key,
        plan.monthly_usd,
        annual,
        plan.capacity_usd,
        plan.capacity_sd,
        weight,
        blocked,
        False,
        plan.min_seats if plan.min_seats_scope == "team" else 0,
        organization_min_seats=plan.min_seats if plan.min_seats_scope == "organization" else 0,
        counted_rate=1.0 if blocked else counted_rate,
    )


@dataclass(frozen=True)
class UsageShape:
    """The team's usage distribution in log space (docs/model.md#seat-path)."""

    log_median: float  # mu
    persistent_sd: float  # sigma * sqrt(w): sd of the engineer level
    transient_sd: float  # sigma * sqrt(1 - w): sd of the engineer-month noise


def usage_shape(team: TeamInput) -> UsageShape:
    sigma = math.log(team.usage_p90_usd / team.usage_median_usd) / Z_090
    w = team.usage_persistence
    return UsageShape(math.log(team.usage_median_usd), sigma * math.sqrt(w), sigma * math.sqrt(1.0 - w))


def month_ramp(months: int) -> FloatArray:
    """t / (T - 1) for t = 0..T-1 (0 for a one-month term)."""
    return np.arange(months) / max(months - 1, 1)


def adoption_path(team: TeamInput, months: int) -> FloatArray:
    return team.adoption_now + (team.adoption_end - team.adoption_now) * month_ramp(months)


def validate(team: TeamInput, plans: Mapping[str, SeatPlan], contract: SeatContract, months: int) -> None:
    """Refuse inputs the model cannot represent, with the field that is wrong."""
    checks = [
        (months >= 1, "months must be at least 1"),
        (team.headcount_now >= 0 and team.headcount_end >= 0, "headcounts must be non-negative"),
        (team.headcount_sd >= 0, "headcount_sd must be non-negative"),
        (0 <= team.adoption_now <= 1 and 0 <= team.adoption_end <= 1, "adoption must be in [0, 1]"),
        (team.usage_median_usd > 0, "usage_median_usd must be positive"),
        (team.usage_p90_usd >= team.usage_median_usd, "usage_p90_usd must be >= usage_median_usd"),
        (0 <= team.usage_persistence <= 1, "usage_persistence must be in [0, 1]"),
        (team.usage_growth > -1, "usage_growth must be > -1"),
        (team.usage_growth_sd >= 0 and team.usage_volatility >= 0, "usage sds must be non-negative"),
        (len(team.allowed_plans) > 0, "allowed_plans must not be empty"),
        (len(set(team.allowed_plans)) == len(team.allowed_plans), "allowed_plans has duplicates"),
        (contract.blocked_usage_value >= 0, "blocked_usage_value must be non-negative"),
        ((contract.removable_every_months or 1) >= 1, "removable_every_months must be at least 1"),
    ]
    for ok, message in checks:
        if not ok:
            raise ValueError(f"team {team.name!r}: {message}")
    for key in team.allowed_plans:
        if key != API_PLAN and key not in plans:
            raise ValueError(f"team {team.name!r}: unknown plan {key!r}")
        if key != API_PLAN and (plans[key].capacity_usd < 0 or plans[key].capacity_sd < 0):
            raise ValueError(f"team {team.name!r}: plan {key!r} capacity must be non-negative")


@dataclass(frozen=True)
class TeamBlock:
    """The seat path of one team in one block of trials (n trials, T months, K allowed plans).

    Money in USD summed over the term unless the name says monthly. `blocked_usage_usd` is the usage a
    plan's limit refused, in API-equivalent dollars, unvalued; `blocked_value_usd` is that usage times
    `blocked_usage_value` (productivity lost, not a bill). `cost_usd`, the cost the decision minimises,
    is the cash cost plus the valued blocked usage (docs/decisions.md#seats-per-team).
    """

    cost_usd: PerTrial  # cash cost + valued blocked usage
    seat_fees_usd: PerTrial
    idle_seat_cost_usd: PerTrial  # the part of the seat fees paid for seats nobody used
    extra_usage_usd: PerTrial
    blocked_usage_usd: PerTrial  # API-equivalent usage refused, unvalued (not paid, not in cost_usd)
    blocked_value_usd: PerTrial  # blocked_usage_value x blocked_usage_usd (in cost_usd, not paid)
    api_billed_usd: PerTrial  # usage of engineers on the `api` pseudo-plan
    api_billed_monthly_usd: TrialsByMonth
    seat_months_by_plan: FloatArray  # (K, n) seat-months bought (annual + monthly), plans as allowed_plans
    cost_windowed_usd: PerTrial | None = None  # same draws, seat counts re-chosen every window
    # (n, T) extra usage of seat plans per month, only when it counts toward the API commitment
    # (`TeamDecision.extra_usage_counts`); None otherwise
    extra_usage_monthly_usd: TrialsByMonth | None = None
    # (plan, (T, n) seats held max(D_t, N_t) per month) for plans with an organisation-scoped minimum: the
    # organisation tops their total up (docs/decisions.md#minimum-seats, `seats.organization`)
    organization_held: tuple[tuple[str, Float32Array], ...] = ()

    @property
    def cash_cost_usd(self) -> PerTrial:
        """What is paid: seat fees (idle seats included), extra usage and API-billed usage."""
        return self.seat_fees_usd + self.extra_usage_usd + self.api_billed_usd


@dataclass(frozen=True)
class TrialLevelDraws:
    """The draws both simulations share, in one fixed order, so they see the same trials."""

    start_engineers: Float32Array  # (n,) round(H_0)
    end_engineers: Float32Array  # (n,) round(H_{T-1})
    end_headcount: FloatArray  # (n,) H_end before rounding
    log_level: Float32Array  # (T, n) m_t
    log_capacity: FloatArray  # (K, n) ln cap_k; -inf for usage-only plans

    def engineers(self, headcount_now: float) -> Float32Array:
        """round(H_t) per month and trial (T, n)."""
        months = self.log_level.shape[0]
        ramp = month_ramp(months).astype(np.float32)[:, None]
        growth = (self.end_headcount - headcount_now).astype(np.float32)
        engineers: Float32Array = np.float32(headcount_now) + growth * ramp
        return np.rint(engineers, out=engineers)


def draw_trial_level(
    rng: np.random.Generator,
    team: TeamInput,
    terms: tuple[PlanTerms, ...],
    *,
    months: int,
    trials: int,
    shared: SeatFactors,
    out: Float32Array | None = None,
) -> TrialLevelDraws:
    """Headcount, drift and a (now unused) normal per plan, one per trial each, the AR(1) shock (one per
    month), all from the tabulated normal (NORMAL_TABLE), drawn in one call in that order, into `out`
    (2 + K + T, n) when given (the log-level is a view of it). The per-plan normals are still drawn, so
    the shock's draws are the ones drawn before capacity became common; capacity takes `shared.capacity`,
    and the drift's normal and the shock's innovations are loaded on `shared.usage` when teams are correlated.
    """
    shape = usage_shape(team)
    z = table_normals(rng, (2 + len(terms) + months, trials), out)
    end = team.headcount_end * np.exp(team.headcount_sd * z[0], dtype=np.float64)
    drift_normal: FloatArray | Float32Array = z[1]
    usage = shared.usage
    if usage is not None:
        drift_normal = load(usage.loading, usage.trial, z[1])
        _load_in_place(usage.loading, usage.monthly, z[2 + len(terms) :])
    growth = np.log(
        np.maximum(1.0 + team.usage_growth + team.usage_growth_sd * drift_normal, MIN_GROWTH_FACTOR)
    )
    log_level = _ar1_shocks(z[2 + len(terms) :], team.usage_volatility)
    trend = np.arange(months, dtype=np.float32)[:, None] * growth.astype(np.float32)
    trend += np.float32(shape.log_median)
    log_level += trend
    log_capacity = np.full((len(terms), trials), -np.inf)
    for k, plan in enumerate(terms):
        if not plan.usage_only:
            log_capacity[k] = math.log(plan.capacity_usd) + plan.capacity_sd * shared.capacity
    start = np.full(trials, round(team.headcount_now), dtype=np.float32)
    last = start if months == 1 else np.rint(end).astype(np.float32)
    return TrialLevelDraws(start, last, end, log_level, log_capacity)


def _load_in_place(loading: float, factor: FloatArray, own: Float32Array) -> None:
    """own <- loading x factor + sqrt(1 - loading^2) x own (float32, in place)."""
    own *= np.float32(math.sqrt(1.0 - loading**2))
    own += (loading * factor).astype(np.float32)


def _ar1_shocks(innovations: Float32Array, volatility: float) -> Float32Array:
    """Stationary AR(1) with sd `volatility` along axis 0 (months), in place: eta_0 = vol eps_0."""
    innovations[0] *= np.float32(volatility)
    innovations[1:] *= np.float32(volatility * math.sqrt(1.0 - SHOCK_AUTOCORRELATION**2))
    rho = np.float32(SHOCK_AUTOCORRELATION)
    for t in range(1, innovations.shape[0]):
        innovations[t] += rho * innovations[t - 1]
    return innovations
