"""Minimum seats where the contract puts them (docs/decisions.md#minimum-seats).

Team scope: the plan-inclusion choice against a brute force over every subset of the minimum-bearing plans,
each subset priced by simulation (common random numbers: the same seed and the same plan list, so the
subsets differ only in who is on which plan). Organisation scope: no floor per team, the organisation's
total topped up or the plan dropped as the closed forms say, and the simulated top-up against its closed form.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from forecasting.engine.blocks import simulate_seats
from forecasting.engine.inputs import ApiContract, ForecastInput, SeatContract, SeatPlan, TeamInput
from forecasting.engine.plan import RunPlan, plan_run, seat_scenario
from forecasting.engine.seat_path import TeamDecision, simulate_team_block
from forecasting.engine.seats import decision as decision_module
from forecasting.engine.seats.decision import PlanMix, decide_team
from forecasting.engine.seats.model import plan_terms
from forecasting.engine.seats.organization import annual_seats_by_month, expected_shortfall
from forecasting.engine.seats.seat_counts import demand_model
from tests.engine.seat_builders import PLANS, team

MONTHS = 12
CONTRACT = SeatContract()
# Team premium (2025 row: 150 a seat-month either way, minimum 5) with each scope.
TEAM_SCOPE = PLANS | {"team_premium": replace(PLANS["team_premium"], min_seats_scope="team")}
ORG_SCOPE = PLANS | {"team_premium": replace(PLANS["team_premium"], min_seats_scope="organization")}


def small_team(name: str, engineers: float, median: float, p90: float, allowed: tuple[str, ...]) -> TeamInput:
    """A team of fixed size with the default adoption ramp (0.6 to 0.85) and no drift or team shock, so the
    decision's closed forms hold without the normal approximation of the drift."""
    return team(
        name=name, headcount_now=engineers, headcount_end=engineers, headcount_sd=0.0,
        usage_median_usd=median, usage_p90_usd=p90, allowed_plans=allowed,
        usage_growth=0.0, usage_growth_sd=0.0, usage_volatility=0.0,
    )  # fmt: skip


def decide_without_search(
    member: TeamInput, plans: dict[str, SeatPlan], excluded: frozenset[str]
) -> TeamDecision:
    """The decision with `excluded` left out and every other plan kept (no subset search)."""
    saved = decision_module.MAX_MINIMUM_SUBSETS_PLANS
    decision_module.MAX_MINIMUM_SUBSETS_PLANS = -1
    try:
        return decide_team(member, plans, CONTRACT, months=MONTHS, excluded=excluded)
    finally:
        decision_module.MAX_MINIMUM_SUBSETS_PLANS = saved


def simulated_cost(member: TeamInput, decision: TeamDecision, plans: dict[str, SeatPlan]) -> np.ndarray:
    block = simulate_team_block(
        member, decision, plans, CONTRACT, months=MONTHS, seed=11, block=0, item=0, trials=8_000
    )
    return block.cost_usd


def subsets(keys: tuple[str, ...]) -> Iterator[frozenset[str]]:
    for size in range(len(keys) + 1):
        for drop in itertools.combinations(keys, size):
            yield frozenset(drop)


@pytest.mark.parametrize(
    ("pro_minimum", "engineers", "median", "p90"),
    [(10, 30, 15.0, 150.0), (40, 20, 30.0, 300.0), (25, 20, 150.0, 900.0)],
    ids=["drop-team-premium", "drop-pro", "drop-pro-small-gap"],
)
def test_the_plans_kept_are_the_cheapest_of_every_inclusion_choice_by_simulation(
    pro_minimum: int, engineers: int, median: float, p90: float
) -> None:
    """Two plans with a team-scoped minimum (Pro with `pro_minimum`, Team premium with 5): the four
    inclusion choices, each simulated on the same draws. The chosen one is the simulated cheapest (every
    runner-up is more than 4 standard errors of the paired difference dearer), and the closed-form cost
    differences the decision compares agree with the simulated ones within 4 standard errors + 5%."""
    plans = TEAM_SCOPE | {"pro": replace(PLANS["pro"], min_seats=pro_minimum, min_seats_scope="team")}
    member = small_team("T", engineers, median, p90, ("api", "pro", "team_premium"))
    chosen = decide_team(member, plans, CONTRACT, months=MONTHS)
    costs, closed = {}, {}
    for drop in subsets(("pro", "team_premium")):
        decision = decide_without_search(member, plans, drop)
        costs[drop], closed[drop] = simulated_cost(member, decision, plans), decision.expected_term_cost_usd
    best = min(costs, key=lambda d: costs[d].mean())
    assert frozenset(chosen.dropped_plans) == best
    for drop, cost in costs.items():
        if drop == best:
            continue
        paired = cost - costs[best]
        error = paired.std(ddof=1) / math.sqrt(paired.size)
        assert paired.mean() > 4 * error  # the brute force's answer is not a coin toss
        closed_gap = closed[drop] - closed[best]
        assert abs(closed_gap - paired.mean()) <= 4 * error + 0.05 * abs(paired.mean())


