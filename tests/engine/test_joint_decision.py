"""Seats and the commitment decided together (docs/decisions.md#seats-and-commitment-together).

The issue's adversarial team (40 engineers, median $20K/month, Max 20x or API billing) against a hand
computation, a brute force over the plan choices, today's decisions at r = 1, and the guard (never worse
than the sequential decision on the full run's trials)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from scipy import special

from forecasting.engine import plan as plan_module
from forecasting.engine.blocks import run_block, seat_counted_monthly
from forecasting.engine.combine import seat_cost_outside_api, to_periods
from forecasting.engine.commitment import optimise_commitment, run_rate_usd_per_month
from forecasting.engine.forecast import run_forecast, simulate_blocks
from forecasting.engine.inputs import (
    ApiContract,
    DiscountBand,
    FeatureInput,
    ForecastInput,
    ModelPrice,
    SeatContract,
    SeatPlan,
    TeamInput,
)
from forecasting.engine.merge import merge_samples
from forecasting.engine.plan import plan_run
from forecasting.engine.results import api_monthly_total, build_result
from forecasting.engine.seats.decision import decide_team
from forecasting.engine.seats.model import Z_090

MAX_20X = SeatPlan("max_20x", 200.0, None, 2_100.0, 0.0, "extra_usage")
PRO = SeatPlan("pro", 20.0, None, 105.0, 0.0, "extra_usage")
P90_RATIO = 1.05  # engineers nearly alike: each team's mix is one plan, as in the example


def scenario(
    *,
    discount: float = 0.2,
    counts: bool = True,
    extra: bool = False,
    medians: tuple[float, ...] = (20_000.0,),
    allowed: tuple[str, ...] = ("max_20x", "api"),
    trials: int = 4_000,
    overage: str = "committed_rate",
) -> ForecastInput:
    teams = tuple(
        TeamInput(f"team{j}", 40, 40, 0.0, 1.0, 1.0, m, m * P90_RATIO, allowed_plans=allowed)
        for j, m in enumerate(medians)
    )
    return ForecastInput(
        name="joint",
        start_month="2026-01",
        term_months=12,
        trials=trials,
        seed=11,
        api_contract=ApiContract(
            discount_bands=(DiscountBand(0.0, discount),),
            overage=overage,  # type: ignore[arg-type]
            claude_code_api_usage_counts=counts,
            extra_usage_counts=extra,
        ),
        seat_contract=SeatContract(annual_term=False),
        teams=teams,
        features=(FeatureInput("chat", 1_000.0, (("m", 1.0),), 1_000.0, 100.0),),
        models=(ModelPrice(key="m", input_usd_per_mtok=3.0, output_usd_per_mtok=15.0),),
        plans=(MAX_20X, PRO),
        block_trials=2_000,
    )


def mix(result: Any, team: int = 0) -> dict[str, float]:
    return {m["plan"]: m["share"] for m in result["seats"]["teams"][team]["mix"]}


def main_plan(result: Any, team: int) -> str:
    """The plan with the largest share of the team's engineers."""
    shares = mix(result, team)
    return max(shares, key=lambda plan: shares[plan])


def lognormal_moments(median: float, cap: float) -> tuple[float, float]:
    """E[U] and E[(U - cap)^+] for U lognormal with median and p90 = P90_RATIO x median."""
    sigma = math.log(P90_RATIO) / Z_090
    mean = median * math.exp(sigma**2 / 2)
    d1 = (math.log(median / cap) + sigma**2) / sigma
    return mean, mean * special.ndtr(d1) - cap * special.ndtr(d1 - sigma)


