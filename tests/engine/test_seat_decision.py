"""Seat decisions (docs/decisions.md#seats-per-team): plan costs against lognormal closed forms, break-evens,
shares, seats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from forecasting.engine.inputs import SeatContract, TeamInput
from forecasting.engine.seat_path import decide_team
from forecasting.engine.seats.costs import month_moments, plan_cost
from forecasting.engine.seats.model import Z_090, plan_terms
from tests.engine.seat_builders import CONTRACT, FIXED_CAPACITY, PLANS, fixed_team, team

CLOSED_FORM = 1e-8  # relative: closed form against numerical integration, both to ~1e-10


def lognormal_partial_expectation(mu: float, sigma: float, cap: float) -> float:
    """E[(U - cap)^+] for ln U ~ N(mu, sigma^2) by numerical integration of the density."""
    density = stats.lognorm(s=sigma, scale=math.exp(mu)).pdf
    value, _ = integrate.quad(
        lambda u: (u - cap) * density(u), cap, np.inf, epsabs=0, epsrel=1e-11, limit=200
    )
    return float(value)


def test_plan_costs_equal_lognormal_closed_forms_when_every_driver_is_fixed() -> None:
    decision = decide_team(
        fixed_team(allowed_plans=("api", "pro", "max_5x")), FIXED_CAPACITY, CONTRACT, months=12
    )
    mu, sigma = math.log(150.0), math.log(4.0) / Z_090
    costs = dict(decision.plan_costs)
    assert costs["api"] == pytest.approx(math.exp(mu + sigma**2 / 2), rel=CLOSED_FORM)
    # Pro has an annual price, so its seat costs 17 per month under an annual term; Max 5x is monthly only.
    assert costs["pro"] == pytest.approx(
        17.0 + lognormal_partial_expectation(mu, sigma, 105.0), rel=CLOSED_FORM
    )
    assert costs["max_5x"] == pytest.approx(
        100.0 + lognormal_partial_expectation(mu, sigma, 525.0), rel=CLOSED_FORM
    )


def test_blocked_usage_is_valued_at_blocked_usage_value_in_plan_costs() -> None:
    contract = SeatContract(blocked_usage_value=0.4)
    decision = decide_team(fixed_team(allowed_plans=("pro_blocked",)), FIXED_CAPACITY, contract, months=12)
    mu, sigma = math.log(150.0), math.log(4.0) / Z_090
    expected = 17.0 + 0.4 * lognormal_partial_expectation(mu, sigma, 105.0)
    assert dict(decision.plan_costs)["pro_blocked"] == pytest.approx(expected, rel=CLOSED_FORM)


def test_monthly_price_is_compared_when_the_term_is_not_annual() -> None:
    decision = decide_team(
        fixed_team(allowed_plans=("pro",)), FIXED_CAPACITY, SeatContract(annual_term=False), months=12
    )
    mu, sigma = math.log(150.0), math.log(4.0) / Z_090
    expected = 20.0 + lognormal_partial_expectation(mu, sigma, 105.0)
    assert dict(decision.plan_costs)["pro"] == pytest.approx(expected, rel=CLOSED_FORM)


def test_best_single_plan_is_the_cheapest_plan_cost_and_the_mix_never_costs_more() -> None:
    decision = decide_team(team(), PLANS, CONTRACT, months=24)
    costs = dict(decision.plan_costs)
    assert decision.best_single_plan == min(costs, key=costs.__getitem__)
    # The mix puts each engineer on the cheapest plan for their level: pointwise <= any single plan.
    assert decision.mix_cost_per_engineer_month <= min(costs.values())


@pytest.mark.parametrize("median", [40.0, 150.0, 800.0])
def test_reported_break_evens_equalise_the_two_plans_expected_costs(median: float) -> None:
    member = team(usage_median_usd=median, usage_p90_usd=4 * median)
    decision = decide_team(member, PLANS, CONTRACT, months=24)
    moments = month_moments(member, 24)
    shape = moments.shape
    assert decision.break_even, "a mixed team with five plans has at least one break-even"
    for edge, (from_plan, to_plan, usage_usd) in zip(
        decision.band_edges_zeta[1:-1], decision.break_even, strict=True
    ):
        level = np.array([edge])
        cost_from = plan_cost(level, plan_terms(PLANS, CONTRACT, from_plan), moments)[0]
        cost_to = plan_cost(level, plan_terms(PLANS, CONTRACT, to_plan), moments)[0]
        assert cost_from == pytest.approx(cost_to, rel=1e-6)
        # Reported in USD as the month-0 median usage of an engineer at that level.
        assert usage_usd == pytest.approx(math.exp(shape.log_median + shape.persistent_sd * edge), rel=1e-12)


def test_shares_sum_to_one_and_are_the_normal_mass_of_each_plans_bands() -> None:
    decision = decide_team(team(), PLANS, CONTRACT, months=24)
    assert sum(decision.shares) == pytest.approx(1.0, abs=1e-12)
    mass = np.diff(stats.norm.cdf(decision.band_edges_zeta))
    for plan, share in zip(decision.plans, decision.shares, strict=True):
        in_bands = sum(m for m, p in zip(mass, decision.band_plans, strict=True) if p == plan)
        assert share == pytest.approx(in_bands, abs=1e-12)


def test_a_team_allowed_only_api_gets_share_one_on_api_and_no_seats() -> None:
    decision = decide_team(team(allowed_plans=("api",)), PLANS, CONTRACT, months=24)
    (entry,) = decision.mix
    assert (entry.plan, entry.share, entry.annual_seats, entry.expected_monthly_seats) == ("api", 1.0, 0, 0.0)
    assert decision.break_even == ()


def test_heavier_usage_shifts_engineers_monotonically_to_higher_capacity_plans() -> None:
    capacity = {"api": 0.0} | {k: p.capacity_usd for k, p in PLANS.items()}
    thresholds = sorted(set(capacity.values()))
    previous: list[float] | None = None
    for median in np.geomspace(20.0, 3000.0, 25):
        decision = decide_team(
            team(usage_median_usd=median, usage_p90_usd=4 * median), PLANS, CONTRACT, months=24
        )
        # Along the zeta line, plans only ever step up in capacity ...
        band_capacity = [capacity[p] for p in decision.band_plans]
        assert band_capacity == sorted(band_capacity)
        # ... and the share on plans with at least each capacity never falls as usage rises.
        at_least = [
            sum(s for p, s in zip(decision.plans, decision.shares, strict=True) if capacity[p] >= c)
            for c in thresholds
        ]
        if previous is not None:
            assert all(now >= before - 1e-12 for now, before in zip(at_least, previous, strict=True))
        previous = at_least


def sample_average_newsvendor(
    member: TeamInput,
    months: int,
    annual_usd: float,
    monthly_usd: float,
    rng: np.random.Generator,
    samples: int,
) -> int:
    """argmin over all integer N of the simulated mean of sum_t [N p_ann + p_mon (D_t - N)^+]."""
    end = member.headcount_end * np.exp(member.headcount_sd * rng.standard_normal(samples))
    ramp = np.arange(months) / (months - 1)
    engineers = np.rint(member.headcount_now + (end[:, None] - member.headcount_now) * ramp).astype(int)
    adoption = member.adoption_now + (member.adoption_end - member.adoption_now) * ramp
    demand = rng.binomial(engineers, adoption)  # one plan allowed: every active engineer needs a seat
    candidates = np.arange(demand.max() + 1)
    excess = np.array([np.maximum(demand - n, 0).sum(axis=1).mean() for n in candidates])
    cost = candidates * months * annual_usd + monthly_usd * excess
    return int(np.argmin(cost))


@pytest.mark.parametrize(("headcount_sd", "adoption_now"), [(0.0, 0.5), (0.25, 0.7)])
def test_annual_seats_match_a_sample_average_newsvendor_within_one_seat(
    headcount_sd: float, adoption_now: float
) -> None:
    member = team(
        headcount_now=20.0, headcount_end=30.0, headcount_sd=headcount_sd, adoption_now=adoption_now,
        adoption_end=0.9, allowed_plans=("pro",),
    )  # fmt: skip
    decision = decide_team(member, PLANS, CONTRACT, months=12)
    # 40,000 simulated terms: the sample-average optimum is within one seat of the true one with room to
    # spare (the cost curve's curvature is ~p_mon * density of D per seat per month).
    expected = sample_average_newsvendor(member, 12, 17.0, 20.0, np.random.default_rng(5), 40_000)
    assert abs(decision.mix[0].annual_seats - expected) <= 1


def test_minimum_seats_are_respected_and_warned_about_only_when_they_leave_seats_idle() -> None:
    small = team(headcount_now=4.0, headcount_end=4.0, headcount_sd=0.0, allowed_plans=("team_premium",))
    decision = decide_team(small, PLANS, SeatContract(), months=12)
    assert decision.mix[0].annual_seats == 5  # at most 4 engineers: 1 to 3 of the 5 seats always idle
    assert any("team_premium" in w and "idle" in w for w in decision.warnings)
    large = decide_team(team(allowed_plans=("team_premium",)), PLANS, SeatContract(), months=12)
    assert large.mix[0].annual_seats >= 5
    assert large.warnings == ()


def test_no_annual_seats_without_an_annual_term() -> None:
    decision = decide_team(team(), PLANS, SeatContract(annual_term=False), months=24)
    assert all(entry.annual_seats == 0 for entry in decision.mix)
    assert sum(entry.expected_monthly_seats for entry in decision.mix) > 0


def test_windowed_seat_counts_follow_a_growing_team_and_respect_the_minimum() -> None:
    member = team(headcount_now=40.0, headcount_end=120.0, allowed_plans=("pro",))
    decision = decide_team(member, PLANS, SeatContract(removable_every_months=3), months=24)
    windows = decision.mix[0].annual_seats_by_window
    assert windows is not None
    assert len(windows) == 8
    assert list(windows) == sorted(windows)
    assert windows[0] < windows[-1]
    assert decision.window_months == 3


def test_unknown_plans_and_p90_below_median_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown plan 'max_50x'"):
        decide_team(team(allowed_plans=("api", "max_50x")), PLANS, CONTRACT, months=12)
    with pytest.raises(ValueError, match="usage_p90_usd"):
        decide_team(team(usage_p90_usd=100.0), PLANS, CONTRACT, months=12)


@pytest.mark.parametrize("persistence", [0.3, 0.6, 0.9])
def test_cost_curve_is_the_plan_cost_at_each_typical_usage_and_crosses_at_the_break_evens(
    persistence: float,
) -> None:
    """The reported curve (what the brief's break-even chart draws) equals C_k at zeta = (ln u - mu) /
    (sigma sqrt(w)), and its lower envelope changes plan exactly between the grid points around each
    break-even: the chart and the break-even figures use one definition (issue 14)."""
    decision = decide_team(team(usage_persistence=persistence), PLANS, CONTRACT, months=24)
    curve = decision.cost_curve
    assert curve is not None
    usage = np.array(curve.usage_usd)
    assert usage[0] == pytest.approx(10.0)
    assert usage[-1] == pytest.approx(10_000.0)
    moments = month_moments(team(usage_persistence=persistence), 24)
    zeta = (np.log(usage) - moments.shape.log_median) / moments.shape.persistent_sd
    for line, terms in zip(curve.lines, decision.terms, strict=True):
        assert line.plan == terms.key
        assert line.seat_price_usd == terms.seat_price_usd
        np.testing.assert_allclose(line.cost_usd, plan_cost(zeta, terms, moments), rtol=1e-12)
    costs = np.array([line.cost_usd for line in curve.lines])
    cheapest = np.argmin(costs, axis=0)
    switches = np.flatnonzero(cheapest[1:] != cheapest[:-1])
    inside = [b for b in decision.break_even if usage[0] < b.monthly_usage_usd < usage[-1]]
    assert len(switches) == len(inside) > 0
    for i, point in zip(switches, inside, strict=True):
        assert curve.lines[cheapest[i]].plan == point.from_plan
        assert curve.lines[cheapest[i + 1]].plan == point.to_plan
        assert usage[i] <= point.monthly_usage_usd <= usage[i + 1]


def test_cost_curve_is_absent_when_every_engineer_is_alike() -> None:
    decision = decide_team(team(usage_persistence=0.0), PLANS, CONTRACT, months=12)
    assert decision.cost_curve is None
