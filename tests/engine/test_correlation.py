"""Correlated shocks (docs/model.md#correlation): the factor model against closed forms, the shared
capacity shock, independence at zero loadings, reproducibility, and what correlation does to the result.

Monte Carlo tolerances are stated per test: a sample variance or correlation is compared with its closed
form within 4 estimated standard errors (a false failure about 1 in 16,000).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from forecasting.engine.api_path import simulate_api_block
from forecasting.engine.blocks import run_block
from forecasting.engine.contract import ForecastResult
from forecasting.engine.factors import features_factor, seat_factors, teams_factor
from forecasting.engine.forecast import finish, run_forecast
from forecasting.engine.inputs import Correlation, FeatureInput, ForecastInput, ModelPrice, TeamInput
from forecasting.engine.plan import plan_run
from forecasting.engine.seat_path import TeamBlock, decide_team, simulate_team_block
from forecasting.engine.seats.brute_force import simulate_team_brute_force
from forecasting.engine.seats.model import draw_trial_level
from forecasting.engine.serialize import block_from_bytes, block_to_bytes
from forecasting.engine.streams import SEAT_PATH, generator
from tests.engine.seat_builders import CONTRACT, PLANS, team
from tests.engine.test_forecast import small_input, without_timing

MODEL = ModelPrice(key="m", input_usd_per_mtok=1.0, output_usd_per_mtok=0.0)
SD = 0.05  # growth sd of the test features: the truncation at G = -1 lies 20 sd away (negligible)
Z_TOL = 4.0  # standard errors allowed between an estimate and its closed form


def features(amounts: tuple[float, ...]) -> tuple[FeatureInput, ...]:
    """Features whose only uncertainty is growth: spend in month 1 is amount x (1 + G), G ~ N(0, SD)."""
    return tuple(
        FeatureInput(f"f{i}", a, (("m", 1.0),), 1_000_000, 0, growth=0.0, growth_sd=SD)
        for i, a in enumerate(amounts)
    )


def month_one_spend(
    correlation: Correlation | None, amounts: tuple[float, ...], *, blocks: int = 4, trials: int = 25_000
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(total spend in month 1, per-feature growth G) over `blocks` blocks of a 2-month term."""
    totals, growth = [], []
    for b in range(blocks):
        out = simulate_api_block(
            features(amounts), {"m": MODEL}, months=2, start_calendar_month=1, seed=11, block=b,
            trials=trials, correlation=correlation,
        )  # fmt: skip
        totals.append(out.monthly_spend_usd[0][:, 1])
        # term spend = amount x (1 + (1 + G)) with one request costing $1 (1M input tokens at $1/Mtok)
        growth.append(out.feature_term_spend_usd / np.array(amounts)[:, None] - 2.0)
    return np.concatenate(totals), np.concatenate(growth, axis=1)


def variance_se(x: NDArray[np.float64]) -> float:
    """Standard error of the sample variance: sqrt((m4 - var^2) / n)."""
    d = x - x.mean()
    return float(math.sqrt((np.mean(d**4) - np.mean(d**2) ** 2) / len(x)))


def correlation_se(rho: float, n: int) -> float:
    return (1.0 - rho**2) / math.sqrt(n)


@pytest.mark.parametrize("loading", [0.0, 0.5, 0.9])
def test_variance_of_total_api_spend_matches_the_closed_form(loading: float) -> None:
    """Var(sum a_i (1 + G_i)) = SD^2 (sum a_i^2 + loading^2 sum_{i != j} a_i a_j)."""
    amounts = (100.0, 200.0, 300.0, 400.0)
    total, _ = month_one_spend(Correlation(features=loading), amounts)
    a = np.array(amounts)
    expected = SD**2 * (np.sum(a**2) + loading**2 * (a.sum() ** 2 - np.sum(a**2)))
    assert abs(total.var() - expected) < Z_TOL * variance_se(total)
    assert total.mean() == pytest.approx(a.sum(), rel=1e-3)  # the marginal mean does not move


