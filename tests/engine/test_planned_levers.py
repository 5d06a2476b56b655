"""Planned token levers (docs/decisions.md#planned-levers): the commitment is sized on the spend with each
planned lever from its start month on, on the same trials as the unoptimised spend."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from forecasting.engine.api_path import simulate_api_block
from forecasting.engine.blocks import run_block
from forecasting.engine.commitment import evaluate_commitments, optimise_commitment
from forecasting.engine.contract import ForecastResult
from forecasting.engine.forecast import run_forecast, simulate_blocks
from forecasting.engine.inputs import ForecastInput, LeverTargets, PlannedLever
from forecasting.engine.merge import merge_samples
from forecasting.engine.plan import plan_run
from forecasting.engine.results import build_result
from forecasting.engine.serialize import block_from_bytes, block_to_bytes
from tests.engine.test_forecast import small_input

# With rollover the commitment is searched, not solved exactly (docs/decisions.md#api-commitment-per-period),
# so a plan sized on other spend may beat the searched one by a hair: one part in a million of the cost.
SEARCH_SLACK = 1e-6


def _planned(inp: ForecastInput, *levers: tuple[str, int]) -> ForecastInput:
    return replace(inp, planned_levers=tuple(PlannedLever(name, month) for name, month in levers))  # type: ignore[arg-type]


def _no_teams(inp: ForecastInput) -> ForecastInput:
    """No seat path: API-billed usage is exactly zero, so period spend is the features' alone."""
    return replace(inp, teams=())


@pytest.mark.parametrize("start", [0, 4, 11])
def test_planned_spend_is_the_base_before_the_start_month_and_the_lever_spend_from_it(start: int) -> None:
    inp = _planned(small_input(), ("cache_hit_rate", start))
    plan = plan_run(inp)
    assert plan.api_planned is not None
    variants = (*plan.api_variants, plan.api_planned)
    names = [v.name for v in variants]
    api = simulate_api_block(
        inp.features, plan.models, months=12, start_calendar_month=1, seed=inp.seed, block=0,
        trials=500, variants=variants, term_variant=len(variants) - 1,
    )  # fmt: skip
    monthly = api.monthly_spend_usd
    planned, base, lever = (monthly[names.index(n)] for n in ("planned", "base", "lever:cache_hit_rate"))
    assert np.array_equal(planned[:, :start], base[:, :start])  # exact, per trial and month
    assert np.array_equal(planned[:, start:], lever[:, start:])
    if start > 0:  # the lever is cheaper, so the planned spend is below the base once it lands
        assert np.all(planned[:, start:].sum(axis=1) < base[:, start:].sum(axis=1))
    # The per-feature term spend reported is the planned one: it adds up to the planned monthly spend.
    assert np.allclose(api.feature_term_spend_usd.sum(axis=0), planned.sum(axis=1), rtol=1e-12)


def test_two_levers_starting_in_different_months_switch_to_their_combination() -> None:
    inp = _planned(small_input(), ("model_mix", 2), ("cache_hit_rate", 7))
    plan = plan_run(inp)
    assert plan.api_planned is not None
    months = [m for m, _ in plan.api_planned.switches]
    assert months == [2, 7]
    # From month 7 on the costs are those of the variant with both levers ("lever:all" here: the two used).
    everything = next(v for v in plan.api_variants if v.name == "lever:all")
    single = next(v for v in plan.api_variants if v.name == "lever:model_mix")
    assert plan.api_planned.switches[0][1] == single.cost_per_request_usd
    assert plan.api_planned.switches[1][1] == everything.cost_per_request_usd
    block = run_block(plan, 1)
    assert block.api_planned_monthly_usd is not None
    assert np.array_equal(block.api_planned_monthly_usd[:, :2], block.api_monthly_usd[:, :2])


@pytest.mark.parametrize(
    ("levers", "row"), [(("cache_hit_rate", "model_mix"), "all"), (("model_mix",), "model_mix")]
)
def test_planned_from_the_term_start_reproduces_the_token_lever_commitment_exactly(
    levers: tuple[str, ...], row: str
) -> None:
    base = _no_teams(small_input())
    plain = run_forecast(base)
    planned = run_forecast(_planned(base, *((name, 0) for name in levers)))
    lever_row = next(r for r in plain["token_levers"] if r["lever"] == row)
    recommended = [p["recommended"]["commitment"] for p in planned["api"]["periods"]]
    assert recommended == lever_row["commitments"]
    assert planned["api"]["expected_cost"] == pytest.approx(
        plain["api"]["expected_cost"] - lever_row["expected_saving"], rel=1e-12
    )
    # The token levers are still measured against the unoptimised answer, which the section reports.
    assert planned["token_levers"] == plain["token_levers"]
    section = planned["planned_levers"]
    assert section is not None
    assert section["unoptimised_commitments"] == [
        p["recommended"]["commitment"] for p in plain["api"]["periods"]
    ]


