"""The exact optimum without rollover: hand arithmetic by band, closed forms (newsvendor, quadrature, cap)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from forecasting.engine.api_path import ApiVariant, cost_per_request_usd
from forecasting.engine.inputs import ApiContract, DiscountBand
from tests.engine.commitment_cases import BANDS, EXACT, MODELS, growth_feature, optimise, simulated_year_spend


class TestDeterministic:
    def test_without_uncertainty_the_commitment_is_the_discounted_spend(self) -> None:
        contract = ApiContract(discount_bands=(DiscountBand(0.0, 0.12),))
        decision = optimise(np.full(50, 800_000.0), contract)
        point = decision.periods[0].recommended
        assert point.commitment_usd == pytest.approx(0.88 * 800_000.0, rel=EXACT)
        assert point.expected_cost_usd == pytest.approx(point.commitment_usd, rel=EXACT)
        assert (point.expected_unused_usd, point.expected_overage_usd, point.probability_unused) == (
            0.0,
            0.0,
            0.0,
        )

    @pytest.mark.parametrize(
        ("spend", "commitment", "cost"),
        [
            # band 10% at 900K beats band 15% whose floor 1M exceeds 0.85 x 1M (cost 1M), and no commitment
            (1_000_000.0, 900_000.0, 900_000.0),
            # 0.9 x 1.1M = 990K still in the 10% band; the 15% floor costs 1M (1.1M < 1M / 0.85)
            (1_100_000.0, 990_000.0, 990_000.0),
            # 0.9 x 1.2M = 1.08M leaves the 10% band; 0.85 x 1.2M = 1.02M reaches the 15% floor
            (1_200_000.0, 1_020_000.0, 1_020_000.0),
            # 0.85 x 1.18M = 1.003M reaches the 15% floor; just below 1M at 10% would cost 1M + 68,889
            (1_180_000.0, 1_003_000.0, 1_003_000.0),
        ],
    )
    def test_the_band_that_wins_by_hand_with_overage_at_list(
        self, spend: float, commitment: float, cost: float
    ) -> None:
        point = optimise(np.full(20, spend), ApiContract(discount_bands=BANDS)).periods[0].recommended
        assert (point.commitment_usd, point.expected_cost_usd) == pytest.approx((commitment, cost), rel=EXACT)

    def test_committed_rate_overage_takes_the_cheapest_band_floor(self) -> None:
        # max(C, (1-d) 1M): no commitment 1M; 500K floor 900K; 1M floor max(1M, 850K) = 1M.
        contract = ApiContract(discount_bands=BANDS, overage="committed_rate")
        point = optimise(np.full(20, 1_000_000.0), contract).periods[0].recommended
        assert (point.commitment_usd, point.discount) == (500_000.0, 0.10)
        assert point.expected_cost_usd == pytest.approx(900_000.0, rel=EXACT)
        assert point.expected_overage_usd == pytest.approx(400_000.0, rel=EXACT)


class TestClosedForms:
    def test_commitment_equals_newsvendor_fractile_with_overage_at_list(self) -> None:
        discount, trials = 0.15, 20_000
        spend = simulated_year_spend((ApiVariant("base"),), 5_000, 4)[0]
        point = (
            optimise(spend, ApiContract(discount_bands=(DiscountBand(0.0, discount),))).periods[0].recommended
        )
        # S = R0 c sum_t (1+G)^t is increasing in G, so Q_S(d) = S(Q_G(d)), Q_G from the truncated normal.
        growth = stats.truncnorm((-1.0 - 0.03) / 0.04, np.inf, loc=0.03, scale=0.04)
        per_month = 10_000.0 * cost_per_request_usd(growth_feature(), MODELS)

        def year_spend(g: float) -> float:
            return per_month * sum((1 + g) ** t for t in range(12))

        q_growth = float(growth.ppf(discount))
        expected = (1 - discount) * year_spend(q_growth)
        # Monte Carlo error of the sample d-quantile of G: sqrt(d(1-d)/n) / f_G(Q_G(d)), carried to C by
        # the derivative of (1-d) S(g); 4 standard errors.
        se_growth = math.sqrt(discount * (1 - discount) / trials) / growth.pdf(q_growth)
        slope = (1 - discount) * (year_spend(q_growth + 1e-6) - year_spend(q_growth - 1e-6)) / 2e-6
        assert abs(point.commitment_usd - expected) <= 4 * slope * se_growth
        # and exactly the sample newsvendor: (1-d) x the ceil(d n)-th smallest spend
        sample_quantile = np.sort(spend)[math.ceil(discount * trials) - 1]
        assert point.commitment_usd == pytest.approx((1 - discount) * sample_quantile, rel=EXACT)
        assert point.probability_unused == pytest.approx(discount, abs=1 / trials)

    def test_committed_rate_recommendation_is_the_floor_minimising_expected_cost_by_quadrature(self) -> None:
        mu, sigma, trials = math.log(1e6), 0.4, 40_000
        bands = (
            DiscountBand(0.0, 0.0),
            DiscountBand(600e3, 0.08),
            DiscountBand(900e3, 0.12),
            DiscountBand(1.4e6, 0.2),
        )
        spend = np.exp(np.random.default_rng(1).normal(mu, sigma, trials))
        point = (
            optimise(spend, ApiContract(discount_bands=bands, overage="committed_rate"))
            .periods[0]
            .recommended
        )

        def expected_cost(floor: float, discount: float) -> float:
            """E[max(C, (1-d) S)] for S lognormal, integrated over log S."""
            integrand = lambda z: max(floor, (1 - discount) * math.exp(z)) * stats.norm.pdf(z, mu, sigma)  # noqa: E731
            kink = [math.log(floor / (1 - discount))] if floor > 0 else None
            value, _ = integrate.quad(integrand, mu - 12 * sigma, mu + 12 * sigma, points=kink, limit=200)
            return float(value)

        costs = [expected_cost(b.min_commitment_usd, b.discount) for b in bands]
        best = bands[int(np.argmin(costs))]
        assert point.commitment_usd == best.min_commitment_usd
        # the sample average at that floor is within 4 Monte Carlo standard errors of the integral
        cost_sd = np.maximum(best.min_commitment_usd, (1 - best.discount) * spend).std()
        assert abs(point.expected_cost_usd - min(costs)) <= 4 * cost_sd / math.sqrt(trials)

    def test_binding_unused_probability_limit_caps_the_commitment_at_the_order_statistic(self) -> None:
        # At list with d = 20% the newsvendor leaves 20% of trials unused; with at most 5% allowed, the
        # convex objective is minimised at the cap: C = (1-d) x the (floor(0.05 n) + 1)-th smallest spend.
        trials, limit = 1_000, 0.05
        spend = np.exp(np.random.default_rng(9).normal(math.log(1e6), 0.3, trials))
        contract = ApiContract(discount_bands=(DiscountBand(0.0, 0.2),), max_unused_probability=limit)
        point = optimise(spend, contract).periods[0].recommended
        assert point.commitment_usd == pytest.approx(0.8 * np.sort(spend)[50], rel=EXACT)
        assert point.probability_unused <= limit
