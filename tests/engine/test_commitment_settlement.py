"""Settling a commitment over the trials: rollover, overage and unused by hand, and the per-trial arrays."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.engine.inputs import ApiContract, DiscountBand
from tests.engine.commitment_cases import BANDS, EXACT, lognormal_spend, optimise, reference_settlement


class TestSettlement:
    def test_rollover_settlement_by_hand_through_the_run_rate_baseline(self) -> None:
        # Run rate 200 per period; spend 100 then 300; half of the unused rolls over.
        contract = ApiContract(rollover_share=0.5, ramp_allowed=True)
        decision = optimise(np.tile([100.0, 300.0], (4, 1)), contract, run_rate=200.0 / 12)
        first, second = (p.baselines["run_rate"] for p in decision.periods)
        # period 1: 100 unused, 50 rolls over, 50 forfeited; period 2: 250 available, 50 overage at list
        assert (first.expected_unused_usd, first.expected_cost_usd) == pytest.approx((50.0, 200.0), rel=EXACT)
        assert (second.expected_overage_usd, second.expected_cost_usd) == pytest.approx(
            (50.0, 250.0), rel=EXACT
        )
        assert first.probability_unused == 1.0
        assert second.probability_unused == 0.0

    def test_committed_rate_rollover_settlement_by_hand(self) -> None:
        # d = 20%: consumed 80 then 240; 120 unused -> 60 credit; 260 available -> 20 unused, lost at the end
        # The run rate, 250 list per period, is covered at 20% by C = (1 - 0.2) x 250 = 200.
        contract = ApiContract(
            discount_bands=(DiscountBand(0.0, 0.2),), overage="committed_rate", rollover_share=0.5
        )
        decision = optimise(np.tile([100.0, 300.0], (4, 1)), contract, run_rate=250.0 / 12)
        first, second = (p.baselines["run_rate"] for p in decision.periods)
        assert (first.expected_unused_usd, second.expected_unused_usd) == pytest.approx(
            (60.0, 20.0), rel=EXACT
        )
        assert (first.expected_cost_usd, second.expected_cost_usd) == pytest.approx((200.0, 200.0), rel=EXACT)

    def test_term_arrays_add_up_the_periods(self) -> None:
        spend = lognormal_spend(1, 300, 2)
        decision = optimise(spend, ApiContract(discount_bands=BANDS, rollover_share=0.3))
        commitments = [p.recommended.commitment_usd for p in decision.periods]
        reference = reference_settlement(
            spend, [12, 12], ApiContract(discount_bands=BANDS, rollover_share=0.3), commitments
        )
        np.testing.assert_allclose(decision.cost_usd, reference["cost"].sum(axis=1), rtol=EXACT)
        np.testing.assert_allclose(
            decision.unused_usd, reference["forfeited"].sum(axis=1), rtol=EXACT, atol=1e-9
        )
        assert decision.expected_cost_usd == pytest.approx(decision.cost_usd.mean(), rel=EXACT)

    def test_same_input_gives_identical_arrays(self) -> None:
        spend = lognormal_spend(3, 500, 2)
        contract = ApiContract(discount_bands=BANDS, rollover_share=0.3, ramp_allowed=True)
        first, second = optimise(spend, contract), optimise(spend, contract)
        assert np.array_equal(first.cost_usd, second.cost_usd)
        assert np.array_equal(first.unused_usd, second.unused_usd)