def test_the_planned_recommendation_is_the_optimum_of_the_stitched_spend() -> None:
    """Independent check: stitch the base and lever monthly spend by hand, sum into periods, optimise."""
    inp = _planned(_no_teams(small_input()), ("cache_hit_rate", 5))
    plan = plan_run(inp)
    blocks = simulate_blocks(plan)
    samples = merge_samples(plan, blocks)
    lever_plan = plan_run(_planned(_no_teams(small_input()), ("cache_hit_rate", 0)))
    lever_samples = merge_samples(lever_plan, simulate_blocks(lever_plan))
    assert samples.api_planned_monthly_usd is not None
    assert lever_samples.api_planned_monthly_usd is not None
    stitched = np.concatenate(
        [samples.api_monthly_usd[:, :5], lever_samples.api_planned_monthly_usd[:, 5:]], axis=1
    )
    assert np.array_equal(stitched, samples.api_planned_monthly_usd)
    by_period = np.stack([stitched[:, :6].sum(axis=1), stitched[:, 6:].sum(axis=1)], axis=1)
    run_rate = float(np.median(stitched[:, 0]))
    expected = optimise_commitment(by_period, plan.periods, inp.api_contract, run_rate_usd_per_month=run_rate)
    result = build_result(plan, samples, seconds=0.0)
    assert [p["recommended"]["commitment"] for p in result["api"]["periods"]] == pytest.approx(
        [pd.recommended.commitment_usd for pd in expected.periods], rel=1e-12
    )


@pytest.fixture(scope="module")
def planned_result() -> ForecastResult:
    return run_forecast(_planned(small_input(), ("model_mix", 3), ("cache_hit_rate", 6)))


def test_the_section_prices_both_mistakes(planned_result: ForecastResult) -> None:
    section = planned_result["planned_levers"]
    assert section is not None
    assert [lever["start_month"] for lever in section["levers"]] == ["2027-04", "2027-07"]
    api_cost = planned_result["api"]["expected_cost"]
    # Committing on today's spend costs more once the levers land (the recommendation is the optimum there).
    assert section["cost_of_committing_before_levers_land"] >= -SEARCH_SLACK * api_cost
    assert section["cost_of_committing_before_levers_land"] == pytest.approx(
        section["unoptimised_expected_cost"] - api_cost, rel=1e-12
    )
    # Committing on the plan costs more if the levers slip (the unoptimised answer is the optimum there).
    assert section["cost_if_levers_slip"] >= -SEARCH_SLACK * api_cost
    # The levers save money: the slipped spend costs more than the planned one under the same commitments.
    assert section["expected_cost_if_levers_slip"] > api_cost
    unopt = section["unoptimised_commitments"]
    recommended = [p["recommended"]["commitment"] for p in planned_result["api"]["periods"]]
    assert sum(recommended) <= sum(unopt)  # cheaper spend never calls for a larger commitment here


def test_cost_of_committing_early_matches_a_direct_settlement(planned_result: ForecastResult) -> None:
    inp = _planned(small_input(), ("model_mix", 3), ("cache_hit_rate", 6))
    plan = plan_run(inp)
    samples = merge_samples(plan, simulate_blocks(plan))
    assert samples.api_planned_monthly_usd is not None
    planned = samples.api_planned_monthly_usd + samples.seats.api_billed_monthly_usd
    by_period = np.stack([planned[:, :6].sum(axis=1), planned[:, 6:].sum(axis=1)], axis=1)
    section = planned_result["planned_levers"]
    assert section is not None
    cost, _ = evaluate_commitments(
        by_period, plan.periods, inp.api_contract, section["unoptimised_commitments"]
    )
    assert float(cost.mean()) == pytest.approx(section["unoptimised_expected_cost"], rel=1e-9)


def test_nothing_planned_leaves_the_result_as_it_was() -> None:
    inp = small_input(trials=1_000)
    result = run_forecast(inp)
    assert result["planned_levers"] is None
    assert plan_run(inp).api_planned is None
    explicit = run_forecast(replace(inp, planned_levers=()))
    result["simulation"]["seconds"] = explicit["simulation"]["seconds"] = 0.0
    assert result == explicit


