"""Blocked usage reported as what it is (issue 15 item 7): refused usage in API-equivalent dollars, its
valued cost, and the cash cost, apart (docs/decisions.md#seats-per-team, docs/result.md#seats).

The team is one engineer, always active, who uses exactly USAGE a month (p90 = median, no growth, no
shock) against a plan whose fixed limit is CAPACITY: every trial blocks (USAGE - CAPACITY) x MONTHS, by hand.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from forecasting.engine.forecast import run_forecast
from forecasting.engine.inputs import SeatContract, SeatPlan, TeamInput
from forecasting.engine.seat_path import (
    TeamBlock,
    decide_team,
    simulate_team_block,
    simulate_team_brute_force,
)
from tests.engine.test_forecast import small_input

MONTHS = 12
USAGE, CAPACITY = 300.0, 105.0
BLOCKED_BY_HAND = (USAGE - CAPACITY) * MONTHS  # 2,340 USD refused per trial
ANNUAL_SEAT, MAX_SEAT = 17.0, 100.0  # Pro's annual price per seat-month; Max 5x, monthly only
PLANS = {
    "pro_blocked": SeatPlan("pro_blocked", 20.0, ANNUAL_SEAT, CAPACITY, 0.0, "blocked"),
    "max_5x": SeatPlan("max_5x", MAX_SEAT, None, 525.0, 0.0, "extra_usage"),  # holds all USAGE
}
# float32 log-levels: exp(ln 300) comes back within a few float32 ulps
FLOAT32_RTOL = 1e-5
SIMULATIONS = [simulate_team_block, simulate_team_brute_force]


def engineer(allowed: tuple[str, ...]) -> TeamInput:
    return TeamInput("One", 1.0, 1.0, 0.0, 1.0, 1.0, USAGE, USAGE, 0.6, 0.0, 0.0, 0.0, allowed_plans=allowed)


def block(simulate: object, allowed: tuple[str, ...], value: float, trials: int = 300) -> TeamBlock:
    contract = SeatContract(blocked_usage_value=value)
    decision = decide_team(engineer(allowed), PLANS, contract, months=MONTHS)
    kw = {"months": MONTHS, "seed": 5, "block": 0, "item": 0, "trials": trials}
    return simulate(engineer(allowed), decision, PLANS, contract, **kw)  # type: ignore[operator, no-any-return]


@pytest.mark.parametrize("simulate", SIMULATIONS, ids=["fast", "brute_force"])
@pytest.mark.parametrize("value", [0.0, 0.4, 1.0, 2.5])
def test_blocked_usage_in_dollars_its_value_and_the_cash_cost_by_hand(simulate: object, value: float) -> None:
    tb = block(simulate, ("pro_blocked",), value)
    np.testing.assert_allclose(tb.blocked_usage_usd, BLOCKED_BY_HAND, rtol=FLOAT32_RTOL)
    np.testing.assert_allclose(tb.blocked_value_usd, value * BLOCKED_BY_HAND, rtol=FLOAT32_RTOL)
    # One annual seat all term, nothing billed above the limit: the cash is the seat, whatever the value.
    np.testing.assert_allclose(tb.cash_cost_usd, ANNUAL_SEAT * MONTHS, rtol=1e-12)
    assert np.all(tb.extra_usage_usd == 0)
    np.testing.assert_allclose(tb.cost_usd, tb.cash_cost_usd + tb.blocked_value_usd, rtol=1e-12)


@pytest.mark.parametrize("simulate", SIMULATIONS, ids=["fast", "brute_force"])
def test_the_value_moves_only_the_valued_cost_on_the_same_draws(simulate: object) -> None:
    zero, one = block(simulate, ("pro_blocked",), 0.0), block(simulate, ("pro_blocked",), 1.0)
    np.testing.assert_array_equal(zero.cash_cost_usd, one.cash_cost_usd)
    np.testing.assert_array_equal(zero.blocked_usage_usd, one.blocked_usage_usd)
    assert np.all(zero.blocked_value_usd == 0)
    assert np.all(one.blocked_value_usd > 0.99 * BLOCKED_BY_HAND)


@pytest.mark.parametrize("value", [0.0, 0.3, 0.5, 1.0])
def test_the_decision_is_the_brute_force_minimum_of_cash_plus_valued_blocked_usage(value: float) -> None:
    """Blocked Pro (cash 204, 2,340 blocked) against Max 5x (cash 1,200, nothing blocked): the chosen plan
    is the one with the lower cash + value x blocked usage, each side measured on its own with the value
    set to 0 (break-even value (1,200 - 204) / 2,340 = 0.43)."""
    both = ("pro_blocked", "max_5x")
    options = {k: block(simulate_team_block, (k,), 0.0) for k in both}
    cost = {
        k: float(tb.cash_cost_usd.mean()) + value * float(tb.blocked_usage_usd.mean())
        for k, tb in options.items()
    }
    chosen = block(simulate_team_block, both, value)
    assert float(chosen.cost_usd.mean()) == pytest.approx(min(cost.values()), rel=FLOAT32_RTOL)
    best = min(cost, key=cost.__getitem__)
    assert best == (
        "pro_blocked" if value < (MAX_SEAT - ANNUAL_SEAT) * MONTHS / BLOCKED_BY_HAND else "max_5x"
    )
    expected_blocked = BLOCKED_BY_HAND if best == "pro_blocked" else 0.0
    assert float(chosen.blocked_usage_usd.mean()) == pytest.approx(expected_blocked, rel=FLOAT32_RTOL)


def forecast_team(value: float) -> dict[str, float]:
    """The one-engineer team through the whole engine path (plan, blocks, merge, result)."""
    inp = small_input(trials=1_000, block_trials=500)
    inp = replace(
        inp,
        teams=(engineer(("pro_blocked",)),),
        plans=tuple(PLANS.values()),
        seat_contract=SeatContract(blocked_usage_value=value),
    )
    team = run_forecast(inp, extras=False)["seats"]["teams"][0]
    return {k: float(v) for k, v in team.items() if k.startswith("expected_")}  # type: ignore[arg-type]


def test_the_result_reports_cash_blocked_usage_and_its_value_apart() -> None:
    zero, one = forecast_team(0.0), forecast_team(1.0)
    for team, value in ((zero, 0.0), (one, 1.0)):
        assert team["expected_blocked_usage_usd"] == pytest.approx(BLOCKED_BY_HAND, rel=FLOAT32_RTOL)
        assert team["expected_blocked_value"] == pytest.approx(value * BLOCKED_BY_HAND, rel=FLOAT32_RTOL)
        assert team["expected_blocked_usage"] == team["expected_blocked_value"]  # its documented meaning
        assert team["expected_cash_cost"] == pytest.approx(ANNUAL_SEAT * MONTHS, rel=1e-12)
        assert team["expected_cash_cost"] == pytest.approx(
            team["expected_seat_fees"] + team["expected_extra_usage"] + team["expected_api_billed_usage"]
        )
        assert team["expected_cost"] == pytest.approx(
            team["expected_cash_cost"] + team["expected_blocked_value"], rel=1e-12
        )
    # Value 0 no longer hides the refused usage; value 1 does not change what is paid.
    assert zero["expected_cash_cost"] == one["expected_cash_cost"]
    assert zero["expected_blocked_usage_usd"] == one["expected_blocked_usage_usd"]
    assert zero["expected_blocked_value"] == 0.0 < one["expected_blocked_value"]