@pytest.mark.parametrize(("loading", "paths"), [(0.0, 0.0), (0.6, 0.0), (0.9, 0.5)])
def test_variance_of_a_sum_of_correlated_lognormal_factors_matches_the_closed_form(
    loading: float, paths: float
) -> None:
    """Month-0 spend of features with only monthly noise is sum_i a_i exp(v Z_i), Z_i loaded on the
    features factor's month-0 draw: Var = sum_ij a_i a_j e^{v^2} (e^{v^2 rho_ij} - 1), rho_ii = 1,
    rho_ij = loading^2 (whatever `paths`, which only links F to the teams)."""
    v, a = 0.4, np.array([100.0, 200.0, 300.0])
    noisy = tuple(
        FeatureInput(f"f{i}", x, (("m", 1.0),), 1_000_000, 0, volatility=v) for i, x in enumerate(a)
    )
    sums = [
        simulate_api_block(
            noisy, {"m": MODEL}, months=1, start_calendar_month=1, seed=3, block=b, trials=25_000,
            correlation=Correlation(features=loading, paths=paths),
        ).monthly_spend_usd[0][:, 0]
        for b in range(8)
    ]  # fmt: skip
    x = np.concatenate(sums)
    rho = np.full((3, 3), loading**2)
    np.fill_diagonal(rho, 1.0)
    expected = float(a @ (math.exp(v**2) * (np.exp(v**2 * rho) - 1.0)) @ a)
    assert abs(x.var() - expected) < Z_TOL * variance_se(x)
    assert x.mean() == pytest.approx(
        a.sum() * math.exp(v**2 / 2), rel=4 * x.std() / math.sqrt(len(x)) / a.sum()
    )


def test_feature_growth_normals_correlate_as_the_square_of_the_loading() -> None:
    _, growth = month_one_spend(Correlation(features=0.6), (100.0, 100.0, 100.0))
    sample = np.asarray(np.corrcoef(growth))
    n = growth.shape[1]
    for i, j in ((0, 1), (0, 2), (1, 2)):
        assert abs(sample[i, j] - 0.36) < Z_TOL * correlation_se(0.36, n)


def drift_normals(
    correlation: Correlation, teams: int, *, block: int = 0, trials: int = 50_000
) -> NDArray[np.float64]:
    """Each team's drift normal (D - growth) / sd as `draw_trial_level` draws it, team j on its stream."""
    member = team(usage_growth=0.0, usage_growth_sd=SD, usage_volatility=0.0)
    decision = decide_team(member, PLANS, CONTRACT, months=2)
    shared = seat_factors(correlation, 5, block, months=2, trials=trials)
    out = []
    for j in range(teams):
        rng = generator(5, block, SEAT_PATH, j)
        draws = draw_trial_level(rng, member, decision.terms, months=2, trials=trials, shared=shared)
        drift = np.exp(draws.log_level[1].astype(np.float64) - draws.log_level[0]) - 1.0
        out.append(drift / SD)
    return np.array(out)


def test_team_drift_normals_correlate_as_the_square_of_the_loading_and_features_through_paths() -> None:
    correlation = Correlation(teams=0.7, features=0.8, paths=0.6)
    drifts = drift_normals(correlation, 2)
    n = drifts.shape[1]
    assert (
        abs(np.asarray(np.corrcoef(drifts))[0, 1] - 0.49) < Z_TOL * correlation_se(0.49, n) + 1e-3
    )  # float32 levels
    # A feature's growth normal and a team's drift normal, both from the engine in block 0 of seed 5:
    # features x teams x paths^2.
    out = simulate_api_block(
        features((100.0,)), {"m": MODEL}, months=2, start_calendar_month=1, seed=5, block=0, trials=n,
        correlation=correlation,
    )  # fmt: skip
    feature_normal = (out.feature_term_spend_usd[0] / 100.0 - 2.0) / SD
    expected = 0.8 * 0.7 * 0.6**2
    assert abs(np.corrcoef(feature_normal, drifts[0])[0, 1] - expected) < Z_TOL * correlation_se(expected, n)


def test_team_shocks_correlate_as_the_square_of_the_loading() -> None:
    """Month 0 log-level is mu + volatility x eps_0 (no drift): two teams' eps_0 correlate teams^2."""
    member = team(usage_growth_sd=0.0, usage_volatility=0.3)
    decision = decide_team(member, PLANS, CONTRACT, months=2)
    n = 50_000
    shared = seat_factors(Correlation(teams=0.5, paths=0.4), 6, 0, months=2, trials=n)
    levels = [
        draw_trial_level(
            generator(6, 0, SEAT_PATH, j), member, decision.terms, months=2, trials=n, shared=shared
        )
        .log_level[0]
        .astype(np.float64)
        for j in range(2)
    ]
    assert abs(np.corrcoef(levels)[0, 1] - 0.25) < Z_TOL * correlation_se(0.25, n)