def test_a_tiny_share_of_a_team_minimum_plan_is_dropped_when_other_plans_are_cheaper() -> None:
    """30 engineers, median $15, p90 $150, api or Team premium: the top 10% would be on Team premium, about
    2.6 active engineers a month against 5 seats. Keeping it costs $22,103 over the year in closed form,
    api for everyone $19,666; simulated on the same draws the gap is within 5% of the $2,437."""
    member = small_team("Light", 30, 15.0, 150.0, ("api", "team_premium"))
    kept = decide_without_search(member, TEAM_SCOPE, frozenset())
    assert kept.mix[1].share == pytest.approx(0.100, abs=0.001)
    assert kept.mix[1].annual_seats == 5
    decision = decide_team(member, TEAM_SCOPE, CONTRACT, months=MONTHS)
    assert decision.dropped_plans == ("team_premium",)
    assert decision.mix[1].share == 0.0
    assert decision.mix[1].annual_seats == 0
    assert any("left out" in w and "team_premium" in w for w in decision.warnings)
    assert kept.expected_term_cost_usd == pytest.approx(22_103, abs=1)
    assert decision.expected_term_cost_usd == pytest.approx(19_666, abs=1)
    paired = simulated_cost(member, kept, TEAM_SCOPE) - simulated_cost(member, decision, TEAM_SCOPE)
    assert paired.mean() == pytest.approx(22_103 - 19_666, rel=0.05)


def test_a_tiny_share_of_a_team_minimum_plan_is_kept_when_its_idle_seats_cost_less_than_moving() -> None:
    """30 engineers, median $10, p90 $200: 14.1% on Team premium leave about 2 of its 5 seats idle in an
    average month, yet api for them costs more: $39,268 with it against $40,105 without (closed form);
    the simulated gap has the same sign and is within 4 standard errors + 15% of it."""
    member = small_team("Spiky", 30, 10.0, 200.0, ("api", "team_premium"))
    decision = decide_team(member, TEAM_SCOPE, CONTRACT, months=MONTHS)
    assert decision.dropped_plans == ()
    assert decision.mix[1].share == pytest.approx(0.141, abs=0.001)
    assert decision.mix[1].annual_seats == 5
    assert any("stay idle" in w for w in decision.warnings)
    without = decide_without_search(member, TEAM_SCOPE, frozenset({"team_premium"}))
    assert decision.expected_term_cost_usd == pytest.approx(39_268, abs=1)
    assert without.expected_term_cost_usd == pytest.approx(40_105, abs=1)
    paired = simulated_cost(member, without, TEAM_SCOPE) - simulated_cost(member, decision, TEAM_SCOPE)
    error = paired.std(ddof=1) / math.sqrt(paired.size)
    assert paired.mean() > 4 * error
    assert abs(paired.mean() - (40_105 - 39_268)) <= 4 * error + 0.15 * (40_105 - 39_268)


def test_an_organisation_minimum_puts_no_floor_on_a_team() -> None:
    terms = plan_terms(ORG_SCOPE, CONTRACT, "team_premium")
    assert (terms.min_seats, terms.organization_min_seats) == (0, 5)
    terms = plan_terms(TEAM_SCOPE, CONTRACT, "team_premium")
    assert (terms.min_seats, terms.organization_min_seats) == (5, 0)


