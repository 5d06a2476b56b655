"""Annual seats re-chosen at each renewal (docs/decisions.md#seats-per-team): a term longer than the seat
year holds one newsvendor count per seat year, each from that year's active-engineer distribution."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from forecasting.engine.seat_path import decide_team, simulate_team_block
from forecasting.engine.seats.brute_force import simulate_team_brute_force
from forecasting.engine.seats.decision import TeamDecision
from tests.engine.seat_builders import CONTRACT, PLANS, team

PRO_MONTHLY, PRO_ANNUAL = 20.0, 17.0  # tests/engine/seat_builders.py PLANS["pro"], per seat-month


def headcount_path(now: float, end: float, months: int) -> np.ndarray:
    """Engineers present in month t: now + (end - now) t / (T - 1), rounded (docs/model.md#seat-path)."""
    return np.rint(now + (end - now) * np.arange(months) / (months - 1))


def exact_binomial_newsvendor(engineers: np.ndarray, active: np.ndarray) -> int:
    """argmin_N  N |W| p_ann + p_mon sum_t E(D_t - N)^+ with D_t ~ Binomial(engineers_t, active_t) exactly
    (the smallest minimiser), by enumerating every N and the full binomial pmf."""
    top = int(engineers.max())
    counts = np.arange(top + 1)
    excess = np.zeros(top + 1)
    for n, p in zip(engineers.astype(int), active, strict=True):
        pmf = stats.binom.pmf(np.arange(n + 1), n, p)
        excess += np.array([np.dot(np.maximum(np.arange(n + 1) - c, 0), pmf) for c in counts])
    cost = counts * engineers.size * PRO_ANNUAL + PRO_MONTHLY * excess
    return int(np.argmin(cost))


CASES = [  # (headcount now, end, adoption now, end): teams growing over a 24-month term
    (20.0, 60.0, 0.5, 0.9),
    (40.0, 55.0, 0.6, 0.85),
    (10.0, 30.0, 1.0, 1.0),  # every engineer active: demand is the deterministic headcount path
    (8.0, 80.0, 0.3, 0.7),
]


@pytest.mark.parametrize(("now", "end", "adoption_now", "adoption_end"), CASES)
def test_each_seat_year_holds_the_exact_binomial_newsvendor_optimum_of_that_year(
    now: float, end: float, adoption_now: float, adoption_end: float
) -> None:
    months = 24
    member = team(
        headcount_now=now, headcount_end=end, headcount_sd=0.0, adoption_now=adoption_now,
        adoption_end=adoption_end, allowed_plans=("pro",),
    )  # fmt: skip
    entry = decide_team(member, PLANS, CONTRACT, months=months).mix[0]
    assert entry.share == 1.0
    engineers = headcount_path(now, end, months)
    active = adoption_now + (adoption_end - adoption_now) * np.arange(months) / (months - 1)
    expected = tuple(exact_binomial_newsvendor(engineers[s : s + 12], active[s : s + 12]) for s in (0, 12))
    assert entry.annual_seats_by_year == expected
    assert entry.annual_seats == expected[0]  # the first seat year's count, as the result documents
    assert expected[1] > expected[0]  # the team grows: one count held for both years would differ
    one_count = exact_binomial_newsvendor(engineers, active)
    assert expected[0] <= one_count <= expected[1]


def held_for_the_term(decision: TeamDecision, count: int) -> TeamDecision:
    """The same decision with one annual count held for every seat year (the old behaviour)."""
    entry = decision.mix[0]
    years = len(entry.annual_seats_by_year)
    return replace(decision, mix=(replace(entry, annual_seats=count, annual_seats_by_year=(count,) * years),))


@pytest.mark.parametrize(
    "simulate", [simulate_team_block, simulate_team_brute_force], ids=["fast", "brute_force"]
)
def test_renewed_counts_never_cost_more_than_one_count_on_the_same_draws(simulate) -> None:  # type: ignore[no-untyped-def]
    months = 24
    member = team(headcount_now=20.0, headcount_end=60.0, headcount_sd=0.0, allowed_plans=("pro",))
    decision = decide_team(member, PLANS, CONTRACT, months=months)
    by_year = decision.mix[0].annual_seats_by_year
    assert len(by_year) == 2
    assert by_year[0] < by_year[1]
    engineers = headcount_path(20.0, 60.0, months)
    active = 0.6 + 0.25 * np.arange(months) / (months - 1)
    one_count = exact_binomial_newsvendor(engineers, active)

    def run(d: TeamDecision) -> tuple[np.ndarray, np.ndarray]:
        block = simulate(member, d, PLANS, CONTRACT, months=months, seed=11, block=0, item=0, trials=4000)
        return np.asarray(block.cost_usd), np.asarray(block.extra_usage_usd)

    renewed, renewed_usage = run(decision)
    # One count held for the term: the whole-term optimum and every count between the two years' optima.
    for count in sorted({one_count, *range(by_year[0], by_year[1] + 1)}):
        held, held_usage = run(held_for_the_term(decision, count))
        np.testing.assert_array_equal(renewed_usage, held_usage)  # same draws: only seat fees differ
        assert renewed.mean() <= held.mean()
