"""Commitment contract rules: periods, prorated band floors, contracts refused (docs/decisions.md)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.engine.commitment import Period, contract_periods
from forecasting.engine.inputs import ApiContract, DiscountBand
from tests.engine.commitment_cases import EXACT, optimise


class TestPeriods:
    def test_periods_cover_the_term_and_the_last_one_is_short(self) -> None:
        assert contract_periods(30, 12) == (Period(0, 0, 12), Period(1, 12, 12), Period(2, 24, 6))
        assert contract_periods(24, 12) == (Period(0, 0, 12), Period(1, 12, 12))
        assert contract_periods(6, 12) == (Period(0, 0, 6),)

    def test_short_last_period_prorates_the_band_floors(self) -> None:
        # 18 months: the 6-month period's floor is 600K x 6/12 = 300K, so 0.8 x 400K = 320K qualifies.
        contract = ApiContract(
            discount_bands=(DiscountBand(0.0, 0.0), DiscountBand(600_000.0, 0.2)), ramp_allowed=True
        )
        decision = optimise(np.tile([1_000_000.0, 400_000.0], (5, 1)), contract, term_months=18)
        last = decision.periods[1].recommended
        assert (last.commitment_usd, last.discount) == pytest.approx((320_000.0, 0.2), rel=EXACT)
        assert last.expected_cost_usd == pytest.approx(320_000.0, rel=EXACT)

    def test_without_ramps_the_short_period_commits_the_prorated_share(self) -> None:
        contract = ApiContract(discount_bands=(DiscountBand(0.0, 0.1),))
        decision = optimise(np.tile([1_000_000.0, 500_000.0], (5, 1)), contract, term_months=18)
        full, short = (p.recommended.commitment_usd for p in decision.periods)
        assert short == pytest.approx(full * 6 / 12, rel=EXACT)


class TestValidation:
    @pytest.mark.parametrize(
        "contract",
        [
            ApiContract(discount_bands=(DiscountBand(0.0, 0.1), DiscountBand(0.0, 0.2))),
            ApiContract(discount_bands=(DiscountBand(0.0, 1.0),)),
            ApiContract(rollover_share=1.5),
            ApiContract(max_unused_probability=-0.1),
        ],
    )
    def test_invalid_contracts_are_refused(self, contract: ApiContract) -> None:
        with pytest.raises(ValueError):
            optimise(np.ones(10), contract)
