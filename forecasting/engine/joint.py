"""Seats and the commitment decided together (docs/decisions.md#seats-and-commitment-together).

Seat usage that draws down the API commitment (the `api` pseudo-plan when `claude_code_api_usage_counts`,
the seat plans' extra usage when `extra_usage_counts`) does not cost its list price: it costs what the
commitment makes a list dollar cost. The sequential decision prices it at list (r = 1); here the seat
decision and the commitment optimum alternate on a pilot of trials:

    r_0 = 1: seats D_0 (the sequential decision)
    i = 1, 2, ...: simulate D_{i-1} on the pilot, optimise the commitment on features + counted seat usage,
                   r_i = E[term API cost] / E[term list spend] at that optimum; stop when r_i is within
                   RATE_TOLERANCE of the rate D_{i-1} was made at; else re-decide the teams that have a
                   counting plan at r_i -> D_i, and stop (keeping D_{i-1}) when D_i's seat order equals
                   D_{i-1}'s; at most MAX_ITERATIONS rates.

The last D is then priced against D_0 on the same pilot trials (common random numbers: the same streams)
with the commitment re-optimised for each, and the cheaper in total expected cost (seats outside the API +
API cost) is returned: never worse than the sequential decision on the pilot. Everything is a
deterministic function of the input (the pilot draws from block 0's named streams), so every worker that
rebuilds the run plan rebuilds the same decisions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from forecasting.engine.api_path import ApiVariant, simulate_api_block
from forecasting.engine.arrays import FloatArray
from forecasting.engine.commitment import Period, optimise_commitment, run_rate_usd_per_month
from forecasting.engine.inputs import API_PLAN, ForecastInput, ModelPrice, SeatContract, SeatPlan
from forecasting.engine.seat_path import TeamDecision, simulate_team_block
from forecasting.engine.summary import period_sums

# Trials of the pilot: r is a ratio of two term means whose relative Monte Carlo error at 2,000 trials is
# about CV / 45 (under 1% for the spends' CVs of 0.1-0.4), and the guard's difference of two totals on
# the same trials has a far smaller error than either total; the pilot is at most one block (stated
# reasoning, measured in benchmarks/joint_bench.py).
PILOT_TRIALS = 2_000
# Alternations at most: each is one re-decision of the teams with a counting plan and one pilot run of
# them; on the cases tested the seat order is stable after one or two.
MAX_ITERATIONS = 4
# Alternation stops when r moves less than this: a 0.1% change in the price of counted usage moves each
# break-even by about 0.1% of an engineer's usage, well inside the pilot's own error of r (stated reasoning).
RATE_TOLERANCE = 1e-3
SHARE_DECIMALS = 3  # shares compared to 0.1% of engineers when deciding whether the seat order changed


@dataclass(frozen=True)
class JointOutcome:
    """What the joint decision chose; the costs are the pilot's (None when there was nothing to decide)."""

    decisions: tuple[TeamDecision, ...]
    chosen: str  # "sequential" or "joint"
    rate: float  # r the returned decisions were made at (1: the sequential decision)
    rates: tuple[float, ...]  # r after each alternation
    iterations: int
    pilot_trials: int
    sequential_expected_cost_usd: float | None
    joint_expected_cost_usd: float | None
    saving_standard_error_usd: float | None
    teams_changed: int  # teams whose seat order differs from the sequential one in the returned decisions


def counting_plans(inp: ForecastInput) -> frozenset[str]:
    """Plan keys whose billed usage draws down the commitment under the input's contract."""
    contract = inp.api_contract
    keys = {API_PLAN} if contract.claude_code_api_usage_counts else set()
    if contract.extra_usage_counts:
        keys |= {p.key for p in inp.plans if p.overflow == "extra_usage"}
    return frozenset(keys)


def rates_for(inp: ForecastInput, rate: float) -> dict[str, float] | None:
    """The decision's per-plan rates at r (None at r = 1: exactly today's decision)."""
    if rate == 1.0:
        return None
    return dict.fromkeys(counting_plans(inp), rate)


def affected_teams(inp: ForecastInput) -> list[int]:
    """Teams with a counting plan among their allowed plans: the only decisions r can move."""
    keys = counting_plans(inp)
    return [j for j, t in enumerate(inp.teams) if keys.intersection(t.allowed_plans)]


def seat_order(decision: TeamDecision) -> tuple[tuple[str, float, tuple[int, ...]], ...]:
    """The decision as bought: plan, share (to SHARE_DECIMALS) and annual seats per seat year."""
    return tuple((m.plan, round(m.share, SHARE_DECIMALS), m.annual_seats_by_year) for m in decision.mix)


@dataclass(frozen=True)
class _Priced:
    total_usd: FloatArray  # (n,) seats outside the API + API cost at the re-optimised commitment
    rate: float  # E[API cost] / E[API list spend] at that commitment


