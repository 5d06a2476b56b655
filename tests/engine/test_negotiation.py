"""The negotiation section: range, walk-away points and least discount, checked against the plainly written
reference settlement (tests/engine/commitment_cases.py) and closed forms, never against the engine's own
output (docs/decisions.md#negotiation)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.engine.commitment import contract_periods
from forecasting.engine.commitment.walk import RANGE_TOLERANCE, surroundings
from forecasting.engine.forecast import run_forecast
from forecasting.engine.inputs import ApiContract, DiscountBand
from forecasting.engine.negotiation import _deeper
from tests.engine.commitment_cases import (
    lognormal_spend,
    optimise,
    random_contract,
    reference_cost,
    reference_settlement,
)
from tests.engine.test_forecast import small_input

MONTHS = [12, 12]
# Outside a crossing by this relative step the condition must already have flipped: bisection ends on
# adjacent floats, so a step a million times wider is well clear of it.
OUTSIDE = 1e-6
ROUNDING = 1e-9  # the engine and the reference sum the same costs in another order


def _cases() -> list[tuple[int, ApiContract]]:
    cases = []
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        overrides: dict[str, object] = {}
        if seed % 2:
            overrides["ramp_allowed"] = True
        if seed % 4 == 3:
            overrides["rollover_share"] = 0.25
        if seed == 4:
            overrides["max_unused_probability"] = 0.2
        cases.append((seed, random_contract(rng, **overrides)))
    return cases


def _plan(y: list[float], ramp: bool, p: int, v: float) -> list[float]:
    return [v] * len(y) if not ramp else [v if q == p else c for q, c in enumerate(y)]


@pytest.mark.parametrize(("seed", "contract"), _cases())
def test_range_ends_are_the_first_crossings_of_the_cost_tolerance(seed: int, contract: ApiContract) -> None:
    spend = lognormal_spend(seed, 3_000, 2)
    decision = optimise(spend, contract)
    y = [pd.recommended.commitment_usd for pd in decision.periods]
    around = surroundings(spend, contract_periods(24, 12), contract, y)
    best = reference_cost(spend, MONTHS, contract, y)
    threshold = best * (1 + RANGE_TOLERANCE)
    for r in around.ranges:
        p = r.index
        assert r.recommended.commitment_usd == y[p]
        low, high = r.low.commitment_usd, r.high.commitment_usd
        assert low <= y[p] <= high
        # Every commitment of the range is within the tolerance (a grid through it, ends included) ...
        for v in np.linspace(low, high, 41):
            assert reference_cost(
                spend, MONTHS, contract, _plan(y, contract.ramp_allowed, p, v)
            ) <= threshold * (1 + ROUNDING)
        # ... and just beyond each end it is not (or the end is 0).
        if low > 0:
            beyond = _plan(y, contract.ramp_allowed, p, low * (1 - OUTSIDE))
            assert reference_cost(spend, MONTHS, contract, beyond) > threshold
        beyond = _plan(y, contract.ramp_allowed, p, high * (1 + OUTSIDE))
        assert reference_cost(spend, MONTHS, contract, beyond) > threshold
        # The reported ends are settled like the recommendation: their expected cost is the reference's.
        ends = [_plan(y, contract.ramp_allowed, p, v) for v in (low, high)]
        period_costs = [float(np.mean(_settle(spend, contract, e)[:, p])) for e in ends]
        assert r.low.expected_cost_usd == pytest.approx(period_costs[0], rel=ROUNDING)
        assert r.high.expected_cost_usd == pytest.approx(period_costs[1], rel=ROUNDING)


def _settle(spend: np.ndarray, contract: ApiContract, plan: list[float]) -> np.ndarray:
    return reference_settlement(spend, MONTHS, contract, plan)["cost"]


@pytest.mark.parametrize(("seed", "contract"), [c for c in _cases() if c[1].max_unused_probability is None])
def test_walk_away_commitment_is_where_committing_stops_beating_list(
    seed: int, contract: ApiContract
) -> None:
    spend = lognormal_spend(seed, 3_000, 2)
    decision = optimise(spend, contract)
    y = [pd.recommended.commitment_usd for pd in decision.periods]
    around = surroundings(spend, contract_periods(24, 12), contract, y)
    list_cost = float(spend.sum(axis=1).mean())
    for w in around.walk_away:
        p, above = w.index, w.above_list_usd
        if y[p] == 0.0:
            assert above is None
            continue
        assert above is not None
        assert above > y[p]
        # Committing anything from the recommendation up to the walk-away beats list ...
        for v in np.linspace(y[p], above, 41)[:-1]:
            assert reference_cost(spend, MONTHS, contract, _plan(y, contract.ramp_allowed, p, v)) < list_cost
        # ... and just past it costs at least as much as list.
        past = _plan(y, contract.ramp_allowed, p, above * (1 + OUTSIDE))
        assert reference_cost(spend, MONTHS, contract, past) >= list_cost
        # The band floor is the lowest commitment in the recommendation's band.
        bands = contract.discount_bands
        floor = max(b.min_commitment_usd for b in bands if b.min_commitment_usd <= y[p])
        discount = next(b.discount for b in bands if b.min_commitment_usd == floor)
        assert w.band_floor_usd == (floor if discount > 0 else None)


def test_least_discount_matches_the_two_point_closed_form() -> None:
    """Spend a or b with equal chance, a < C < b (1 - d): the cost C + (b - C / (1 - d)) / 2 equals list
    (a + b) / 2 at 1 / (1 - d) = 2 - a / C, so d = 1 - 1 / (2 - a / C)."""
    commitment, a, b = 1_000_000.0, 500_000.0, 3_000_000.0
    spend = np.array([[a], [b]] * 500)
    contract = ApiContract(discount_bands=(DiscountBand(0.0, 0.5),))
    around = surroundings(spend, contract_periods(12, 12), contract, [commitment])
    expected = 1 - 1 / (2 - a / commitment)
    assert around.least_discount == pytest.approx(expected, abs=1e-12)


def test_least_discount_is_none_without_a_commitment() -> None:
    spend = lognormal_spend(3, 500, 1)
    contract = ApiContract(discount_bands=(DiscountBand(0.0, 0.0), DiscountBand(1e12, 0.2)))
    around = surroundings(spend, contract_periods(12, 12), contract, [0.0])
    assert around.least_discount is None
    assert around.walk_away[0].above_list_usd is None
    assert around.walk_away[0].band_floor_usd is None


def test_a_flat_curve_gives_a_wider_range_than_a_steep_one() -> None:
    """Doubling the spread of spend flattens the cost curve near its minimum relative to cost: the range
    (as a share of the commitment) must not shrink. A property, not a number."""
    contract = ApiContract(discount_bands=(DiscountBand(0.0, 0.1),))
    widths = []
    for sigma in (0.1, 0.4):
        spend = lognormal_spend(11, 4_000, 1, sigma=sigma)
        y = optimise(spend, contract).periods[0].recommended.commitment_usd
        r = surroundings(spend, contract_periods(12, 12), contract, [y]).ranges[0]
        widths.append((r.high.commitment_usd - r.low.commitment_usd) / y)
    assert widths[1] > widths[0] > 0


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return run_forecast(small_input())


def test_the_result_negotiation_agrees_with_the_recommendation(result) -> None:  # type: ignore[no-untyped-def]
    deal = result["negotiation"]
    periods = result["api"]["periods"]
    assert len(deal["ranges"]) == len(periods) == len(deal["walk_away"])
    for r, period, w in zip(deal["ranges"], periods, deal["walk_away"], strict=True):
        assert r["recommended"] == period["recommended"]
        c = period["recommended"]["commitment"]
        assert r["low"]["commitment"] <= c <= r["high"]["commitment"]
        if w["band_floor"] is not None:
            assert w["band_floor"] <= c
        if w["above_list_commitment"] is not None:
            assert w["above_list_commitment"] > c
    values = [a["target_value"] for a in deal["asks"]]
    priced = [v for v in values if v is not None]
    assert priced == sorted(priced, reverse=True)
    assert values[: len(priced)] == priced  # unpriced asks last
    assert deal["value_per_discount_point"] > 0


@pytest.mark.parametrize("overage", ["list", "committed_rate"])
def test_a_deeper_discount_saves_at_least_what_it_saves_at_a_fixed_commitment(overage: str) -> None:
    """Re-optimising under one more point on every band can only add to the saving of keeping the plan
    (exact without rollover); the fixed-plan saving comes from the reference settlement."""
    spend = lognormal_spend(5, 3_000, 2)
    contract = ApiContract(
        discount_bands=(DiscountBand(0.0, 0.0), DiscountBand(400_000.0, 0.08), DiscountBand(900_000.0, 0.14)),
        overage=overage,  # type: ignore[arg-type]
    )
    decision = optimise(spend, contract)
    y = [pd.recommended.commitment_usd for pd in decision.periods]
    deeper = _deeper(contract, 0.01)
    re_optimised = decision.expected_cost_usd - optimise(spend, deeper).expected_cost_usd
    fixed = reference_cost(spend, MONTHS, contract, y) - reference_cost(spend, MONTHS, deeper, y)
    assert fixed > 0
    assert re_optimised >= fixed * (1 - ROUNDING)
