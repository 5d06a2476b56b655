"""Uncertainty of the fits against closed forms: the REML observed information, the feature fit's
intervals and shrunk growth by replication, and the intervals in the fit document."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from procurement.imports import fit_feature, fit_team, fits_document
from procurement.imports.random_effects import _stats, fit_random_effects, variance_information
from procurement.imports.team_shock import _indicator_stats
from tests.imports.replication import feature_replication, simulate_feature, simulate_team

Z_MC = 3.0  # Monte Carlo allowance in replication standard errors (as in test_team_replication.py)


def test_observed_information_of_log_sigma2_is_half_the_residual_dof() -> None:
    # -l_R(ell, lambda) = ((N - p) ell + quad(omega) e^-ell) / 2 + terms free of ell, so at the REML
    # sigma^2 = quad / (N - p) the second derivative in ell = ln sigma^2 is exactly (N - p) / 2: the
    # numerical Hessian's inverse must give it back.
    rng = np.random.default_rng(21)
    groups = np.repeat(np.arange(40), 5)
    t = np.tile(np.arange(5.0), 40)
    y = 0.03 * t + rng.standard_normal(40)[groups] * 0.8 + rng.standard_normal(200) * 0.6
    x = np.column_stack([np.ones_like(t), t])
    fit = fit_random_effects(y, groups, x)
    assert fit.sigma2 is not None
    cov = variance_information(_stats(y, groups, x), fit.sigma2, fit.omega, "reml")
    assert cov is not None
    assert np.linalg.inv(cov)[0, 0] == pytest.approx((200 - 2) / 2, rel=1e-5)


def test_persistence_interval_matches_the_balanced_anova_f_interval() -> None:
    # Balanced one-way layout, no trend: the exact interval of the intraclass correlation from
    # F = MSB / MSW ~ (1 + k w / (1 - w)) F(m - 1, m (k - 1)) (Searle, Casella, McCulloch 1992, 3.6).
    # The logit-Wald interval of the observed information is asymptotic: its ends within 0.03 of the
    # exact ones for 120 engineers x 4 months.
    rng = np.random.default_rng(22)
    m, k, w = 120, 4, 0.6
    groups = np.repeat(np.arange(m), k)
    y = math.sqrt(w) * rng.standard_normal(m)[groups] + math.sqrt(1 - w) * rng.standard_normal(m * k)
    fit = fit_random_effects(y, groups, np.ones((m * k, 1)))
    table = y.reshape(m, k)
    msw = ((table - table.mean(axis=1, keepdims=True)) ** 2).sum() / (m * (k - 1))
    msb = k * ((table.mean(axis=1) - table.mean()) ** 2).sum() / (m - 1)
    f = msb / msw
    exact = []
    for q in (0.95, 0.05):
        ratio = f / stats.f.ppf(q, m - 1, m * (k - 1))
        exact.append((ratio - 1) / (ratio - 1 + k))
    assert fit.omega_interval is not None
    assert fit.omega_interval == pytest.approx(tuple(exact), abs=0.03)


@pytest.mark.parametrize("case", ["steady", "short_noisy", "fast_growing", "six_months"])
def test_feature_volume_is_unbiased_and_its_intervals_cover(case: str) -> None:
    # 200 replications: volume mean bias within 3% (+ 3 Monte Carlo se); the level and volatility
    # intervals are exact t / chi-square intervals, so their coverage is Binomial(200, 0.9) / 200:
    # within 0.9 +- 3 x 2.1 points.
    found = feature_replication(case, 200, np.random.default_rng([31, len(case)]))
    s = found["volume_per_month"]
    assert abs(s.bias) <= 0.03 + Z_MC * s.bias_se, s
    for key in ("volume_per_month", "volatility"):
        c = found[key]
        assert c.coverage is not None
        assert c.coverage_se is not None
        assert abs(c.coverage - 0.9) <= Z_MC * c.coverage_se, c


def test_feature_shrunk_growth_beats_the_raw_one_on_short_histories() -> None:
    # 3 months, flat, volatility 0.3: the raw slope's sd is 0.21; shrunk toward 0 under the feature prior
    # (sd 0.10) and by an se widened to the t interval's width, its RMSE must be under half the raw one's.
    found = feature_replication("short_noisy", 200, np.random.default_rng(32))
    assert found["growth"].rmse < 0.5 * found["growth_raw"].rmse


def test_the_fit_document_carries_intervals_and_the_shock_as_diagnostics() -> None:
    rng = np.random.default_rng(33)
    team = fit_team(
        simulate_team(
            rng, median=150, p90=600, persistence=0.6, growth=0.0, engineers=60, months=8, volatility=0.15
        ),
        name="t",
    )
    feature = fit_feature(simulate_feature(rng, volume=1e8, growth=0.02, volatility=0.1, months=8), name="f")
    document = json.loads(json.dumps(fits_document([team], [feature], [])))
    (doc_team,) = document["teams"]
    assert "usage_volatility" not in doc_team  # 8 months: a diagnostic only (docs/usage-import.md#fits)
    diagnostics = doc_team["fit"]
    assert set(diagnostics["intervals"]) == {
        "usage_median_usd",
        "usage_p90_usd",
        "usage_persistence",
        "usage_growth",
    }
    for key, (low, high) in diagnostics["intervals"].items():
        assert low < doc_team[key] < high, key
    assert diagnostics["usage_volatility_interval"][0] <= diagnostics["usage_volatility_estimate"]
    assert "too weakly" in diagnostics["usage_volatility_note"]
    assert "needs 12 months and 30 engineers" in diagnostics["usage_volatility_note"]
    assert set(diagnostics["growth_multiplier_90"]) == {"12", "24"}
    assert diagnostics["growth_raw_se"] > 0
    (doc_feature,) = document["features"]
    assert set(doc_feature["fit"]["intervals"]) == {
        "volume_per_month",
        "requests_per_month",
        "growth",
        "volatility",
    }


def test_twelve_months_put_the_team_shock_into_the_scenario_fields() -> None:
    months = simulate_team(
        np.random.default_rng(34),
        median=150,
        p90=600,
        persistence=0.6,
        growth=0.0,
        engineers=100,
        months=12,
        volatility=0.15,
    )
    team = fit_team(months, name="t")
    assert team.shock is not None
    assert team.usage_volatility == team.shock.volatility
    low, high = team.intervals["usage_volatility"]
    assert low <= team.usage_volatility <= high
    (doc_team,) = fits_document([team], [], [])["teams"]
    assert doc_team["usage_volatility"] == team.usage_volatility
    assert "usage_volatility_note" not in doc_team["fit"]
    # 20 engineers over the same 12 months: each month mean is too noisy, the shock stays a diagnostic
    few = fit_team([m for m in months if int(m.engineer[1:]) < 20], name="t")
    assert few.shock is not None
    assert few.usage_volatility is None
    assert "usage_volatility" not in few.intervals


def test_one_engineer_over_three_months_gives_finite_fields_and_intervals() -> None:
    # One engineer: omega has a flat likelihood (no second engineer to compare), so the joint information
    # is near-singular; ln sigma^2's variance falls back to 2 / (N - p) and nothing overflows.
    months = simulate_team(
        np.random.default_rng(35), median=150, p90=600, persistence=0.6, growth=0.0, engineers=1, months=3
    )
    fit = fit_team(months, name="solo")
    assert fit.usage_p90_usd is not None
    assert math.isfinite(fit.usage_p90_usd)
    assert fit.usage_p90_usd > fit.usage_median_usd
    for key, (low, high) in fit.intervals.items():
        assert math.isfinite(low)
        assert math.isfinite(high)
        assert low <= getattr(fit, key) <= high, key
    assert json.loads(json.dumps(fits_document([fit], [], [])))["teams"][0]["fit"]["intervals"]


def test_month_indicator_statistics_equal_the_dense_design() -> None:
    rng = np.random.default_rng(36)
    groups = np.repeat(np.arange(7), [1, 3, 4, 2, 5, 3, 4])
    months = np.concatenate([rng.choice(5, size=k, replace=False) for k in [1, 3, 4, 2, 5, 3, 4]])
    y = rng.standard_normal(groups.size)
    dense = np.zeros((groups.size, 5))
    dense[np.arange(groups.size), months] = 1.0
    expected, found = _stats(y, groups, dense), _indicator_stats(y, groups, months, 5)
    for name in ("n", "sx", "sxx", "sy", "sxy", "syy"):
        assert np.array_equal(getattr(found, name), getattr(expected, name)), name
