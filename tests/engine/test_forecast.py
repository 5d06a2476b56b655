"""The whole engine run: reproducibility, block independence, the result contract, purity."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from forecasting.engine.blocks import run_block
from forecasting.engine.contract import ForecastResult
from forecasting.engine.forecast import finish, run_forecast
from forecasting.engine.inputs import (
    ApiContract,
    DiscountBand,
    FeatureInput,
    ForecastInput,
    LeverTargets,
    ModelPrice,
    SeatContract,
    SeatPlan,
    TeamInput,
)
from forecasting.engine.merge import FeatureSpend
from forecasting.engine.plan import plan_run
from forecasting.engine.serialize import block_from_bytes, block_to_bytes

MODELS = (
    ModelPrice(key="claude-sonnet-4-5", input_usd_per_mtok=3.0, output_usd_per_mtok=15.0),
    ModelPrice(key="claude-haiku-4-5", input_usd_per_mtok=1.0, output_usd_per_mtok=5.0),
)
PLANS = (
    SeatPlan("api", 0.0, None, 0.0, 0.25, "extra_usage"),
    SeatPlan("pro", 20.0, 17.0, 105.0, 0.25, "extra_usage"),
    SeatPlan("max_20x", 200.0, None, 2_100.0, 0.25, "extra_usage"),
    SeatPlan("team_premium", 125.0, 100.0, 656.25, 0.25, "extra_usage", min_seats=5),
)


def small_input(*, trials: int = 2_000, block_trials: int = 500, seed: int = 7) -> ForecastInput:
    """A scenario small enough to run many times: two teams, two features, 12 months, 2 periods of 6."""
    plans = ("api", "pro", "max_20x", "team_premium")
    teams = (
        TeamInput("Platform", 40, 50, 0.1, 0.6, 0.85, 150, 600, 0.6, 0.02, 0.01, 0.15, plans),
        TeamInput("QA", 12, 12, 0.0, 0.8, 0.8, 40, 150, 0.6, 0.0, 0.0, 0.1, ("api", "pro")),
    )
    levers = LeverTargets(model_mix=(("claude-haiku-4-5", 1.0),), cache_hit_rate=0.8)
    mix = (("claude-sonnet-4-5", 0.8), ("claude-haiku-4-5", 0.2))
    features = (
        FeatureInput(
            "Summariser", 400_000, mix, 3_000, 400, growth=0.05, growth_sd=0.03, volatility=0.1,
            tokens_sd=0.1, cache_hit_rate=0.5, cache_write_rate=0.05, batch_share=0.3, levers=levers,
        ),
        FeatureInput(
            "Search", 100_000, (("claude-haiku-4-5", 1.0),), 2_000, 300,
            launch_month=3, growth=0.08, growth_sd=0.04,
        ),
    )  # fmt: skip
    bands = (DiscountBand(0, 0.0), DiscountBand(10_000, 0.10), DiscountBand(25_000, 0.15))
    return ForecastInput(
        name="Small",
        start_month="2027-01",
        term_months=12,
        trials=trials,
        seed=seed,
        api_contract=ApiContract(commitment_period_months=6, discount_bands=bands),
        seat_contract=SeatContract(),
        teams=teams,
        features=features,
        models=MODELS,
        plans=PLANS,
        catalog_slug="test",
        catalog_as_of="2026-11-01",
        block_trials=block_trials,
    )


def without_timing(result: ForecastResult) -> str:
    """The result as canonical JSON, minus the wall-clock seconds (the only field allowed to differ)."""
    data = json.loads(json.dumps(result))
    del data["simulation"]["seconds"]
    return json.dumps(data, sort_keys=True)


@pytest.fixture(scope="module")
def reference() -> ForecastResult:
    return run_forecast(small_input())


def test_same_seed_gives_an_identical_result(reference: ForecastResult) -> None:
    assert without_timing(run_forecast(small_input())) == without_timing(reference)


def test_a_different_seed_gives_a_different_result(reference: ForecastResult) -> None:
    other = run_forecast(small_input(seed=8))
    assert other["total"]["expected_cost"] != reference["total"]["expected_cost"]


def _blocks_in_pool(plan: Any, order: list[int], processes: int) -> list[Any]:
    with ProcessPoolExecutor(max_workers=processes) as pool:
        payloads = list(pool.map(_block_bytes, [plan] * len(order), order))
    return [block_from_bytes(p) for p in payloads]


def _block_bytes(plan: Any, index: int) -> bytes:
    return block_to_bytes(run_block(plan, index))


@pytest.mark.parametrize("processes", [1, 3, 8])
def test_blocks_in_any_process_count_and_order_merge_to_the_identical_result(
    reference: ForecastResult, processes: int
) -> None:
    plan = plan_run(small_input())
    order = list(range(len(plan.blocks)))
    random.Random(processes).shuffle(order)
    if processes == 1:
        blocks = [block_from_bytes(_block_bytes(plan, i)) for i in order]
    else:
        blocks = _blocks_in_pool(plan, order, processes)
    assert without_timing(finish(plan, blocks, started=0.0)) == without_timing(reference)


def test_a_pool_of_two_processes_gives_the_identical_result_and_reports_every_block(
    reference: ForecastResult,
) -> None:
    progress: list[tuple[int, int]] = []
    pooled = run_forecast(
        small_input(), processes=2, on_progress=lambda done, count: progress.append((done, count))
    )
    assert without_timing(pooled) == without_timing(reference)
    assert progress == [(i, 4) for i in range(1, 5)]  # 2,000 trials in blocks of 500


def test_feature_spend_kept_as_blocks_reads_as_the_concatenated_array() -> None:
    rng = np.random.default_rng(3)
    blocks = tuple(rng.lognormal(10, 1, size=(3, n)) for n in (500, 500, 137))
    dense = np.concatenate(blocks, axis=1)
    spend = FeatureSpend(blocks)
    mask: NDArray[np.bool_] = np.asarray(rng.random(dense.shape[1]) < 0.1)
    assert spend.count == 3
    for i in range(3):
        np.testing.assert_array_equal(spend.feature(i), dense[i])
    np.testing.assert_allclose(spend.total(), dense.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(spend.sums_where(mask), dense[:, mask].sum(axis=1), rtol=1e-12)


def test_a_feature_carrying_most_of_the_tail_is_warned_about_with_its_share() -> None:
    plan = plan_run(small_input(), extras=False)
    blocks = [run_block(plan, i) for i in range(len(plan.blocks))]
    dense = np.concatenate([b.feature_term_usd for b in blocks], axis=1)
    total = dense.sum(axis=0)
    tail = total >= np.quantile(total, 0.95)
    shares = dense[:, tail].sum(axis=1) / total[tail].sum()  # computed here from the dense samples
    assert shares[0] > 0.5 > shares[1]  # the Summariser is the larger feature by far
    warnings = finish(plan, blocks, started=0.0)["diagnostics"]["warnings"]
    tail_warnings = [w for w in warnings if "worst 5% of trials" in w]
    assert tail_warnings == [
        f"Feature 'Summariser' carries {shares[0]:.0%} of API spend in the worst 5% of trials: "
        "its forecast drives the commitment's risk."
    ]


def test_block_size_is_fixed_and_a_short_last_block_is_allowed() -> None:
    plan = plan_run(small_input(trials=1_250, block_trials=500))
    assert plan.blocks == (500, 500, 250)


def test_merging_refuses_a_missing_block() -> None:
    plan = plan_run(small_input(), extras=False)
    blocks = [run_block(plan, i) for i in range(len(plan.blocks) - 1)]
    with pytest.raises(ValueError, match="expected blocks"):
        finish(plan, blocks, started=0.0)


def test_block_serialisation_round_trips_exactly() -> None:
    plan = plan_run(small_input())
    block = run_block(plan, 0)
    again = block_from_bytes(block_to_bytes(block))
    np.testing.assert_array_equal(again.api_monthly_usd, block.api_monthly_usd)
    np.testing.assert_array_equal(again.seats.team_cost_usd, block.seats.team_cost_usd)
    assert again.seats.windowed_cost_usd is not None
    np.testing.assert_array_equal(again.seats.windowed_cost_usd, block.seats.windowed_cost_usd)
    assert len(again.seat_sensitivity) == len(block.seat_sensitivity) > 0


def test_result_has_every_key_of_the_output_contract(reference: ForecastResult) -> None:
    r = reference
    assert set(r["simulation"]) >= {"trials", "seed", "engine_version", "seconds"}
    assert set(r["catalog"]) == {"slug", "as_of"}
    assert [m["month"] for m in r["api"]["monthly"]][:2] == ["2027-01", "2027-02"]
    assert set(r["api"]["monthly"][0]) == {"month", "mean", "p5", "p50", "p95"}
    assert {f["name"] for f in r["api"]["features"]} == {"Summariser", "Search"}
    period = r["api"]["periods"][1]
    assert (period["index"], period["start_month"], period["months"]) == (1, "2027-07", 6)
    assert set(period["spend"]) == {"mean", "p5", "p10", "p50", "p90", "p95"}
    point_keys = {
        "commitment",
        "discount",
        "expected_cost",
        "expected_unused",
        "expected_overage",
        "p95_cost",
    }
    assert set(period["recommended"]) >= point_keys | {"probability_unused"}
    assert all(set(p) >= point_keys for p in period["curve"])
    assert set(period["baselines"]) == {"no_commitment", "run_rate", "median"}
    team = r["seats"]["teams"][0]
    assert set(team) >= {
        "name", "mix", "plan_costs", "break_even", "expected_cost", "cost",
        "expected_idle_seat_cost", "expected_extra_usage", "expected_blocked_usage",
    }  # fmt: skip
    assert set(team["mix"][0]) >= {"plan", "share", "annual_seats", "expected_monthly_seats"}
    assert set(r["total"]["cost"]) == {"p5", "p50", "p95"}
    blended = r["blended_vs_separated"]
    assert blended is not None
    assert set(blended) >= {"blended", "separated"}
    assert {row["lever"] for row in r["token_levers"]} == {"model_mix", "cache_hit_rate", "all"}
    assert {c["name"] for c in r["concessions"]} == {
        "rollover_25", "overage_at_committed_rate", "ramp_allowed", "band_thresholds_20pct_lower",
        "seats_removable_quarterly",
    }  # fmt: skip
    assert {row["driver"] for row in r["sensitivity"]} == {
        "growth", "tokens", "cache_hit_rate", "headcount", "adoption", "usage_intensity", "plan_capacity",
        "correlation",
    }  # fmt: skip
    assert set(r["diagnostics"]) == {"standard_errors", "warnings"}


def test_recommendation_never_costs_more_than_a_baseline(reference: ForecastResult) -> None:
    # Over the term (without a ramp one commitment serves every period, so a baseline may win one period
    # alone). Baselines are candidates of the optimiser: this holds exactly, up to float summation order.
    periods = reference["api"]["periods"]
    recommended = sum(p["recommended"]["expected_cost"] for p in periods)
    for name in ("no_commitment", "run_rate", "median"):
        assert recommended <= sum(p["baselines"][name]["expected_cost"] for p in periods) + 1e-6, name


def test_totals_add_up_without_counting_api_billed_usage_twice(reference: ForecastResult) -> None:
    api_cost = reference["api"]["expected_cost"]
    seats = reference["seats"]["expected_cost"]
    api_billed = sum(t["expected_api_billed_usage"] for t in reference["seats"]["teams"])
    # Exact identity of means (floating error only): total = API cost + seat cost - API-billed seat usage.
    assert reference["total"]["expected_cost"] == pytest.approx(api_cost + seats - api_billed, rel=1e-12)


def test_concessions_and_levers_never_cost_money(reference: ForecastResult) -> None:
    # Each concession only widens what the buyer may do, and each lever lowers the cost per request, on the
    # same samples: the re-optimised expected cost cannot rise (beyond the rollover search tolerance).
    for row in reference["concessions"] + reference["token_levers"]:
        assert row["expected_saving"] >= -1e-6 * reference["total"]["expected_cost"], row


def test_more_growth_never_lowers_the_total_or_the_commitment(reference: ForecastResult) -> None:
    growth = next(row for row in reference["sensitivity"] if row["driver"] == "growth")
    assert growth["expected_cost_high"] > growth["expected_cost_low"]
    assert growth["commitment_high"] >= growth["commitment_low"]


def test_blended_commitment_wastes_money_when_seats_are_paid_separately(reference: ForecastResult) -> None:
    b = reference["blended_vs_separated"]
    assert b is not None
    assert b["blended"]["expected_unused"] > b["separated"]["expected_unused"]
    assert b["blended"]["expected_cost"] >= b["separated"]["expected_cost"]


def test_without_extras_the_analyses_are_empty() -> None:
    result = run_forecast(replace(small_input(), trials=1_000), extras=False)
    assert result["token_levers"] == []
    assert result["concessions"] == []
    assert result["sensitivity"] == []


def test_importing_the_engine_loads_no_django_module() -> None:
    code = (
        "import sys; import forecasting.engine.forecast, forecasting.engine.serialize, "
        "forecasting.scenario_inputs; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_plans_without_an_annual_price_are_bought_month_to_month(reference: ForecastResult) -> None:
    platform = next(t for t in reference["seats"]["teams"] if t["name"] == "Platform")
    by_plan = {m["plan"]: m for m in platform["mix"]}
    max_20x = by_plan["max_20x"]
    assert max_20x["share"] > 0.05  # the heavy tail of a median-150, p90-600 team needs Max 20x
    assert max_20x["annual_seats"] == 0
    # Month-to-month seats ≈ share x mean active engineers (40..50 headcount x 0.6..0.85 adoption ≈ 32);
    # 40% tolerance covers the binomial and headcount noise and the growth path's shape.
    assert max_20x["expected_monthly_seats"] == pytest.approx(max_20x["share"] * 32, rel=0.4)
