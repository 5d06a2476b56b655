"""The per-engineer tail of the fast seat path (forecasting/engine/seats/tail.py, docs/model.md#seat-path):
where it is cut and what its engineers draw, against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from forecasting.engine.factors import seat_factors
from forecasting.engine.inputs import SeatContract, SeatPlan, TeamInput
from forecasting.engine.seat_path import decide_team
from forecasting.engine.seats.model import adoption_path, draw_trial_level, usage_shape
from forecasting.engine.seats.tail import TAIL_ENGINEERS, simulate_tail, tail_split

PLANS = {
    "pro": SeatPlan("pro", 20.0, 17.0, 105.0, 0.25, "extra_usage"),
    "max_20x": SeatPlan("max_20x", 200.0, None, 2100.0, 0.25, "extra_usage"),
}
MONTHS = 12


def team(engineers: int, ratio: float, persistence: float, plans: tuple[str, ...]) -> TeamInput:
    return TeamInput(
        "t", engineers, engineers, 0.0, 0.6, 0.9, 150, 150 * ratio, persistence, 0.02, 0.01, 0.15, plans
    )


def test_no_tail_split_below_the_persistent_sd_threshold() -> None:
    light = team(300, 2.0, 0.95, ("api", "pro", "max_20x"))  # sigma_p 0.53
    decision = decide_team(light, PLANS, SeatContract(), months=MONTHS)
    assert tail_split(light, decision, MONTHS) is None


@pytest.mark.parametrize("engineers", [40, 300, 1000])
def test_tail_cut_holds_the_expected_tail_engineers(engineers: int) -> None:
    heavy = team(engineers, 10.0, 0.9, ("api", "pro", "max_20x"))
    decision = decide_team(heavy, PLANS, SeatContract(), months=MONTHS)
    split = tail_split(heavy, decision, MONTHS)
    assert split is not None
    assert decision.plans[split.plan] == decision.band_plans[-1]
    top_edge = decision.band_edges_zeta[-2]
    # Never below the top band's edge; above it, TAIL_ENGINEERS expected engineers of the team.
    assert split.cut >= top_edge
    expected = engineers * special.ndtr(-split.cut)
    if split.cut > top_edge:
        assert expected == pytest.approx(TAIL_ENGINEERS, rel=1e-9)
    else:
        assert expected <= TAIL_ENGINEERS
    assert split.share == pytest.approx(special.ndtr(-split.cut), rel=1e-12)
    assert (split.body_table is None) == (split.cut <= top_edge)


def test_tail_engineers_draw_the_truncated_level_and_activity_in_closed_form() -> None:
    """Usage-only plan: E[usage | month levels] = engineers present x sum_t a_t exp(m_t)
    E[exp(sigma_p zeta) | zeta > z_c] exp(sigma_t^2 / 2); half the engineers join along the term."""
    heavy = team(200, 5.0, 0.9, ("api",))
    decision = decide_team(heavy, PLANS, SeatContract(), months=MONTHS)
    split = tail_split(heavy, decision, MONTHS)
    assert split is not None
    trials = 40_000
    rng = np.random.default_rng(3)
    shared = seat_factors(None, 3, 0, months=MONTHS, trials=trials)
    draws = draw_trial_level(rng, heavy, decision.terms, months=MONTHS, trials=trials, shared=shared)
    first = np.full(trials, 4.0, dtype=np.float32)
    later = np.full(trials, 4.0, dtype=np.float32)
    growing = np.ones(trials, dtype=np.float32)
    adoption = adoption_path(heavy, MONTHS)
    result = simulate_tail(rng, heavy, split, draws, first, later, growing, adoption)
    ramp = np.arange(MONTHS) / (MONTHS - 1)
    present = 4.0 + 4.0 * ramp  # (T,) expected present: the later ones join at a uniform point
    np.testing.assert_allclose(result.demand.mean(axis=1), present * adoption, rtol=0.02)
    shape = usage_shape(heavy)
    sp, c = shape.persistent_sd, split.cut
    level_mean = math.exp(sp * sp / 2) * special.ndtr(sp - c) / special.ndtr(-c)
    per_month = np.exp(draws.log_level.astype(np.float64)) * (present * adoption)[:, None]
    expected = per_month.sum(axis=0) * level_mean * math.exp(shape.transient_sd**2 / 2)
    ratio = result.usage.sum() / expected.sum()
    # Standard error of the ratio from the per-trial spread (trials independent).
    se = np.std(result.usage - expected) / np.sqrt(trials) / expected.mean()
    assert abs(ratio - 1) <= 3 * se + 0.005, f"ratio {ratio:.4f}, se {se:.4f}"
    np.testing.assert_allclose(result.monthly.sum(axis=0), result.usage, rtol=1e-4)


@pytest.mark.parametrize("engineers", [31, 32, 33, 40, 64])
def test_costs_stay_finite_when_the_body_below_the_cut_is_narrow(engineers: int) -> None:
    """At 32 engineers with p90/median 5 and persistence 0.95 the body below the cut was so narrow that a
    sub-band of its table had no mass, and its share 0 made every cost NaN."""
    from forecasting.engine.seat_path import simulate_team_block
    from tests.engine.test_seat_accuracy import PLANS as CATALOG
    from tests.engine.test_seat_accuracy import heavy_team

    heavy = heavy_team(engineers, 5.0, 0.95)
    decision = decide_team(heavy, CATALOG, SeatContract(), months=36)
    block = simulate_team_block(
        heavy, decision, CATALOG, SeatContract(), months=36, seed=1, block=0, item=0, trials=500
    )
    assert np.isfinite(block.cost_usd).all()
    assert (block.cost_usd > 0).all()
