"""Commitments on the scenario's grid, the baselines' one rule and the blended run rate
(docs/decisions.md#api-commitment-per-period).

A grid commitment is a whole multiple of `commitment_granularity_usd`, settled at the discount it earns.
Without rollover the chosen grid point is the cheapest feasible grid point of all (brute force over every
grid point up to the largest spend); with rollover it is the cheapest in its stated neighbourhood.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from forecasting.engine import analyses
from forecasting.engine.commitment import contract_periods, optimise_commitment
from forecasting.engine.commitment.rules import resolve
from forecasting.engine.inputs import ApiContract, DiscountBand
from tests.engine.commitment_cases import (
    ROUNDING,
    lognormal_spend,
    optimise,
    random_contract,
    reference_cost,
)

ISSUE_BANDS = (DiscountBand(0.0, 0.0), DiscountBand(1_000_000.0, 0.08), DiscountBand(2_000_000.0, 0.12))


def _commitments(decision: Any) -> list[float]:
    return [p.recommended.commitment_usd for p in decision.periods]


def _grid_brute_force(
    spend: np.ndarray, months: list[int], contract: ApiContract, top: float
) -> tuple[float, list[float]]:
    """Cheapest feasible plan over every grid plan with commitments in [0, top] (reference settlement)."""
    grid = contract.commitment_granularity_usd
    assert grid is not None
    points = np.arange(0.0, top + grid, grid)
    length = contract.commitment_period_months
    if contract.ramp_allowed:  # each period signs its own grid amount
        plans = [list(c) for c in itertools.product(points, repeat=len(months))]
    else:  # one full-period grid amount; a short last period commits its prorated share
        plans = [[v * m / length for m in months] for v in points]
    costs = [reference_cost(spend, months, contract, plan) for plan in plans]
    best = int(np.argmin(costs))
    return costs[best], plans[best]


class TestGridOptimum:
    @pytest.mark.parametrize("seed", range(6))
    def test_one_commitment_is_the_cheapest_feasible_grid_point_of_all(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        spend = lognormal_spend(seed, 400, 2)
        limit = [None, 0.3, 0.1][seed % 3]
        contract = random_contract(rng, commitment_granularity_usd=10_000.0, max_unused_probability=limit)
        decision = optimise(spend, contract)
        best, _ = _grid_brute_force(spend, [12, 12], contract, float(spend.max()))
        assert decision.expected_cost_usd == pytest.approx(best, rel=ROUNDING)
        for c in _commitments(decision):
            assert c % 10_000.0 == 0.0
            assert reference_cost(spend, [12, 12], contract, [c, c]) == pytest.approx(best, rel=ROUNDING)

    @pytest.mark.parametrize("seed", range(4))
    def test_ramps_are_each_periods_cheapest_grid_point(self, seed: int) -> None:
        rng = np.random.default_rng(10 + seed)
        spend = lognormal_spend(10 + seed, 300, 2, sigma=0.2) / 3.0
        contract = random_contract(
            rng,
            commitment_granularity_usd=25_000.0,
            ramp_allowed=True,
            max_unused_probability=[None, 0.2][seed % 2],
        )
        months = [12, 7]  # a short last period: its own grid amount against prorated floors
        decision = optimise(spend, contract, term_months=19)
        best, _ = _grid_brute_force(spend, months, contract, float(spend.max()))
        assert decision.expected_cost_usd == pytest.approx(best, rel=ROUNDING)
        assert all(c % 25_000.0 == 0.0 for c in _commitments(decision))

    @pytest.mark.parametrize(("ramp", "seed"), [(False, 0), (False, 1), (True, 2), (True, 3)])
    def test_rollover_picks_the_cheapest_grid_point_around_the_searched_optimum(
        self, ramp: bool, seed: int
    ) -> None:
        rng = np.random.default_rng(20 + seed)
        spend = lognormal_spend(20 + seed, 300, 2)
        contract = random_contract(rng, rollover_share=0.5, ramp_allowed=ramp)
        continuous = optimise(spend, contract)
        gridded = optimise(spend, replace(contract, commitment_granularity_usd=5_000.0))
        # The stated neighbourhood: the grid points either side of the searched optimum (per period with
        # ramps, every combination; without, one shared amount).
        around = [sorted({math.floor(c / 5_000.0) * 5_000.0, math.ceil(c / 5_000.0) * 5_000.0})
                  for c in _commitments(continuous)]  # fmt: skip
        plans = itertools.product(*around) if ramp else ([v, v] for v in around[0])
        best = min(reference_cost(spend, [12, 12], contract, list(plan)) for plan in plans)
        assert gridded.expected_cost_usd <= best * (1 + ROUNDING)
        assert all(c % 5_000.0 == 0.0 for c in _commitments(gridded))

    def test_without_a_grid_the_optimum_stays_continuous(self) -> None:
        spend = lognormal_spend(3, 500, 1)
        contract = ApiContract(discount_bands=(DiscountBand(0.0, 0.1),))  # the engine's default: no grid
        commitment = optimise(spend, contract).periods[0].recommended.commitment_usd
        # the newsvendor fractile C* = (1 - d) Q_S(d), a sample point times 0.9
        assert commitment == 0.9 * float(np.sort(spend[:, 0])[math.ceil(0.1 * 500) - 1])
        assert commitment % 1.0 != 0.0


class TestSignableAsPrinted:
    """Issue 15 item 6: a continuous optimum just under a band floor, with the higher band infeasible."""

    def _case(self) -> tuple[np.ndarray, ApiContract]:
        # Spend of median $2.3M a year, log-sd 0.03. At 12% the $2M floor leaves something unused whenever
        # S < 2M / 0.88 = $2.27M, in about a third of the trials: above the 10% limit. At 8% the optimum
        # 0.92 x Q_S(0.08) (newsvendor) is about $2.03M, beyond the band, so the continuous optimum is the
        # top of the 8% band, just under $2M, where P(unused) = P(S < 2M / 0.92) is about 3%.
        spend = np.exp(np.random.default_rng(5).normal(math.log(2_300_000.0), 0.03, (20_000, 1)))
        return spend, ApiContract(discount_bands=ISSUE_BANDS, max_unused_probability=0.10)

    def test_the_continuous_optimum_sits_just_under_the_floor(self) -> None:
        spend, contract = self._case()
        point = optimise(spend, contract).periods[0].recommended
        assert point.commitment_usd == math.nextafter(2_000_000.0, 0.0)
        assert point.discount == 0.08
        signed = reference_cost(spend, [12], contract, [2_000_000.0])
        assert signed == math.inf  # signing the printed $2,000,000 breaks the limit

    def test_the_grid_answer_is_signable_at_the_discount_it_earns(self) -> None:
        spend, contract = self._case()
        gridded = replace(contract, commitment_granularity_usd=1_000.0)
        point = optimise(spend, gridded).periods[0].recommended
        assert point.commitment_usd == 1_999_000.0  # exactly, not 1,998,999.99...
        assert point.discount == 0.08  # the band $1,999,000 is in
        assert point.probability_unused <= 0.10
        consumed = 0.92 * spend[:, 0]
        assert point.probability_unused == pytest.approx(float(np.mean(consumed < 1_999_000.0)), abs=0.0)
        assert point.expected_cost_usd == pytest.approx(
            reference_cost(spend, [12], contract, [1_999_000.0]), rel=ROUNDING
        )

    def test_the_grid_is_validated(self) -> None:
        spend, contract = self._case()
        for bad in (0.0, -1.0, math.inf, math.nan):
            with pytest.raises(ValueError, match="commitment_granularity_usd"):
                optimise(spend, replace(contract, commitment_granularity_usd=bad))


class TestBaselines:
    """One rule: the least C covering the list amount X at the discount C earns, C >= (1 - d(C)) X."""

    @staticmethod
    def _rules(grid: float | None = None) -> Any:
        contract = ApiContract(discount_bands=ISSUE_BANDS, commitment_granularity_usd=grid)
        return resolve(np.ones((1, 1)), contract_periods(12, 12), contract)[1]

    @pytest.mark.parametrize(
        ("list_usd", "expected"),
        [
            (500_000.0, 500_000.0),  # below the first floor: no discount, C = X
            (1_500_000.0, 0.92 * 1_500_000.0),  # the fixed point in the 8% band
            (2_100_000.0, 1_932_000.0),  # 0.92 X = 1,932,000 < 2M; 0.88 X < 2M too
            (2_200_000.0, 2_000_000.0),  # 0.92 X = 2,024,000 earns 12%: the floor covers X at 12%
            (3_000_000.0, 0.88 * 3_000_000.0),  # the fixed point in the 12% band
        ],
    )
    def test_covering_commitment_by_hand(self, list_usd: float, expected: float) -> None:
        rules = self._rules()
        c = rules.covering_commitment(list_usd)
        assert c == pytest.approx(expected, rel=1e-12)
        assert c / (1 - rules.discount(c)) >= list_usd * (1 - 1e-12)  # it covers X
        smaller = math.nextafter(c, 0.0) if c > 0 else 0.0
        assert smaller == c or smaller / (1 - rules.discount(smaller)) < list_usd  # and nothing less does

    def test_on_a_grid_the_least_covering_grid_point(self) -> None:
        rules = self._rules(1_000.0)
        assert rules.covering_commitment(1_500_000.5, 1_000.0) == 1_381_000.0  # 0.92 X = 1,380,000.46
        assert rules.covering_commitment(2_200_000.0, 1_000.0) == 2_000_000.0

    def test_run_rate_and_median_treat_the_discount_the_same_way(self) -> None:
        # Flat spend: the median list spend of the period equals the run rate x 12, so both baselines name
        # the same X and must commit the same C, (1 - d(C)) X.
        spend = np.full((50, 2), 1_500_000.0)
        contract = ApiContract(discount_bands=ISSUE_BANDS, commitment_granularity_usd=1_000.0)
        decision = optimise(spend, contract, run_rate=1_500_000.0 / 12)
        for period in decision.periods:
            run_rate, median = period.baselines["run_rate"], period.baselines["median"]
            assert run_rate.commitment_usd == median.commitment_usd == 1_380_000.0
            assert run_rate.discount == 0.08
            assert run_rate.expected_overage_usd == pytest.approx(0.0, abs=1e-6)
            assert run_rate.expected_unused_usd == pytest.approx(0.0, abs=1e-6)


class TestBlendedRunRate:
    def test_blended_run_rate_is_month_0_of_the_blended_spend(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The blended comparison's run rate is the main decision's definition, month 0, not the first
        period's average: API month 0 is 100 and grows 10%/month; seats add 2,400 over 12 months."""
        months = np.arange(12)
        api_monthly = np.tile(100.0 * 1.1**months, (8, 1))
        seats_outside = np.full(8, 2_400.0)
        periods = contract_periods(12, 6)
        plan = SimpleNamespace(
            periods=periods,
            inp=SimpleNamespace(term_months=12, api_contract=ApiContract(commitment_period_months=6)),
        )
        api_periods = np.stack([api_monthly[:, :6].sum(axis=1), api_monthly[:, 6:].sum(axis=1)], axis=1)
        decision = optimise_commitment(
            api_periods, periods, plan.inp.api_contract, run_rate_usd_per_month=100.0, curves=False
        )
        seen: list[float] = []
        real = optimise_commitment

        def spy(*args: Any, **kwargs: Any) -> Any:
            seen.append(kwargs["run_rate_usd_per_month"])
            return real(*args, **kwargs)

        monkeypatch.setattr(analyses, "optimise_commitment", spy)
        analyses.blended_vs_separated(plan, api_monthly, api_periods, decision, seats_outside)  # type: ignore[arg-type]
        assert seen == [pytest.approx(100.0 + 2_400.0 / 12, rel=1e-12)]  # 300, not the period's mean
