"""Seat path simulation: closed forms, seat accounting, reproducibility and block independence."""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pytest
from scipy import stats

from forecasting.engine.inputs import SeatContract, SeatPlan, TeamInput
from forecasting.engine.seat_path import (
    TeamBlock,
    decide_team,
    simulate_team_block,
    simulate_team_brute_force,
)
from forecasting.engine.seats.accounts import seat_bill
from forecasting.engine.seats.model import Z_090, PlanTerms
from tests.engine import seat_builders as builders
from tests.engine.seat_builders import CONTRACT, FIXED_CAPACITY, PLANS, fixed_team

MONTHS = 12


def team(**overrides: object) -> TeamInput:
    """The shared team, 60 growing to 80 engineers (above the exact-cohort threshold)."""
    return builders.team(**({"headcount_now": 60.0, "headcount_end": 80.0} | overrides))


def run(
    simulate: object, member: TeamInput, plans: dict[str, SeatPlan], contract: SeatContract, **kw: int
) -> TeamBlock:
    decision = decide_team(member, plans, contract, months=MONTHS)
    args = {"months": MONTHS, "seed": 11, "block": 0, "item": 0, "trials": 4000} | kw
    return simulate(member, decision, plans, contract, **args)  # type: ignore[operator, no-any-return]


def assert_mean_matches(sample: np.ndarray, expected: float) -> None:
    """Monte Carlo mean against a closed form within 4 standard errors (a false alarm 1 time in 16,000)."""
    standard_error = sample.std(ddof=1) / math.sqrt(sample.size)
    assert abs(sample.mean() - expected) <= 4 * standard_error + 1e-9 * abs(expected)


MU, SIGMA = math.log(150.0), math.log(4.0) / Z_090
SIMULATIONS = [simulate_team_block, simulate_team_brute_force]


@pytest.mark.parametrize("simulate", SIMULATIONS, ids=["fast", "brute_force"])
def test_api_only_team_bills_the_lognormal_mean_per_engineer_month(simulate: object) -> None:
    block = run(simulate, fixed_team(allowed_plans=("api",)), FIXED_CAPACITY, CONTRACT)
    assert_mean_matches(block.api_billed_usd, 40 * MONTHS * math.exp(MU + SIGMA**2 / 2))
    assert np.all(block.seat_fees_usd == 0)


@pytest.mark.parametrize("simulate", SIMULATIONS, ids=["fast", "brute_force"])
@pytest.mark.parametrize(
    ("plan", "seat_usd", "capacity_usd"),
    [("pro", 17.0, 105.0), ("max_5x", 100.0, 525.0)],
    ids=["annual_seats", "monthly_seats"],
)
def test_capacity_plan_costs_seat_price_plus_lognormal_partial_expectation(
    simulate: object, plan: str, seat_usd: float, capacity_usd: float
) -> None:
    block = run(simulate, fixed_team(allowed_plans=(plan,)), FIXED_CAPACITY, CONTRACT)
    d1 = (MU - math.log(capacity_usd) + SIGMA**2) / SIGMA
    partial = math.exp(MU + SIGMA**2 / 2) * stats.norm.cdf(d1) - capacity_usd * stats.norm.cdf(d1 - SIGMA)
    # 40 engineers always active: 40 annual seats for Pro, 40 monthly seats for Max 5x, none idle.
    np.testing.assert_allclose(block.seat_fees_usd, 40 * MONTHS * seat_usd, rtol=1e-6)
    assert np.all(block.idle_seat_cost_usd == 0)
    assert_mean_matches(block.extra_usage_usd, 40 * MONTHS * partial)