def test_the_adversarial_team_flips_to_api_billing_and_saves_what_the_hand_computation_says() -> None:
    result = run_forecast(scenario(), extras=False)
    joint = result["seats_and_commitment"]
    assert mix(result)["api"] == pytest.approx(1.0)
    assert joint["chosen"] == "joint"
    assert joint["teams_changed"] == 1
    # One band (20% from $0) with overage at the committed rate: every list dollar costs 0.8, so r = 0.8.
    assert joint["rate"] == pytest.approx(0.8, abs=1e-9)
    # By hand: 480 engineer-months; Max 20x costs 200 + E(U - 2,100)^+ each, API billing 0.8 E[U];
    # the feature's API cost is 0.8 of its list spend either way.
    mean, overflow = lognormal_moments(20_000.0, MAX_20X.capacity_usd)
    saving = 480 * (MAX_20X.monthly_usd + overflow - 0.8 * mean)
    assert saving == pytest.approx(1.009e6, rel=1e-3)  # the hand figure itself, about $1.01M
    # The simulated saving is a difference of two costs of ~$8.7M and ~$7.7M from the fast seat path, whose
    # means are within 1% of the model's (tests/engine/test_seat_accuracy.py): allowed 0.5% of the
    # sequential cost (~$44K; measured: $22K, 0.25%), plus 3 standard errors of the pilot's saving.
    sequential, simulated, se = (
        float(joint["sequential_expected_cost"] or 0.0),
        float(joint["saving"] or 0.0),
        float(joint["saving_standard_error"] or 0.0),
    )
    assert simulated == pytest.approx(saving, abs=0.005 * sequential + 3 * se)
    assert simulated > 10 * se


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"counts": False}, "API-billed usage does not count: it costs list"),
        ({"discount": 0.05}, "r = 0.95 > 1 - 1,900 / 20,014: Max 20x stays cheaper"),
        ({"extra": True}, "Max 20x's extra usage counts too: 200 + 0.8 (U - 2,100) < 0.8 U"),
    ],
)
def test_the_team_stays_on_max_20x_when_the_coupling_does_not_pay(changes: dict[str, Any], why: str) -> None:
    result = run_forecast(scenario(**changes), extras=False)
    assert mix(result)["max_20x"] == pytest.approx(1.0), why
    assert result["seats_and_commitment"]["chosen"] == "sequential"


def test_the_joint_answer_matches_brute_force_over_the_plan_choices() -> None:
    """Two teams near the break-even, each on one plan of three: the best of the 3^2 assignments (each
    simulated with the same seed, the commitment re-optimised) against the joint answer."""
    medians = (6_000.0, 30_000.0)
    allowed = ("pro", "max_20x", "api")
    inp = scenario(medians=medians, allowed=allowed, discount=0.15, overage="list", trials=8_000)
    joint = run_forecast(inp, extras=False)
    totals = {}
    for a in allowed:
        for b in allowed:
            teams = (replace(inp.teams[0], allowed_plans=(a,)), replace(inp.teams[1], allowed_plans=(b,)))
            forced = run_forecast(replace(inp, teams=teams), extras=False)
            totals[(a, b)] = (
                forced["total"]["expected_cost"],
                forced["diagnostics"]["standard_errors"]["total_expected_cost"],
            )
    best = min(totals, key=lambda k: totals[k][0])
    chosen = tuple(main_plan(joint, j) for j in range(2))
    assert chosen == best
    se = math.hypot(totals[best][1], joint["diagnostics"]["standard_errors"]["total_expected_cost"])
    # Forced runs allow one plan, the joint run three: the trial-level draws differ (one capacity normal
    # per allowed plan), so the totals agree within 3 standard errors of the two, plus 0.1% for the fast
    # path's bias that differs between a one-plan and a three-plan team (its means are within 1%).
    assert joint["total"]["expected_cost"] == pytest.approx(
        totals[best][0], abs=3 * se + 1e-3 * totals[best][0]
    )
    # The sequential decision (r = 1) is the one made when the usage does not count: it differs.
    uncounted = replace(inp.api_contract, claude_code_api_usage_counts=False)
    sequential = run_forecast(replace(inp, api_contract=uncounted), extras=False)
    assert tuple(main_plan(sequential, j) for j in range(2)) != best  # the coupling flips a plan choice


