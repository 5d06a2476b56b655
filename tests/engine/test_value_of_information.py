"""EVPI and EVPPI (forecasting/engine/value_of_information.py) against closed forms.

The case: one period, spend S = theta * noise with theta and noise independent lognormals (median 1,
log-sds 0.4 and 0.25). A commitment c at discount d costs (1 - d) c + max(S - c, 0) (shortfall at list).
Given theta, E[max(S - c, 0)] is the lognormal call price, so every expectation below is one integral
over a standard normal, done by the trapezoid rule on a fine grid: exact to far below Monte Carlo error.
The decisions are the same 41 commitments in the exact value and in the estimate.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from forecasting.engine.value_of_information import evpi, evppi

DISCOUNT = 0.2
SD_THETA = 0.4
SD_NOISE = 0.25
COMMITMENTS = np.linspace(0.3, 2.5, 41)
Z = np.linspace(-9.0, 9.0, 36_001)
PHI = norm.pdf(Z)


def _integral(values: np.ndarray) -> np.ndarray:
    """E[values(Z)] over a standard normal Z on the last axis."""
    return np.asarray(np.trapezoid(values * PHI, Z, axis=-1))


def _cost_given_theta(theta: np.ndarray) -> np.ndarray:
    """(D, len(theta)) E[cost_d | theta]: (1 - d) c + lognormal call on S | theta."""
    c = COMMITMENTS[:, None]
    mu = np.log(theta)[None, :]
    s = SD_NOISE
    d1 = (mu + s * s - np.log(c)) / s
    call = np.exp(mu + s * s / 2) * norm.cdf(d1) - c * norm.cdf(d1 - s)
    return np.asarray((1 - DISCOUNT) * c + call)


def _exact_evppi_theta() -> float:
    given = _cost_given_theta(np.exp(SD_THETA * Z))
    return float(_integral(given).min() - _integral(given.min(axis=0)))


def _exact_evpi() -> float:
    spend = np.exp(np.hypot(SD_THETA, SD_NOISE) * Z)[None, :]
    cost = (1 - DISCOUNT) * COMMITMENTS[:, None] + np.maximum(spend - COMMITMENTS[:, None], 0.0)
    return float(_integral(cost).min() - _integral(cost.min(axis=0)))


def _draw(seed: int, trials: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    log_theta = SD_THETA * rng.standard_normal(trials)
    log_noise = SD_NOISE * rng.standard_normal(trials)
    unrelated = rng.standard_normal(trials)
    spend = np.exp(log_theta + log_noise)
    costs = (1 - DISCOUNT) * COMMITMENTS[:, None] + np.maximum(spend[None, :] - COMMITMENTS[:, None], 0.0)
    return costs, log_theta, log_noise, unrelated


REPLICATIONS = 20
TRIALS = 20_000


@pytest.fixture(scope="module")
def replications() -> list[tuple[float, float, float, float]]:
    out = []
    for seed in range(REPLICATIONS):
        costs, log_theta, log_noise, unrelated = _draw(seed, TRIALS)
        out.append((evpi(costs), evppi(costs, log_theta), evppi(costs, log_noise), evppi(costs, unrelated)))
    return out


def test_closed_forms_are_sane() -> None:
    # Knowing everything is worth more than knowing theta, which is worth more than nothing.
    assert _exact_evpi() > _exact_evppi_theta() > 0.0


def test_evpi_matches_closed_form(replications: list[tuple[float, float, float, float]]) -> None:
    values = np.array([r[0] for r in replications])
    exact = _exact_evpi()
    # The mean of 20 replications within 4 standard errors plus 1% of the exact value.
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert abs(values.mean() - exact) < 4 * se + 0.01 * exact


def test_evppi_of_theta_matches_closed_form(replications: list[tuple[float, float, float, float]]) -> None:
    values = np.array([r[1] for r in replications])
    exact = _exact_evppi_theta()
    # The polynomial fit in log theta is not the exact conditional expectation: allow 2% for its bias
    # plus 4 standard errors of the mean over replications (a cubic, 4% low, would fail).
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert abs(values.mean() - exact) < 4 * se + 0.02 * exact


def test_evppi_between_zero_and_evpi(replications: list[tuple[float, float, float, float]]) -> None:
    for total, theta, noise, unrelated in replications:
        for partial in (theta, noise, unrelated):
            assert 0.0 <= partial <= total


def test_unrelated_group_is_worth_about_nothing(
    replications: list[tuple[float, float, float, float]],
) -> None:
    exact = _exact_evppi_theta()
    for _, _, _, unrelated in replications:
        # Only the fit's overfitting of noise: under 0.1% of what theta is worth.
        assert unrelated < 0.001 * exact


def test_constant_group_is_worth_nothing() -> None:
    costs, *_ = _draw(0, 1_000)
    assert evppi(costs, np.ones(1_000)) == 0.0


def test_one_decision_has_no_value_of_information() -> None:
    costs, log_theta, *_ = _draw(1, 2_000)
    assert evpi(costs[:1]) == 0.0
    assert evppi(costs[:1], log_theta) == 0.0


def test_shape_errors() -> None:
    costs, log_theta, *_ = _draw(2, 100)
    with pytest.raises(ValueError):
        evppi(costs, log_theta[:50])
    with pytest.raises(ValueError):
        evpi(np.zeros((0, 5)))


# The engine's wiring: the draws kept per trial, serialised, merged, and the result's rows.


def test_group_draws_survive_serialisation_and_are_the_api_paths_draws() -> None:
    from dataclasses import replace

    from forecasting.engine.api_path import cost_per_request_usd, growth_draws
    from forecasting.engine.blocks import run_block
    from forecasting.engine.plan import plan_run
    from forecasting.engine.serialize import block_from_bytes, block_to_bytes
    from forecasting.engine.streams import API_PATH, generator
    from tests.engine.test_forecast import small_input

    inp = small_input()
    inp = replace(inp, features=inp.features[:1])  # one feature: its summaries are its own draws
    plan = plan_run(inp)
    block = run_block(plan, 1)
    assert block.api_group_draws is not None
    again = block_from_bytes(block_to_bytes(block))
    assert again.api_group_draws is not None
    np.testing.assert_array_equal(again.api_group_draws, block.api_group_draws)
    feature = inp.features[0]
    assert cost_per_request_usd(feature, plan.models) > 0
    rng = generator(inp.seed, 1, API_PATH, 0)
    uniforms = rng.random(plan.blocks[1])
    tokens = feature.tokens_sd * rng.standard_normal(plan.blocks[1])
    growth = np.log1p(growth_draws(uniforms, feature.growth, feature.growth_sd))
    np.testing.assert_allclose(block.api_group_draws[0], growth, rtol=1e-12)
    np.testing.assert_allclose(block.api_group_draws[1], tokens, rtol=1e-12)


def test_the_result_reports_each_group_between_zero_and_the_evpi() -> None:
    from dataclasses import replace

    from forecasting.engine.forecast import run_forecast
    from tests.engine.test_forecast import small_input

    result = run_forecast(small_input())
    rows = result["value_of_information"]
    assert {r["group"] for r in rows} == {"all", "growth", "tokens_per_request"}
    values = [r["evppi"] for r in rows]
    assert values == sorted(values, reverse=True)
    total = next(r["evppi"] for r in rows if r["group"] == "all")
    assert total > 0.0
    assert all(0.0 <= r["evppi"] <= total for r in rows)
    assert run_forecast(replace(small_input(), trials=1_000), extras=False)["value_of_information"] == []
