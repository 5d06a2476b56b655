"""API path: cost per request against hand arithmetic, simulated spend against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from forecasting.engine.api_path import (
    ApiVariant,
    cost_per_request_usd,
    growth_draws,
    seasonality_factors,
    simulate_api_block,
)
from forecasting.engine.inputs import FeatureInput, ModelPrice
from tests.engine.prices import HAIKU, SONNET

MODELS = {"sonnet": SONNET, "haiku": HAIKU}
EXACT = 1e-12  # relative: hand arithmetic and the engine differ only by float rounding


def feature(**overrides: object) -> FeatureInput:
    values: dict[str, object] = {
        "name": "f",
        "requests_per_month": 1000.0,
        "model_mix": (("sonnet", 1.0),),
        "input_tokens": 1000.0,
        "output_tokens": 200.0,
    }
    values.update(overrides)
    return FeatureInput(**values)  # type: ignore[arg-type]


def simulate(features: list[FeatureInput], **kwargs: object) -> np.ndarray:
    options: dict[str, object] = {
        "months": 12,
        "start_calendar_month": 1,
        "seed": 11,
        "block": 0,
        "trials": 64,
    }
    options.update(kwargs)
    return simulate_api_block(features, MODELS, **options).monthly_spend_usd  # type: ignore[arg-type]


class TestCostPerRequest:
    def test_plain_request_is_input_plus_output_at_list(self) -> None:
        expected = (1000 * 3.0 + 200 * 15.0) / 1e6  # 0.006 USD
        assert cost_per_request_usd(feature(), MODELS) == pytest.approx(expected, rel=EXACT)

    def test_cache_hit_and_5m_write_split_the_input_tokens(self) -> None:
        f = feature(cache_hit_rate=0.5, cache_write_rate=0.1)
        # 400 uncached at 3, 500 reads at 0.30, 100 writes at 3.75, 200 output at 15
        expected = (400 * 3.0 + 500 * 0.30 + 100 * 3.75 + 200 * 15.0) / 1e6
        assert cost_per_request_usd(f, MODELS) == pytest.approx(expected, rel=EXACT)

    def test_1h_cache_writes_cost_twice_the_input_price(self) -> None:
        f = feature(cache_hit_rate=0.5, cache_write_rate=0.1, cache_ttl="1h")
        expected = (400 * 3.0 + 500 * 0.30 + 100 * 6.0 + 200 * 15.0) / 1e6
        assert cost_per_request_usd(f, MODELS) == pytest.approx(expected, rel=EXACT)

    def test_batch_share_halves_every_token_type_including_cache(self) -> None:
        f = feature(cache_hit_rate=0.5, cache_write_rate=0.1, batch_share=0.3)
        unbatched = (400 * 3.0 + 500 * 0.30 + 100 * 3.75 + 200 * 15.0) / 1e6
        expected = 0.7 * unbatched + 0.3 * 0.5 * unbatched
        assert cost_per_request_usd(f, MODELS) == pytest.approx(expected, rel=EXACT)

    def test_two_model_mix_is_the_share_weighted_average(self) -> None:
        f = feature(model_mix=(("sonnet", 0.8), ("haiku", 0.2)))
        expected = 0.8 * (1000 * 3.0 + 200 * 15.0) / 1e6 + 0.2 * (1000 * 1.0 + 200 * 5.0) / 1e6
        assert cost_per_request_usd(f, MODELS) == pytest.approx(expected, rel=EXACT)

    def test_sonnet_long_context_bills_the_whole_request_at_6_and_22_50(self) -> None:
        # 250K input of which 40% cache reads: the threshold counts all input, cached or not.
        f = feature(input_tokens=250_000.0, output_tokens=2_000.0, cache_hit_rate=0.4)
        expected = (150_000 * 6.0 + 100_000 * 0.6 + 2_000 * 22.5) / 1e6
        assert cost_per_request_usd(f, MODELS) == pytest.approx(expected, rel=EXACT)

    def test_input_at_the_threshold_stays_at_the_base_rates(self) -> None:
        f = feature(input_tokens=200_000.0, output_tokens=2_000.0)
        expected = (200_000 * 3.0 + 2_000 * 15.0) / 1e6
        assert cost_per_request_usd(f, MODELS) == pytest.approx(expected, rel=EXACT)

    def test_long_context_is_per_model_not_global(self) -> None:
        f = feature(model_mix=(("haiku", 1.0),), input_tokens=250_000.0, output_tokens=2_000.0)
        expected = (250_000 * 1.0 + 2_000 * 5.0) / 1e6
        assert cost_per_request_usd(f, MODELS) == pytest.approx(expected, rel=EXACT)

    def test_model_override_of_the_cache_read_multiplier(self) -> None:
        models = {
            "sonnet": ModelPrice(
                key="sonnet", input_usd_per_mtok=3.0, output_usd_per_mtok=15.0, cache_read_multiplier=0.05
            )
        }
        f = feature(cache_hit_rate=0.8)
        expected = (200 * 3.0 + 800 * 0.15 + 200 * 15.0) / 1e6
        assert cost_per_request_usd(f, models) == pytest.approx(expected, rel=EXACT)

    def test_keyword_overrides_replace_mix_hit_rate_and_batch_share(self) -> None:
        f = feature(cache_hit_rate=0.1, cache_write_rate=0.3)
        cost = cost_per_request_usd(
            f, MODELS, model_mix=(("haiku", 1.0),), cache_hit_rate=0.9, batch_share=1.0
        )
        # the write rate is capped at 1 - 0.9 = 0.1: 900 reads at 0.1, 100 writes at 1.25, all batched
        expected = 0.5 * (900 * 0.1 + 100 * 1.25 + 200 * 5.0) / 1e6
        assert cost == pytest.approx(expected, rel=EXACT)

    @pytest.mark.parametrize(
        "overrides",
        [
            {"model_mix": (("opus", 1.0),)},
            {"model_mix": (("sonnet", 0.5), ("haiku", 0.4))},
            {"cache_hit_rate": 0.7, "cache_write_rate": 0.4},
            {"batch_share": 1.5},
        ],
    )
    def test_invalid_requests_are_refused(self, overrides: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            cost_per_request_usd(feature(**overrides), MODELS)


class TestDeterministicSpend:
    SEASON = (2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)  # mean 13/12

    def test_monthly_spend_is_volume_growth_season_and_cost_exactly(self) -> None:
        f = feature(requests_per_month=5_000.0, growth=0.05, launch_month=3, seasonality=self.SEASON)
        spend = simulate([f], months=15, start_calendar_month=11, trials=4)[0]
        cost = cost_per_request_usd(f, MODELS)
        calendar = [(10 + t) % 12 for t in range(15)]  # start in November: t = 2 is January
        expected = [
            0.0 if t < 3 else 5_000.0 * 1.05 ** (t - 3) * self.SEASON[calendar[t]] / (13 / 12) * cost
            for t in range(15)
        ]
        np.testing.assert_allclose(spend, np.tile(expected, (4, 1)), rtol=EXACT, atol=0.0)

    def test_seasonality_is_normalised_to_mean_one_over_a_year(self) -> None:
        factors = seasonality_factors(feature(seasonality=self.SEASON), months=24, start_calendar_month=5)
        assert factors.sum() == pytest.approx(24.0, rel=EXACT)
        assert factors[8] == pytest.approx(2.0 / (13 / 12), rel=EXACT)  # t = 8 is January

    def test_features_sum_and_term_spend_is_the_sum_over_months(self) -> None:
        a, b = feature(growth=0.02), feature(name="b", requests_per_month=300.0, model_mix=(("haiku", 1.0),))
        block = simulate_api_block(
            [a, b], MODELS, months=6, start_calendar_month=1, seed=1, block=0, trials=3
        )
        cost_a, cost_b = cost_per_request_usd(a, MODELS), cost_per_request_usd(b, MODELS)
        expected = [1000.0 * 1.02**t * cost_a + 300.0 * cost_b for t in range(6)]
        np.testing.assert_allclose(block.monthly_spend_usd[0, 1], expected, rtol=EXACT)
        np.testing.assert_allclose(block.feature_term_spend_usd[1], 6 * 300.0 * cost_b, rtol=EXACT)

    def test_features_without_requests_or_launching_after_the_term_contribute_zero(self) -> None:
        silent = [feature(requests_per_month=0.0, volatility=0.3), feature(launch_month=12, volatility=0.3)]
        assert not simulate(silent, months=12).any()


class TestStatisticalSpend:
    TRIALS = 20_000
    SIGMAS = 4.0  # each month within 4 Monte Carlo standard errors of the closed form

    def assert_means_match(self, spend: np.ndarray, expected: np.ndarray) -> None:
        standard_error = spend.std(axis=0, ddof=1) / math.sqrt(spend.shape[0])
        assert np.all(np.abs(spend.mean(axis=0) - expected) <= self.SIGMAS * standard_error)

    def test_mean_spend_matches_lognormal_closed_form_with_fixed_growth(self) -> None:
        f = feature(growth=0.03, volatility=0.25, tokens_sd=0.3, launch_month=2)
        spend = simulate([f], months=12, trials=self.TRIALS)[0]
        months_live = np.maximum(np.arange(12) - 2, 0)
        expected = 1000.0 * cost_per_request_usd(f, MODELS) * 1.03**months_live * math.exp(0.25**2 / 2)
        expected = expected * math.exp(0.3**2 / 2) * (np.arange(12) >= 2)
        self.assert_means_match(spend, expected)

    def test_mean_spend_with_uncertain_growth_matches_quadrature(self) -> None:
        growth, growth_sd = 0.02, 0.05
        f = feature(growth=growth, growth_sd=growth_sd, volatility=0.1)
        spend = simulate([f], months=18, trials=self.TRIALS)[0]
        expected = np.array([self.truncated_growth_moment(growth, growth_sd, t) for t in range(18)])
        expected *= 1000.0 * cost_per_request_usd(f, MODELS) * math.exp(0.1**2 / 2)
        self.assert_means_match(spend, expected)

    @staticmethod
    def truncated_growth_moment(mean: float, sd: float, power: int) -> float:
        """E[(1+G)^power] for G ~ Normal(mean, sd) truncated to G > -1, by quadrature."""
        mass = stats.norm.sf(-1.0, mean, sd)
        value, _ = integrate.quad(lambda g: (1 + g) ** power * stats.norm.pdf(g, mean, sd), -1.0, np.inf)
        return float(value / mass)

    def test_growth_draws_follow_the_truncated_normal(self) -> None:
        uniforms = np.random.default_rng(3).random(self.TRIALS)
        draws = growth_draws(uniforms, -0.6, 0.5)  # 21% of the untruncated mass lies below -1
        truncated = stats.truncnorm((-1.0 + 0.6) / 0.5, np.inf, loc=-0.6, scale=0.5)
        assert draws.min() > -1.0
        tolerance = self.SIGMAS * draws.std() / math.sqrt(self.TRIALS)
        assert abs(draws.mean() - truncated.mean()) <= tolerance
        # inverse-CDF mapping: the draws are exactly the truncated-normal quantiles of the uniforms
        np.testing.assert_allclose(draws[:100], truncated.ppf(uniforms[:100]), rtol=1e-9)


class TestVariantsAndStreams:
    F = feature(growth=0.03, growth_sd=0.02, volatility=0.2, tokens_sd=0.1, launch_month=1)

    def test_token_and_cost_variants_scale_the_base_path_exactly(self) -> None:
        base_cost = cost_per_request_usd(self.F, MODELS)
        variants = (
            ApiVariant("base"),
            ApiVariant("fewer", tokens_scale=0.7),
            ApiVariant("c", cost_per_request_usd=(0.002,)),
        )
        spend = simulate([self.F], variants=variants)
        np.testing.assert_allclose(spend[1], 0.7 * spend[0], rtol=EXACT)
        np.testing.assert_allclose(spend[2], spend[0] * 0.002 / base_cost, rtol=EXACT)

    def test_growth_shift_equals_simulating_the_shifted_feature_on_the_same_numbers(self) -> None:
        shifted = simulate([self.F], variants=(ApiVariant("base"), ApiVariant("up", growth_shift=0.01)))
        direct = simulate(
            [feature(growth=0.04, growth_sd=0.02, volatility=0.2, tokens_sd=0.1, launch_month=1)]
        )
        np.testing.assert_allclose(shifted[1], direct[0], rtol=1e-10)
        assert np.all(shifted[1] >= shifted[0])  # common random numbers: more growth, more spend, per trial

    def test_a_growth_shift_below_minus_one_keeps_growth_above_the_bound_and_spend_finite(self) -> None:
        draws = growth_draws(np.random.default_rng(1).random(1_000), -1.1, 0.01)  # 1 - p0 is 7.6e-24
        assert np.all(draws > -1.0)
        assert np.all(draws < -0.99)
        spend = simulate([self.F], variants=(ApiVariant("base"), ApiVariant("collapse", growth_shift=-1.2)))
        assert np.all(np.isfinite(spend))
        assert np.all(spend[1] <= spend[0])

    def test_same_seed_gives_identical_arrays_and_another_seed_does_not(self) -> None:
        assert np.array_equal(simulate([self.F]), simulate([self.F]))
        assert not np.array_equal(simulate([self.F]), simulate([self.F], seed=12))

    def test_each_block_depends_only_on_seed_and_block(self) -> None:
        in_order = [simulate([self.F], block=b) for b in range(4)]
        shuffled = {b: simulate([self.F], block=b) for b in (2, 0, 3, 1)}
        assert np.array_equal(
            np.concatenate(in_order, axis=1), np.concatenate([shuffled[b] for b in range(4)], axis=1)
        )
        assert not np.array_equal(in_order[0], in_order[1])

    def test_a_feature_draws_the_same_numbers_whatever_other_features_exist(self) -> None:
        other = feature(name="other", volatility=0.5, tokens_sd=0.4)
        alone = simulate_api_block(
            [self.F], MODELS, months=12, start_calendar_month=1, seed=5, block=2, trials=50
        )
        both = simulate_api_block(
            [self.F, other], MODELS, months=12, start_calendar_month=1, seed=5, block=2, trials=50
        )
        assert np.array_equal(alone.feature_term_spend_usd[0], both.feature_term_spend_usd[0])
