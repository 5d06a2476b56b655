"""Organisation-scoped minimum seats (docs/decisions.md#minimum-seats), decided after the teams.

A plan whose `min_seats` applies to the organisation puts no floor on any team: the teams decide without
it, then for each such plan the organisation's seats held in month t, S_t = sum_j max(D_jt, N_jt) (demand
D_jt and annual seats N_jt of team j), are compared with the minimum m. Topping up costs the monthly
price times E[sum_t (m - S_t)^+]; dropping the plan from every team costs the rise of the teams' closed-form
expected costs (`decision.expected_term_cost`) when they re-decide without it. The cheaper is chosen, and
the simulation bills exactly that: per trial and month, (m - S_t)^+ seats at the monthly price.

E[(m - S_t)^+] is exact under the decision's demand model: D_jt | headcount node ~ Binomial(round(H_t),
a_t share_j), teams independent, so the distribution of S_t below m is the convolution of each team's
distribution of max(D_jt, N_jt) truncated to 0..m-1 (values >= m never fall short).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import stats

from forecasting.engine.arrays import FloatArray
from forecasting.engine.inputs import SeatContract, SeatPlan, TeamInput
from forecasting.engine.seats import seat_counts
from forecasting.engine.seats.decision import (
    IDLE_WARNING_SEATS,
    SEAT_YEAR_MONTHS,
    PlanMix,
    TeamDecision,
    decide_team,
)
from forecasting.engine.seats.model import Float32Array

# Dropping a plan is only weighed when topping up costs more than this over the term (USD): below it the
# organisation's seats clear the minimum in all but a negligible share of months.
TOP_UP_NEGLIGIBLE_USD = 1.0


@dataclass(frozen=True)
class OrganizationMinimum:
    """An organisation-scoped minimum kept (topped up): what the simulation bills on top of the teams."""

    plan: str
    min_seats: int
    monthly_usd: float  # price of a top-up seat-month (bought month to month)
    team_weights: tuple[float, ...]  # the share of the top-up each team carries, teams in order (sum 1)
    expected_top_up_seat_months: float  # E[sum_t (m - S_t)^+] in closed form


def annual_seats_by_month(entry: PlanMix, months: int) -> FloatArray:
    """N_t: the annual seats of each month (one count per seat year)."""
    if not entry.annual_seats_by_year:
        return np.full(months, float(entry.annual_seats))
    return np.repeat(np.array(entry.annual_seats_by_year, dtype=float), SEAT_YEAR_MONTHS)[:months]


def held_pmf(team: TeamInput, entry: PlanMix, months: int, below: int) -> FloatArray:
    """P(max(D_t, N_t) = s) for s = 0..below-1 and every month, (T, below), under the decision's model."""
    model = seat_counts.demand_model(team, months)
    values = np.arange(below, dtype=float)
    p = np.clip(model.adoption * entry.share, 0.0, 1.0)  # (T,)
    pmf = stats.binom.pmf(values[:, None, None], model.engineers[None], p[None, None, :])  # (S, Q, T)
    demand = np.einsum("q,sqt->ts", model.node_weights, pmf)
    floor = annual_seats_by_month(entry, months)
    held = np.where(values[None, :] > floor[:, None], demand, 0.0)
    for t, n in enumerate(floor):
        if n < below:  # all demand up to N_t is held as N_t seats
            held[t, int(n)] = demand[t, : int(n) + 1].sum()
    return held


def expected_shortfall(
    teams: Sequence[TeamInput], entries: Sequence[PlanMix | None], min_seats: int, months: int
) -> FloatArray:
    """E[(m - S_t)^+] per month, S_t the organisation's seats held (teams whose entry is None hold none)."""
    total = np.zeros((months, min_seats))
    total[:, 0] = 1.0
    for team, entry in zip(teams, entries, strict=True):
        if entry is None or entry.share <= 0:
            continue
        pmf = held_pmf(team, entry, months, min_seats)
        out = np.zeros_like(total)
        for s in range(min_seats):  # truncated convolution: sums >= m never fall short
            out[:, s:] += total[:, s : s + 1] * pmf[:, : min_seats - s]
        total = out
    return np.asarray(total @ (min_seats - np.arange(min_seats, dtype=float)))