def test_planned_levers_apply_to_the_quick_forecast_too() -> None:
    inp = _planned(small_input(trials=1_000), ("cache_hit_rate", 0))
    quick = run_forecast(inp, extras=False)
    plain = run_forecast(small_input(trials=1_000), extras=False)
    assert quick["planned_levers"] is not None
    assert quick["api"]["expected_cost"] < plain["api"]["expected_cost"]


def test_blocks_with_planned_spend_round_trip_through_bytes() -> None:
    plan = plan_run(_planned(small_input(), ("model_mix", 2)))
    block = run_block(plan, 0)
    again = block_from_bytes(block_to_bytes(block))
    assert again.api_planned_monthly_usd is not None
    assert block.api_planned_monthly_usd is not None
    assert np.array_equal(again.api_planned_monthly_usd, block.api_planned_monthly_usd)


@pytest.mark.parametrize(
    ("levers", "message"),
    [
        ((("cache_hit_rate", 12),), "outside the term"),
        ((("cache_hit_rate", -1),), "outside the term"),
        ((("batch_share", 0),), "no feature sets a target"),
        ((("model_mix", 0), ("model_mix", 3)), "distinct"),
        ((("speed", 0),), "unknown token lever"),
    ],
)
def test_the_engine_refuses_a_plan_it_cannot_apply(levers: tuple[tuple[str, int], ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_run(_planned(small_input(), *levers))


def test_a_lever_target_on_a_feature_without_the_planned_lever_leaves_that_feature_unchanged() -> None:
    inp = small_input()
    only_search = replace(
        inp,
        features=(inp.features[0], replace(inp.features[1], levers=LeverTargets(batch_share=1.0))),
        planned_levers=(PlannedLever("batch_share", 0),),
    )
    plan = plan_run(only_search)
    assert plan.api_planned is not None
    costs = plan.api_planned.switches[0][1]
    base = plan_run(replace(only_search, planned_levers=())).api_variants
    lever = next(v for v in base if v.name == "lever:batch_share")
    assert costs == lever.cost_per_request_usd


@pytest.mark.parametrize(("start", "rollover", "ramp"), [(0, 0.0, True), (5, 0.25, False), (9, 0.25, True)])
def test_both_mistakes_cost_nothing_negative_whatever_the_contract(
    start: int, rollover: float, ramp: bool
) -> None:
    """The recommendation is the (searched, with rollover) optimum on the planned spend, the unoptimised
    answer the optimum on the unoptimised spend: settling either on the other's spend never beats it."""
    inp = small_input(trials=1_000)
    contract = replace(inp.api_contract, rollover_share=rollover, ramp_allowed=ramp)
    result = run_forecast(
        _planned(replace(inp, api_contract=contract), ("cache_hit_rate", start)), extras=False
    )
    section = result["planned_levers"]
    assert section is not None
    slack = SEARCH_SLACK * result["api"]["expected_cost"]
    assert section["cost_of_committing_before_levers_land"] >= -slack
    assert section["cost_if_levers_slip"] >= -slack


def test_the_tornado_moves_drivers_around_the_planned_spend() -> None:
    """A cache lever planned from the first month is the same spend as a feature already at its target hit
    rate, so the tornado (every driver, the cache one moved from the target) and its centre are the same."""
    inp = small_input(trials=2_000)
    summariser = inp.features[0]
    target = summariser.levers.cache_hit_rate if summariser.levers else None
    assert target is not None
    at_target = replace(
        inp, features=(replace(summariser, cache_hit_rate=target, levers=None), *inp.features[1:])
    )
    planned = run_forecast(_planned(inp, ("cache_hit_rate", 0)))
    reached = run_forecast(at_target)
    baseline, expected = planned["sensitivity_baseline"], reached["sensitivity_baseline"]
    assert baseline is not None
    assert expected is not None
    assert baseline["expected_cost"] == pytest.approx(expected["expected_cost"], rel=1e-9)
    rows = {r["driver"]: r for r in reached["sensitivity"]}
    assert {r["driver"] for r in planned["sensitivity"]} == set(rows)
    for row in planned["sensitivity"]:
        other = rows[row["driver"]]
        assert row["expected_cost_low"] == pytest.approx(other["expected_cost_low"], rel=1e-9)
        assert row["expected_cost_high"] == pytest.approx(other["expected_cost_high"], rel=1e-9)
    # ... and centred on the planned headline, not on the unoptimised one.
    unplanned = run_forecast(inp)
    assert unplanned["sensitivity_baseline"] is not None
    assert baseline["expected_cost"] < unplanned["sensitivity_baseline"]["expected_cost"]