def test_small_teams_whose_total_clears_an_organisation_minimum_buy_no_forced_idle_seats() -> None:
    """Four teams of 12, each about 2 active engineers a month on Team premium: with the minimum per team
    each would hold 5 (or drop the plan); per organisation their ~8 seats clear 5 in all but a few months
    (closed form: about 2 top-up seat-months in the whole year, $307), so no team holds a seat for the
    minimum, and the organisation pays less than with the minimum per team."""
    teams = tuple(small_team(f"T{i}", 12, 10.0, 400.0, ("api", "team_premium")) for i in range(4))
    org = seat_scenario("org", teams, ORG_SCOPE, CONTRACT, MONTHS)
    per_team = seat_scenario("team", teams, TEAM_SCOPE, CONTRACT, MONTHS)
    for decision in org.decisions:
        assert decision.mix[1].share == pytest.approx(0.222, abs=0.001)
        assert decision.mix[1].annual_seats == 0  # no seat bought for the minimum
        assert decision.dropped_plans == ()
    (minimum,) = org.organization_minimums
    assert minimum.expected_top_up_seat_months < 3.0  # of 12 months x 5 seats
    assert org.warnings == ()
    org_cost = (
        sum(d.expected_term_cost_usd for d in org.decisions) + 150.0 * minimum.expected_top_up_seat_months
    )
    team_cost = sum(d.expected_term_cost_usd for d in per_team.decisions)
    assert team_cost - org_cost > 10_000  # $262,982 against $249,902
    # Simulated: the top-up is the only idle seat cost (no annual seats): about $77 a team over the year,
    # where 5 seats per team would leave about 3 idle, $5,400 a team.
    totals = simulate_seats(_run_plan(teams, ORG_SCOPE), org, 0)
    assert np.all(totals.component_sums_usd[:, 1] / 4_000 < 100.0)


@pytest.mark.parametrize(
    ("median", "p90", "allowed", "topped_up"),
    [
        (10.0, 1000.0, ("api", "team_premium"), True),
        (15.0, 150.0, ("api", "pro", "team_premium"), False),
    ],
    ids=["top-up", "drop"],
)
def test_an_organisation_total_below_the_minimum_is_topped_up_or_dropped_as_the_closed_form_says(
    median: float, p90: float, allowed: tuple[str, ...], topped_up: bool
) -> None:
    """Two teams of 8 and 6 engineers hold about 3 Team premium seats a month against a minimum of 5.
    Top-up: 150 x E sum_t (5 - S_t)^+, the shortfall checked against 200,000 simulated months of the
    demand model; dropping: each team's closed-form cost without the plan less with it. Heavy users whose
    alternative is api keep it (top-up $3.5K < $6.3K), light users who can use Pro drop it."""
    teams = (small_team("A", 8, median, p90, allowed), small_team("B", 6, median, p90, allowed))
    first = tuple(decide_team(t, ORG_SCOPE, CONTRACT, months=MONTHS) for t in teams)
    entries = [d.mix[-1] for d in first]
    shortfall = float(expected_shortfall(teams, entries, 5, MONTHS).sum())
    assert shortfall == pytest.approx(_simulated_shortfall(teams, entries, 5), rel=0.02)
    top_up = 150.0 * shortfall
    drop = sum(
        decide_team(
            t, ORG_SCOPE, CONTRACT, months=MONTHS, excluded=frozenset({"team_premium"})
        ).expected_term_cost_usd
        - d.expected_term_cost_usd
        for t, d in zip(teams, first, strict=True)
    )
    assert (top_up < drop) is topped_up
    assert abs(top_up - drop) > 0.2 * min(top_up, drop)
    scenario = seat_scenario("org", teams, ORG_SCOPE, CONTRACT, MONTHS)
    (warning,) = scenario.warnings
    if topped_up:
        (minimum,) = scenario.organization_minimums
        assert minimum.expected_top_up_seat_months == pytest.approx(shortfall)
        assert "topped up" in warning
        assert all(d.mix[-1].share > 0 for d in scenario.decisions)
    else:
        assert scenario.organization_minimums == ()
        assert "left out" in warning
        assert all(d.mix[-1].share == 0 for d in scenario.decisions)