def _entry(decision: TeamDecision, plan: str) -> PlanMix | None:
    return next((m for m in decision.mix if m.plan == plan and m.share > 0), None)


def _seat_months(entry: PlanMix | None, months: int) -> float:
    if entry is None:
        return 0.0
    return float(annual_seats_by_month(entry, months).sum()) + entry.expected_monthly_seats * months


def organization_minimums(
    teams: tuple[TeamInput, ...],
    plans: Mapping[str, SeatPlan],
    contract: SeatContract,
    months: int,
    decisions: tuple[TeamDecision, ...],
    decide: Callable[..., TeamDecision] | None = None,
) -> tuple[tuple[TeamDecision, ...], tuple[OrganizationMinimum, ...], tuple[str, ...]]:
    """Top up or drop each organisation-scoped minimum (plans in catalog order, one after the other).
    `decide(team, excluded=...)` re-decides a team without a plan (default: `decide_team` on these
    plans, contract and months; the run passes its own, with the rates of
    docs/decisions.md#seats-and-commitment-together).

    Returns the teams' decisions (re-made without a dropped plan), the minimums kept and the warnings.
    """
    redecide = decide or partial(decide_team, plans=plans, contract=contract, months=months)
    excluded = [frozenset[str]() for _ in teams]
    kept, warnings = [], []
    for key, plan in plans.items():
        if plan.min_seats_scope != "organization" or plan.min_seats <= 0:
            continue
        entries = [_entry(d, key) for d in decisions]
        if all(e is None for e in entries):
            continue
        m = plan.min_seats
        shortfall = expected_shortfall(teams, entries, m, months)
        top_up_usd = plan.monthly_usd * float(shortfall.sum())
        seats = sum(_seat_months(e, months) for e in entries) / months
        if top_up_usd > TOP_UP_NEGLIGIBLE_USD:
            users = [j for j, e in enumerate(entries) if e is not None]
            redecided = {j: redecide(teams[j], excluded=excluded[j] | {key}) for j in users}
            drop_usd = sum(
                redecided[j].expected_term_cost_usd - decisions[j].expected_term_cost_usd for j in users
            )
            if drop_usd < top_up_usd:
                for j in users:
                    excluded[j] = excluded[j] | {key}
                decisions = tuple(redecided.get(j, d) for j, d in enumerate(decisions))
                warnings.append(
                    f"Organisation: plan {key} needs at least {m} seats across the organisation and the "
                    f"teams hold about {seats:.1f} a month; topping up would cost about "
                    f"${top_up_usd:,.0f} over the term, moving its engineers to other plans about "
                    f"${drop_usd:,.0f}, so it is left out."
                )
                continue
            if float(shortfall.mean()) > IDLE_WARNING_SEATS:
                warnings.append(
                    f"Organisation: plan {key} needs at least {m} seats across the organisation and the "
                    f"teams hold about {seats:.1f} a month; it is topped up (about "
                    f"{shortfall.mean():.1f} idle seats in an average month, ${top_up_usd:,.0f} over the "
                    f"term), cheaper than moving its "
                    f"engineers to other plans (about ${drop_usd:,.0f})."
                )
        weights = np.array([_seat_months(e, months) for e in entries])
        weights = (
            weights / weights.sum()
            if weights.sum() > 0
            else (np.array([e is not None for e in entries]) / sum(e is not None for e in entries))
        )
        kept.append(
            OrganizationMinimum(
                key, m, plan.monthly_usd, tuple(float(w) for w in weights), float(shortfall.sum())
            )
        )
    return decisions, tuple(kept), tuple(warnings)


def top_up_seat_months(
    minimum: OrganizationMinimum, held: Sequence[Float32Array | None], trials: int
) -> FloatArray:
    """sum_t (m - S_t)^+ per trial, S_t the sum of the teams' held seats (T, n) of the plan (None: none)."""
    parts = [h for h in held if h is not None]
    if not parts:
        return np.full(trials, 0.0)  # no team holds the plan in this scenario's simulation
    total = np.sum(parts, axis=0, dtype=np.float64)
    return np.asarray(np.maximum(minimum.min_seats - total, 0.0).sum(axis=0), dtype=np.float64)
