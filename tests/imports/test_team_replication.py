"""The team fit judged by its sampling distribution: bias, RMSE and interval coverage over seeded
replications of teams drawn from the engine's own model (tests/imports/replication.py).

Targets (issue 13): mean bias within +-3% for the median and p90 (relative, in dollars), +-0.03 for
persistence; 90% intervals cover 85-95%. A test on R replications cannot see a bias below its Monte Carlo
error, so each check allows the target plus Z_MC replication standard errors: |bias| <= target + Z_MC se
(se = the sd of the errors / sqrt(R)), coverage within [0.85 - Z_MC s, 0.95 + Z_MC s],
s = sqrt(0.9 x 0.1 / R) (3.4 points at R = 80). Z_MC = 3 makes a false failure of one check about 0.3%
when the target holds exactly. The full table with 400 replications is in docs/quality.md#usage-fits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from procurement.imports import fit_team
from procurement.imports.growth import TEAM_GROWTH_PRIOR_SD, shrink_growth
from tests.imports.replication import TEAM_CASES, TeamCase, simulate_team, team_replication

Z_MC = 3.0  # Monte Carlo allowance in replication standard errors (see the module docstring)
REPLICATIONS = 80
LEVEL_TARGET = 0.03  # issue 13: median and p90 mean bias within +-3%
PERSISTENCE_TARGET = 0.03  # issue 13: persistence bias within +-0.03
COVERAGE = (0.85, 0.95)  # issue 13: 90% intervals cover 85-95%
SHOCK_TARGET = 0.03  # the team shock's bias at v = 0.15: a fifth of it (our bar; the issue sets none)


def _coverage_ok(coverage: float | None, se: float | None) -> bool:
    assert coverage is not None
    assert se is not None
    return COVERAGE[0] - Z_MC * se <= coverage <= COVERAGE[1] + Z_MC * se


@pytest.mark.parametrize("case", ["typical", "heavy_tailed", "sticky", "short", "growing"])
def test_median_p90_and_persistence_are_unbiased_and_their_intervals_cover(case: str) -> None:
    found = team_replication(case, REPLICATIONS, np.random.default_rng([13, 1, len(case)]))
    for field in ("usage_median_usd", "usage_p90_usd"):
        s = found[field]
        assert abs(s.bias) <= LEVEL_TARGET + Z_MC * s.bias_se, (field, s)
        assert _coverage_ok(s.coverage, s.coverage_se), (field, s)
    s = found["usage_persistence"]
    assert abs(s.bias) <= PERSISTENCE_TARGET + Z_MC * s.bias_se, s
    assert _coverage_ok(s.coverage, s.coverage_se), s


def test_the_median_interval_carries_the_team_shock_and_twelve_months_identify_it() -> None:
    # v = 0.15: the engineers share each month's shock, so the level's error does not average out over
    # engineers; without the shock's covariance the median interval covers 56% here (measured over 200
    # replications with the shock fit switched off). With it: 85-95%, and no bias.
    # The shock itself, from 12 months of 120 engineers: bias within +-0.03 (a fifth of v; measured
    # -0.01 over 400 replications) and its profile-likelihood interval covering 85-95%.
    found = team_replication("shock_12", REPLICATIONS, np.random.default_rng([13, 2]))
    s = found["usage_median_usd"]
    assert abs(s.bias) <= LEVEL_TARGET + Z_MC * s.bias_se, s
    assert _coverage_ok(s.coverage, s.coverage_se), s
    v = found["usage_volatility"]
    assert abs(v.bias) <= SHOCK_TARGET + Z_MC * v.bias_se, v
    assert _coverage_ok(v.coverage, v.coverage_se), v


def test_shrunk_growth_beats_the_raw_growth_on_short_stationary_histories() -> None:
    # 3 months, no growth: the raw slope's sd (~7 points a month for 40 engineers) is far above the
    # prior's 2.5, so the posterior mean keeps about a tenth of it. Required: RMSE below half the raw one's
    # (measured ratio ~0.1; the RMSEs' own Monte Carlo error is ~8% of each at R = 80).
    found = team_replication("short", REPLICATIONS, np.random.default_rng([13, 3]))
    assert found["usage_growth"].rmse < 0.5 * found["growth_raw"].rmse


def test_shrunk_growth_stays_within_its_se_of_a_real_trend_on_a_long_history() -> None:
    # 24 months of real +5% a month, 60 engineers: the raw se is ~0.3 points, so the pull toward 0,
    # (1 - tau^2 / (tau^2 + se^2)) x slope, is ~0.1 point. Over 40 seeded histories the mean shrunk growth
    # is within one raw se of the truth (plus 3 Monte Carlo se of the mean), and every single one is
    # within 4 of its own se.
    spec = TeamCase(150.0, 600.0, 0.6, 0.05, 60, 24)
    rng = np.random.default_rng([13, 4])
    errors, ses = [], []
    for _ in range(40):
        fit = fit_team(spec.simulate(rng), name="t")
        assert fit.growth is not None
        assert fit.usage_growth is not None
        errors.append(fit.usage_growth - spec.growth)
        ses.append(fit.growth.raw_growth_se)
        assert abs(errors[-1]) <= 4 * ses[-1]
    mean_se = float(np.mean(ses))
    assert abs(np.mean(errors)) <= mean_se + Z_MC * float(np.std(errors, ddof=1)) / math.sqrt(len(errors))


def test_posterior_equals_brute_force_bayes_on_a_grid() -> None:
    # The normal-normal posterior against a numerical one: likelihood N(b; slope, se^2) x prior
    # N(slope; 0, tau^2) on a fine grid, its mean and sd by quadrature.
    for b, se in [(0.08, 0.05), (-0.03, 0.01), (0.05, 0.003), (0.0, 0.2)]:
        grid = np.linspace(-1, 1, 400_001)
        log_post = -0.5 * ((b - grid) / se) ** 2 - 0.5 * (grid / TEAM_GROWTH_PRIOR_SD) ** 2
        weight = np.exp(log_post - log_post.max())
        mean = float((grid * weight).sum() / weight.sum())
        sd = math.sqrt(float(((grid - mean) ** 2 * weight).sum() / weight.sum()))
        shrunk = shrink_growth(b, se, TEAM_GROWTH_PRIOR_SD)
        assert shrunk.slope == pytest.approx(mean, abs=1e-7)
        assert shrunk.sd == pytest.approx(sd, rel=1e-4)
        low, high = shrunk.multipliers()[24]
        assert (math.log(low), math.log(high)) == pytest.approx(
            (24 * (mean - 1.6448536 * sd), 24 * (mean + 1.6448536 * sd)), rel=1e-5
        )


def test_short_fits_warn_that_growth_was_shrunk() -> None:
    spec = TEAM_CASES["short"]
    months = simulate_team(
        np.random.default_rng(5), median=150, p90=600, persistence=0.6, growth=0.0, engineers=40, months=3
    )
    fit = fit_team(months, name="t")
    assert spec.months < 6
    assert any("growth from only 3 months" in w and "shrunk toward flat" in w for w in fit.warnings)
    assert set(fit.intervals) == {"usage_median_usd", "usage_p90_usd", "usage_persistence", "usage_growth"}
    for key, (low, high) in fit.intervals.items():
        value = getattr(fit, key)
        assert low < value < high, key