def test_the_shortfall_closed_form_with_annual_seats_and_a_ramp_matches_simulated_months() -> None:
    """Annual seats (Team premium at 100 annual / 125 monthly) and a growing team: S_t = sum_j max(D_jt,
    N_jt) below a minimum of 20; the closed form against 200,000 simulated months within 2%."""
    plans = ORG_SCOPE | {"team_premium": replace(PLANS["team_premium"], monthly_usd=125.0,
                                                  annual_monthly_usd=100.0, min_seats=20,
                                                  min_seats_scope="organization")}  # fmt: skip
    teams = (
        replace(small_team("A", 20, 40.0, 1000.0, ("api", "team_premium")), headcount_end=30.0),
        small_team("B", 14, 40.0, 1000.0, ("api", "team_premium")),
    )
    entries = [decide_team(t, plans, CONTRACT, months=24).mix[-1] for t in teams]
    assert any(e.annual_seats > 0 for e in entries)
    closed = float(expected_shortfall(teams, entries, 20, 24).sum())
    assert closed == pytest.approx(_simulated_shortfall(teams, entries, 20, months=24), rel=0.02)


def test_the_simulated_top_up_matches_its_closed_form_and_is_billed_to_the_teams() -> None:
    """The simulation bills per trial and month (5 - S_t)^+ seats at $150: its mean over 4,000 trials is
    the closed form within 4 standard errors; the teams' costs rise by exactly the top-up, split by their
    expected seats, and it is all idle seat cost."""
    teams = (
        small_team("A", 8, 10.0, 1000.0, ("api", "team_premium")),
        small_team("B", 6, 10.0, 1000.0, ("api", "team_premium")),
    )
    scenario = seat_scenario("org", teams, ORG_SCOPE, CONTRACT, MONTHS)
    (minimum,) = scenario.organization_minimums
    run = _run_plan(teams, ORG_SCOPE)
    billed = simulate_seats(run, scenario, 0)
    bare = simulate_seats(run, replace(scenario, organization_minimums=()), 0)
    top_up = (billed.team_cost_usd - bare.team_cost_usd).sum(axis=0)
    error = top_up.std(ddof=1) / math.sqrt(top_up.size)
    assert abs(top_up.mean() - 150.0 * minimum.expected_top_up_seat_months) <= 4 * error
    assert top_up.mean() > 1_000.0  # about $3,500: a real top-up, not a rounding
    np.testing.assert_allclose(
        (billed.team_cost_usd - bare.team_cost_usd).sum(axis=1), np.array(minimum.team_weights) * top_up.sum()
    )
    extra_idle = (billed.component_sums_usd - bare.component_sums_usd)[:, 1]
    np.testing.assert_allclose(extra_idle.sum(), top_up.sum())


def _run_plan(teams: tuple[TeamInput, ...], plans: dict[str, SeatPlan]) -> RunPlan:
    """A run with these teams only, one block of 4,000 trials (no features)."""
    inp = ForecastInput(
        name="Minimums", start_month="2027-01", term_months=MONTHS, trials=4_000, seed=5,
        api_contract=ApiContract(), seat_contract=CONTRACT, teams=teams, features=(), models=(),
        plans=tuple(plans.values()), block_trials=4_000,
    )  # fmt: skip
    return plan_run(inp, extras=False)


def _simulated_shortfall(
    teams: tuple[TeamInput, ...], entries: list[PlanMix], minimum: int, *, months: int = MONTHS
) -> float:
    """sum_t E[(m - S_t)^+] from 200,000 draws of the demand model per month: D_jt ~ Binomial(engineers,
    a_t share_j) (fixed headcount, linear ramp), S_t = sum_j max(D_jt, N_jt)."""
    rng = np.random.default_rng(3)
    total = np.zeros((months, 200_000))
    for member, entry in zip(teams, entries, strict=True):
        model = demand_model(member, months)
        engineers = model.engineers[0].astype(np.int64)  # one headcount node: headcount_sd = 0
        draws = rng.binomial(engineers[:, None], (model.adoption * entry.share)[:, None], (months, 200_000))
        total += np.maximum(draws, annual_seats_by_month(entry, months)[:, None])
    return float(np.maximum(minimum - total, 0.0).mean(axis=1).sum())