def test_blocked_usage_scales_with_its_value_on_the_same_draws() -> None:
    member = team(allowed_plans=("pro_blocked",))  # one plan: the decision does not depend on the value
    full = run(simulate_team_block, member, PLANS, SeatContract(blocked_usage_value=1.0))
    part = run(simulate_team_block, member, PLANS, SeatContract(blocked_usage_value=0.25))
    np.testing.assert_allclose(part.blocked_value_usd, 0.25 * full.blocked_value_usd, rtol=1e-12)
    np.testing.assert_array_equal(part.blocked_usage_usd, full.blocked_usage_usd)  # usage: unvalued
    np.testing.assert_array_equal(full.blocked_value_usd, full.blocked_usage_usd)
    assert np.all(full.extra_usage_usd == 0)
    assert full.blocked_usage_usd.mean() > 0


@pytest.mark.parametrize("simulate", SIMULATIONS, ids=["fast", "brute_force"])
def test_team_cost_is_the_sum_of_its_parts(simulate: object) -> None:
    block = run(simulate, team(), PLANS, CONTRACT, trials=500)
    parts = block.seat_fees_usd + block.extra_usage_usd + block.blocked_value_usd + block.api_billed_usd
    np.testing.assert_allclose(block.cost_usd, parts, rtol=1e-12)
    np.testing.assert_allclose(block.api_billed_monthly_usd.sum(axis=1), block.api_billed_usd, rtol=1e-5)
    assert block.api_billed_monthly_usd.shape == (500, MONTHS)
    assert block.seat_months_by_plan.shape == (5, 500)
    assert np.all(block.idle_seat_cost_usd <= block.seat_fees_usd)


def test_seat_bill_prices_annual_monthly_and_idle_seats_by_hand() -> None:
    pro = PlanTerms("pro", 12.0, 10.0, 105.0, 0.25, 1.0, False, False, 0)
    demand = np.array([[3.0], [7.0], [5.0]], dtype=np.float32)  # three months, one trial
    bill = seat_bill(demand, pro, np.full(3, 5.0, dtype=np.float32), 0)
    # Held 5, 7, 5: 15 annual seat-months at 10, 2 monthly at 12; 2 annual seats idle in month 0.
    assert (bill.seat_months[0], bill.fees_usd[0], bill.idle_usd[0]) == (17.0, 174.0, 20.0)
    monthly_only = replace(pro, annual_monthly_usd=None)
    bill = seat_bill(demand, monthly_only, np.zeros(3, dtype=np.float32), 6)
    # Minimum 6 seats: held 6, 7, 6, all monthly; 4 seat-months bought only for the minimum.
    assert (bill.seat_months[0], bill.fees_usd[0], bill.idle_usd[0]) == (19.0, 228.0, 48.0)


def test_minimum_seats_are_held_even_when_few_engineers_are_active() -> None:
    member = team(headcount_now=3.0, headcount_end=3.0, headcount_sd=0.0, allowed_plans=("team_premium",))
    block = run(simulate_team_block, member, PLANS, CONTRACT, trials=300)
    assert np.all(block.seat_months_by_plan[0] == 5 * MONTHS)
    assert np.all(block.seat_fees_usd == 5 * MONTHS * 150.0)
    assert np.all(block.idle_seat_cost_usd >= 2 * MONTHS * 150.0)  # at most 3 of the 5 seats are used


@pytest.mark.parametrize("simulate", SIMULATIONS, ids=["fast", "brute_force"])
def test_same_seed_gives_identical_arrays(simulate: object) -> None:
    first = run(simulate, team(), PLANS, CONTRACT, trials=700)
    again = run(simulate, team(), PLANS, CONTRACT, trials=700)
    for field in fields(TeamBlock):
        a, b = getattr(first, field.name), getattr(again, field.name)
        assert (a is None and b is None) or np.array_equal(a, b), field.name