class _Pilot:
    """The pilot trials: the API list spend once, the affected teams' seat path per decision."""

    def __init__(
        self,
        inp: ForecastInput,
        models: Mapping[str, ModelPrice],
        plans: Mapping[str, SeatPlan],
        seat_contract: SeatContract,
        periods: Sequence[Period],
        api_variant: ApiVariant,
        trials: int,
    ) -> None:
        self.inp, self.plans, self.periods, self.trials = inp, plans, periods, trials
        self.seat_contract = seat_contract
        api = simulate_api_block(
            inp.features,
            models,
            months=inp.term_months,
            start_calendar_month=inp.start_calendar_month,
            seed=inp.seed,
            block=0,
            trials=trials,
            variants=(api_variant,),
            correlation=inp.correlation,
        )
        self.features_monthly: FloatArray = api.monthly_spend_usd[0]

    def price(self, teams: Sequence[int], decisions: Sequence[TeamDecision]) -> _Priced:
        """Seats outside the API plus the API cost with the commitment optimised on features + counted
        seat usage, per pilot trial; the affected teams only (the others cost the same either way)."""
        inp, contract = self.inp, self.inp.api_contract
        counted = np.zeros_like(self.features_monthly)
        seats_outside = np.zeros(self.trials)
        for j in teams:
            team = inp.teams[j]
            tb = simulate_team_block(
                team, decisions[j], self.plans, self.seat_contract,
                months=inp.term_months, seed=inp.seed, block=0, item=j, trials=self.trials,
                correlation=inp.correlation,
            )  # fmt: skip
            seats_outside += tb.cost_usd
            if contract.claude_code_api_usage_counts:
                counted += tb.api_billed_monthly_usd
            if contract.extra_usage_counts and tb.extra_usage_monthly_usd is not None:
                counted += tb.extra_usage_monthly_usd
        seats_outside -= counted.sum(axis=1)
        monthly = self.features_monthly + counted
        starts = tuple(p.start_month for p in self.periods)
        lengths = tuple(p.months for p in self.periods)
        spend = period_sums(monthly, starts, lengths)
        decision = optimise_commitment(
            spend,
            self.periods,
            contract,
            run_rate_usd_per_month=run_rate_usd_per_month(monthly),
            curves=False,
        )
        list_mean = float(spend.sum(axis=1).mean())
        rate = decision.expected_cost_usd / list_mean if list_mean > 0 else 1.0
        return _Priced(decision.cost_usd + seats_outside, min(max(rate, 0.0), 1.0))


def solve(
    inp: ForecastInput,
    *,
    models: Mapping[str, ModelPrice],
    plans: Mapping[str, SeatPlan],
    seat_contract: SeatContract,
    periods: Sequence[Period],
    api_variant: ApiVariant,
    pilot_trials: int,
    sequential: Sequence[TeamDecision],
    decide: Callable[[Mapping[str, float], Sequence[int]], Sequence[TeamDecision]],
) -> JointOutcome:
    """Alternate seat decisions and the commitment optimum from the `sequential` decisions (r = 1);
    `decide(rates, teams)` re-decides the listed teams at the given per-plan rates."""
    teams = affected_teams(inp)
    stay = JointOutcome(tuple(sequential), "sequential", 1.0, (), 0, 0, None, None, None, 0)
    if not teams or _best_discount(inp) <= 0.0 or pilot_trials <= 0:
        return stay  # nothing counts, or a counted dollar costs list whatever the commitment
    pilot = _Pilot(inp, models, plans, seat_contract, periods, api_variant, pilot_trials)
    base = pilot.price(teams, sequential)
    current, priced, decided_at, rates = list(sequential), base, 1.0, []
    for _ in range(MAX_ITERATIONS):
        rate = priced.rate
        rates.append(rate)
        if abs(rate - decided_at) < RATE_TOLERANCE:
            break  # the decisions in hand were made at (almost) this rate
        redone = decide(dict.fromkeys(counting_plans(inp), rate), teams)
        candidate = list(current)
        for j, decision in zip(teams, redone, strict=True):
            candidate[j] = decision
        if all(seat_order(candidate[j]) == seat_order(current[j]) for j in teams):
            break  # the seat order did not move: keep the decisions already priced
        current, decided_at = candidate, rate
        priced = pilot.price(teams, current)
    changed = sum(seat_order(current[j]) != seat_order(sequential[j]) for j in teams)
    if changed == 0:
        return JointOutcome(tuple(sequential), "sequential", 1.0, tuple(rates), len(rates), pilot_trials,
                            float(base.total_usd.mean()), float(base.total_usd.mean()), 0.0, 0)  # fmt: skip
    joint = priced
    difference = base.total_usd - joint.total_usd
    saving_se = float(difference.std(ddof=1) / math.sqrt(difference.size)) if difference.size > 1 else 0.0
    better = float(difference.mean()) > 0.0
    return JointOutcome(
        tuple(current) if better else tuple(sequential),
        "joint" if better else "sequential",
        decided_at if better else 1.0,
        tuple(rates),
        len(rates),
        pilot_trials,
        float(base.total_usd.mean()),
        float(joint.total_usd.mean()),
        saving_se,
        changed if better else 0,
    )


def _best_discount(inp: ForecastInput) -> float:
    return max((band.discount for band in inp.api_contract.discount_bands), default=0.0)