def _per_trial_total(inp: ForecastInput, *, joint: bool, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """Per-trial total cost of the run's decisions (`joint`) or of the sequential ones (no pilot)."""
    with monkeypatch.context() as patch:
        if not joint:
            patch.setattr(plan_module, "JOINT_PILOT_TRIALS", 0)
        plan = plan_run(inp, extras=False)
    samples = merge_samples(plan, simulate_blocks(plan))
    monthly = api_monthly_total(plan, samples)
    decision = optimise_commitment(
        to_periods(plan, monthly),
        plan.periods,
        inp.api_contract,
        run_rate_usd_per_month=run_rate_usd_per_month(monthly),
        curves=False,
    )
    counted = seat_counted_monthly(plan, samples.seats)
    return np.asarray(decision.cost_usd + seat_cost_outside_api(plan, samples.seats.team_cost_usd, counted))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"discount": 0.1, "medians": (15_000.0, 2_500.0), "allowed": ("pro", "max_20x", "api")},
        {"discount": 0.3, "overage": "list", "medians": (3_000.0,), "extra": True},
        {"discount": 0.12, "medians": (19_000.0, 21_000.0)},
    ],
)
def test_the_joint_answer_is_never_worse_than_sequential_on_the_full_runs_trials(
    changes: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The guard decides on the pilot (block 0's first trials); on all trials (common random numbers: the
    same streams) the returned answer is not worse than the sequential one beyond 3 paired standard errors."""
    inp = scenario(**changes)
    joint = _per_trial_total(inp, joint=True, monkeypatch=monkeypatch)
    sequential = _per_trial_total(inp, joint=False, monkeypatch=monkeypatch)
    difference = sequential - joint
    se = float(difference.std(ddof=1)) / math.sqrt(difference.size)
    assert float(difference.mean()) >= -3 * se - 1e-9


def test_r_equal_to_one_reproduces_todays_decisions_exactly() -> None:
    team = scenario().teams[0]
    plans = {p.key: p for p in (MAX_20X, PRO)}
    contract = SeatContract(annual_term=False)
    today = decide_team(team, plans, contract, months=12)
    at_one = decide_team(team, plans, contract, months=12, counted_rates={"api": 1.0, "max_20x": 1.0})
    assert at_one.mix == today.mix
    assert at_one.plan_costs == today.plan_costs
    assert at_one.band_edges_zeta == today.band_edges_zeta
    assert at_one.terms == today.terms


@pytest.mark.parametrize("changes", [{"counts": False}, {"discount": 0.05}, {"discount": 0.0}])
def test_a_sequential_outcome_is_bit_for_bit_the_run_without_the_joint_decision(
    changes: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inp = scenario(**changes, medians=(20_000.0, 3_000.0), allowed=("pro", "max_20x", "api"))
    results = []
    for pilot in (True, False):
        with monkeypatch.context() as patch:
            if not pilot:
                patch.setattr(plan_module, "JOINT_PILOT_TRIALS", 0)
            plan = plan_run(inp)
        result = build_result(
            plan, merge_samples(plan, [run_block(plan, i) for i in range(len(plan.blocks))]), seconds=0.0
        )
        assert result["seats_and_commitment"]["chosen"] == "sequential"
        data = dict(result)
        del data["seats_and_commitment"]
        results.append(data)
    assert results[0] == results[1]


def test_extra_usage_that_counts_moves_from_the_seat_cost_into_the_api_spend() -> None:
    off = run_forecast(scenario(discount=0.0), extras=False)
    on = run_forecast(scenario(discount=0.0, extra=True), extras=False)
    extra = on["seats"]["teams"][0]["expected_extra_usage"]
    api_gain = sum(m["mean"] for m in on["api"]["monthly"]) - sum(m["mean"] for m in off["api"]["monthly"])
    assert api_gain == pytest.approx(extra, rel=1e-9)  # the term total is kept exactly
    # No discount: a counted dollar costs list either way, so the total does not move.
    assert on["total"]["expected_cost"] == pytest.approx(off["total"]["expected_cost"], rel=1e-9)


def test_the_joint_decision_is_the_same_in_every_process() -> None:
    """Workers rebuild the plan: the pilot draws from named streams, so two processes give the same run."""
    inp = scenario(
        medians=(6_000.0, 30_000.0), allowed=("pro", "max_20x", "api"), discount=0.15, trials=4_000
    )
    one, two = run_forecast(inp, processes=1), run_forecast(inp, processes=2)
    assert one["seats_and_commitment"]["chosen"] == "joint"
    one["simulation"]["seconds"] = two["simulation"]["seconds"] = 0.0
    assert one == two