def test_each_factor_is_a_standard_normal_whatever_the_loadings() -> None:
    """Marginals unchanged (so the per-team seat decisions stand): mean 0, variance 1 within 4 se."""
    n = 200_000
    for factor in (
        features_factor(Correlation(features=0.5, paths=0.9), 1, 0, months=3, trials=n),
        teams_factor(Correlation(teams=0.5, paths=0.3), 1, 0, months=3, trials=n),
    ):
        assert factor is not None
        for draws in (factor.trial, *factor.monthly):
            assert abs(draws.mean()) < Z_TOL / math.sqrt(n)
            assert abs(draws.var() - 1.0) < Z_TOL * math.sqrt(2.0 / n)


def test_capacity_shock_is_shared_by_every_plan_and_team() -> None:
    """ln cap_k - ln median_k = capacity_sd_k x Z_cap: one Z_cap for every plan of every team."""
    decision = decide_team(team(), PLANS, CONTRACT, months=3)
    shared = seat_factors(None, 9, 2, months=3, trials=1_000)
    shocks = []
    for j in range(3):
        draws = draw_trial_level(
            generator(9, 2, SEAT_PATH, j), team(), decision.terms, months=3, trials=1_000, shared=shared
        )
        for k, plan in enumerate(decision.terms):
            if not plan.usage_only:
                shocks.append((draws.log_capacity[k] - math.log(plan.capacity_usd)) / plan.capacity_sd)
    assert len(shocks) >= 6
    assert np.corrcoef(np.array(shocks)).min() > 1.0 - 1e-12
    assert np.abs(np.array(shocks) - shared.capacity).max() < 1e-9


def test_zero_loadings_draw_nothing_and_leave_each_path_bit_for_bit() -> None:
    """A zero features loading leaves the API path exactly as without correlation (whatever `paths`),
    a zero teams loading the seat path (fast and brute force)."""
    amounts = (100.0, 300.0)
    api: dict[str, Any] = {"months": 3, "start_calendar_month": 1, "seed": 2, "block": 1, "trials": 2_000}
    plain = simulate_api_block(features(amounts), {"m": MODEL}, **api)
    other = simulate_api_block(
        features(amounts), {"m": MODEL}, correlation=Correlation(teams=0.9, paths=0.9), **api
    )
    assert np.array_equal(plain.monthly_spend_usd, other.monthly_spend_usd)
    member = team(headcount_now=20.0, headcount_end=25.0, usage_growth_sd=0.05)
    decision = decide_team(member, PLANS, CONTRACT, months=3)
    kw: dict[str, Any] = {"months": 3, "seed": 2, "block": 1, "item": 0, "trials": 500}
    simulations: tuple[Callable[..., TeamBlock], ...] = (simulate_team_block, simulate_team_brute_force)
    for simulate in simulations:
        base = simulate(member, decision, PLANS, CONTRACT, **kw)
        moved = simulate(
            member, decision, PLANS, CONTRACT, correlation=Correlation(features=0.9, paths=0.9), **kw
        )
        assert np.array_equal(base.cost_usd, moved.cost_usd)
        loaded = simulate(member, decision, PLANS, CONTRACT, correlation=Correlation(teams=0.9), **kw)
        assert not np.array_equal(base.cost_usd, loaded.cost_usd)


def test_fast_path_and_brute_force_load_the_same_team_factor() -> None:
    """Both consume `draw_trial_level` with the block's shared draws, so two teams' costs correlate alike
    on either simulation (the drift dominates a team's cost here): within 0.06, about 3 se of the difference
    of two correlations of 3,000 trials; the loading moves the correlation from ~0 to ~0.6."""
    member = team(headcount_now=40.0, headcount_end=40.0, usage_growth_sd=0.15, usage_volatility=0.0)
    decision = decide_team(member, PLANS, CONTRACT, months=4)
    simulations: tuple[Callable[..., TeamBlock], ...] = (simulate_team_block, simulate_team_brute_force)
    correlations = []
    for simulate in simulations:
        costs = [
            simulate(
                member, decision, PLANS, CONTRACT, months=4, seed=4, block=0, item=j, trials=3_000,
                correlation=Correlation(teams=0.9),
            ).cost_usd
            for j in range(2)
        ]  # fmt: skip
        correlations.append(float(np.asarray(np.corrcoef(costs))[0, 1]))
    assert correlations[0] > 0.4
    assert abs(correlations[0] - correlations[1]) < 0.06