def test_a_block_depends_only_on_seed_block_and_item() -> None:
    member = team()
    decision = decide_team(member, PLANS, CONTRACT, months=MONTHS)

    def block(seed: int, index: int, item: int) -> np.ndarray:
        kw: dict[str, Any] = {"months": MONTHS, "seed": seed, "block": index, "item": item, "trials": 400}
        return simulate_team_block(member, decision, PLANS, CONTRACT, **kw).cost_usd

    alone = block(3, 2, 1)
    for other in [(3, 0, 1), (3, 1, 0), (4, 2, 1)]:  # run other blocks first: nothing carries over
        block(*other)
    assert np.array_equal(block(3, 2, 1), alone)
    assert not np.array_equal(block(3, 2, 0), alone)
    assert not np.array_equal(block(3, 1, 1), alone)
    assert not np.array_equal(block(4, 2, 1), alone)


def test_windowed_seats_price_the_same_draws_and_save_on_a_growing_team() -> None:
    member = team(headcount_now=40.0, headcount_end=120.0)
    contract = SeatContract(removable_every_months=3)
    block = run(simulate_team_block, member, PLANS, contract, trials=2000)
    assert block.cost_windowed_usd is not None
    # Only the seat counts differ: the usage parts are the same draws.
    usage = block.extra_usage_usd + block.blocked_value_usd + block.api_billed_usd
    assert np.all(block.cost_windowed_usd >= usage - 1e-6)
    assert block.cost_windowed_usd.mean() < block.cost_usd.mean()
    assert run(simulate_team_block, member, PLANS, CONTRACT, trials=10).cost_windowed_usd is None


def test_a_decision_for_another_contract_or_term_is_refused() -> None:
    member = team()
    decision = decide_team(member, PLANS, CONTRACT, months=MONTHS)
    kw: dict[str, Any] = {"seed": 1, "block": 0, "item": 0, "trials": 10}
    with pytest.raises(ValueError, match="another seat contract"):
        simulate_team_block(member, decision, PLANS, SeatContract(annual_term=False), months=MONTHS, **kw)
    with pytest.raises(ValueError, match="does not match"):
        simulate_team_block(member, decision, PLANS, CONTRACT, months=MONTHS + 1, **kw)


def test_nobody_active_means_no_usage_and_only_minimum_seats() -> None:
    member = team(adoption_now=0.0, adoption_end=0.0, allowed_plans=("pro", "team_premium"))
    block = run(simulate_team_block, member, PLANS, CONTRACT, trials=500)
    assert np.all(block.extra_usage_usd == 0)
    assert np.all(block.api_billed_usd == 0)
    decision = decide_team(member, PLANS, CONTRACT, months=MONTHS)
    held = [(p, e.annual_seats) for p, e in zip(decision.terms, decision.mix, strict=True) if e.share > 0]
    fixed_fees = sum(seats * MONTHS * (p.annual_monthly_usd or p.monthly_usd) for p, seats in held)
    np.testing.assert_allclose(block.seat_fees_usd, fixed_fees)
    np.testing.assert_allclose(block.idle_seat_cost_usd, fixed_fees)


@pytest.mark.parametrize("months", [1, 3])
def test_fast_mean_matches_brute_force_where_only_the_top_engineers_overflow(months: int) -> None:
    """Max 20x for typical users (~0.07 of capacity): rare, heavy overflow, the fast path's hardest mean."""
    member = team(allowed_plans=("max_20x",))
    decision = decide_team(member, FIXED_CAPACITY, CONTRACT, months=months)
    kw: dict[str, Any] = {"months": months, "seed": 3, "item": 0, "trials": 5000}
    fast = np.concatenate(
        [
            simulate_team_block(member, decision, FIXED_CAPACITY, CONTRACT, block=b, **kw).extra_usage_usd
            for b in (0, 1)
        ]
    )
    exact = np.concatenate(
        [
            simulate_team_brute_force(
                member, decision, FIXED_CAPACITY, CONTRACT, block=b, **kw
            ).extra_usage_usd
            for b in (0, 1)
        ]
    )
    # Independent per-engineer draws: 4 standard errors of the difference of the two means.
    tolerance = 4 * math.hypot(fast.std(), exact.std()) / math.sqrt(fast.size)
    assert abs(fast.mean() - exact.mean()) <= tolerance