CORRELATED = Correlation(teams=0.6, features=0.6, paths=0.5)


def spread_input() -> ForecastInput:
    """Four equal features and three equal API-billed teams, each with growth and monthly uncertainty of
    its own: the case where moving together matters (no one member dominates the total)."""
    base = small_input(trials=8_000, block_trials=2_000)
    mix = (("claude-haiku-4-5", 1.0),)
    features = tuple(
        FeatureInput(f"F{i}", 200_000, mix, 2_000, 300, growth=0.02, growth_sd=0.04, volatility=0.2)
        for i in range(4)
    )
    teams = tuple(
        TeamInput(f"T{i}", 20, 20, 0.0, 0.8, 0.8, 150, 600, 0.6, 0.01, 0.04, 0.2, ("api",)) for i in range(3)
    )
    return replace(base, features=features, teams=teams)


@pytest.fixture(scope="module")
def correlated_pair() -> tuple[ForecastResult, ForecastResult]:
    base = spread_input()
    return run_forecast(base), run_forecast(replace(base, correlation=CORRELATED))


def test_correlated_blocks_in_any_order_and_process_merge_to_the_identical_result() -> None:
    inp = replace(small_input(), correlation=CORRELATED)
    reference = run_forecast(inp)
    plan = plan_run(inp)
    order = list(range(len(plan.blocks)))
    random.Random(3).shuffle(order)
    blocks = [block_from_bytes(block_to_bytes(run_block(plan, i))) for i in order]
    assert without_timing(finish(plan, blocks, started=0.0)) == without_timing(reference)
    assert without_timing(run_forecast(inp, processes=2)) == without_timing(reference)


def test_correlation_widens_the_total_and_raises_the_commitments_risk(
    correlated_pair: tuple[ForecastResult, ForecastResult],
) -> None:
    independent, correlated = correlated_pair
    spread = [r["total"]["cost"]["p95"] - r["total"]["cost"]["p5"] for r in correlated_pair]
    assert spread[1] > 1.10 * spread[0]  # p5..p95 of the total measured +18% on this scenario (seed 7)
    first = [r["api"]["periods"][0] for r in correlated_pair]
    # The API spend's p95 moves out and the optimum's expected cost rises: the same expected spend costs
    # more to commit against when it is less predictable.
    assert first[1]["spend"]["p95"] > first[0]["spend"]["p95"]
    assert first[1]["recommended"]["expected_cost"] > first[0]["recommended"]["expected_cost"]
    assert first[1]["recommended"]["p95_cost"] > 1.01 * first[0]["recommended"]["p95_cost"]  # measured +2.7%
    # The expected spend itself does not move beyond Monte Carlo error (marginals unchanged): 2%.
    assert first[1]["spend"]["mean"] == pytest.approx(first[0]["spend"]["mean"], rel=0.02)
    assert independent["total"]["expected_cost"] == pytest.approx(
        correlated["total"]["expected_cost"], rel=0.02
    )


def test_the_tornados_correlation_row_starts_at_independence(
    correlated_pair: tuple[ForecastResult, ForecastResult],
) -> None:
    """With no correlation in the scenario, the driver's low side (loadings −0.3, floored at 0) is the
    baseline itself,
    on the same draws (equal to rounding), and its high side (loadings +0.3) costs more."""
    independent, _ = correlated_pair
    row = next(r for r in independent["sensitivity"] if r["driver"] == "correlation")
    baseline = independent["sensitivity_baseline"]
    assert baseline is not None
    assert row["expected_cost_low"] == pytest.approx(baseline["expected_cost"], rel=1e-12)
    assert row["expected_cost_high"] > row["expected_cost_low"]


def test_a_loading_outside_zero_to_one_is_refused() -> None:
    for bad in (-0.1, 1.01, math.nan):
        with pytest.raises(ValueError, match="correlation teams"):
            Correlation(teams=bad)
