"""Team intensity fit: the likelihood against brute force and closed forms, and recovery of known teams."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from scipy import stats

from forecasting.engine.inputs import ModelPrice
from procurement.imports import (
    EngineerMonth,
    ParsedUsageFile,
    engineer_months,
    fit_team,
    parse_usage_file,
)
from procurement.imports.calendar_span import MonthSpan
from procurement.imports.growth import TEAM_GROWTH_PRIOR_SD
from procurement.imports.random_effects import _profile, _stats, fit_random_effects
from procurement.imports.team_fit import Z90
from procurement.imports.team_shock import RHO
from tests.imports.builders import ccusage_daily, weekdays
from tests.imports.replication import simulate_team

__all__ = ["simulate_team"]  # benchmarks/fit_accuracy.py imports the generator from here


def test_likelihood_equals_the_dense_multivariate_normal_density() -> None:
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(8), [1, 2, 3, 4, 5, 3, 2, 4])  # unbalanced
    t = np.concatenate([np.arange(n) for n in [1, 2, 3, 4, 5, 3, 2, 4]]).astype(float)
    y = 5 + 0.1 * t + rng.standard_normal(groups.size)
    x = np.column_stack([np.ones_like(t), t])
    omega = 0.37
    m2ll, beta, _, sigma2 = _profile(_stats(y, groups, x), omega, "ml")
    same = groups[:, None] == groups[None, :]
    cov = sigma2 * ((1 - omega) * np.eye(y.size) + omega * same)
    assert m2ll == pytest.approx(-2 * stats.multivariate_normal(x @ beta, cov).logpdf(y), rel=1e-10)


def test_maximum_likelihood_omega_beats_every_point_of_a_fine_grid() -> None:
    rng = np.random.default_rng(12)
    groups = np.repeat(np.arange(15), 3)
    y = rng.standard_normal(15)[groups] * 0.8 + rng.standard_normal(45) * 0.6
    x = np.ones((45, 1))
    fit = fit_random_effects(y, groups, x, method="ml")
    grid = [-0.5 * _profile(_stats(y, groups, x), w, "ml")[0] for w in np.linspace(0, 0.999, 2000)]
    assert fit.log_likelihood is not None
    assert fit.log_likelihood >= max(grid) - 1e-9


def test_reml_equals_the_anova_estimators_on_a_balanced_team() -> None:
    # Balanced one-way layout, no trend: REML = ANOVA when positive (Searle, Casella, McCulloch 1992, 4.7):
    # sigma_e^2 = MSW, sigma_a^2 = (MSB - MSW) / k.
    rng = np.random.default_rng(13)
    months = simulate_team(rng, median=150, p90=600, persistence=0.6, growth=0.0, engineers=30, months=2)
    y = np.log([m.full_month_usd for m in months]).reshape(2, 30).T  # engineers x months
    m, k = y.shape
    msw = ((y - y.mean(axis=1, keepdims=True)) ** 2).sum() / (m * (k - 1))
    msb = k * ((y.mean(axis=1) - y.mean()) ** 2).sum() / (m - 1)
    sigma_a2, sigma_e2 = (msb - msw) / k, msw
    assert sigma_a2 > 0
    fit = fit_team(months, name="t")
    assert fit.log_sigma is not None
    assert fit.log_sigma**2 == pytest.approx(sigma_a2 + sigma_e2, rel=1e-5)
    assert fit.usage_persistence == pytest.approx(sigma_a2 / (sigma_a2 + sigma_e2), abs=1e-5)
    assert fit.log_level is not None
    assert fit.log_level == pytest.approx(y.mean(), abs=1e-9)
    # the reported median is mean-unbiased: exp(ln level - var / 2), var at least the ANOVA variance of
    # the grand mean, MSB / (m k) (the team-shock share can only add to it)
    assert fit.log_level - math.log(fit.usage_median_usd) >= msb / (m * k) / 2 * (1 - 1e-6)
    assert fit.usage_growth is None
    assert fit.warnings == ("t: fewer than 3 months of data: no drift fitted",)


PARAMETER_SETS = {
    "typical": {"median": 150.0, "p90": 600.0, "persistence": 0.6, "growth": 0.02},
    "heavy_tailed": {"median": 150.0, "p90": 3000.0, "persistence": 0.8, "growth": 0.0},
    "growing": {"median": 300.0, "p90": 900.0, "persistence": 0.3, "growth": 0.05},
}
SIZES = {"small": (20, 4), "large": (200, 12)}  # (engineers, months)


def closed_form_sd(
    *, median: float, p90: float, persistence: float, growth: float, engineers: int, months: int
) -> dict[str, float]:
    """Sampling sd of each estimate on a balanced team (GLS is OLS there; variance components known).

    slope: sigma^2 (1 - w) / (m Stt), Stt = T (T^2 - 1) / 12 (the engineer effect cancels within engineer);
    log level in the last month: sigma^2 (w / m + (1 - w) / (m T)) + (T - 1 - tbar)^2 var(slope);
    log p90 adds Z90^2 var(sigma_hat), var(sigma_hat) ~ sigma^2 / (2 m) (only the m engineers counted:
    conservative); persistence: Fisher's large-sample variance of the intraclass correlation,
    2 (1 - w)^2 (1 + (T - 1) w)^2 / (T (T - 1) (m - 1)).
    """
    sigma2 = (math.log(p90 / median) / Z90) ** 2
    m, t, w = engineers, months, persistence
    var_slope = sigma2 * (1 - w) / (m * t * (t * t - 1) / 12)
    var_level = sigma2 * (w / m + (1 - w) / (m * t)) + ((t - 1) / 2) ** 2 * var_slope
    return {
        "slope": math.sqrt(var_slope),
        "log_median": math.sqrt(var_level),
        "log_p90": math.sqrt(var_level + Z90**2 * sigma2 / (2 * m)),
        "persistence": math.sqrt(2 * (1 - w) ** 2 * (1 + (t - 1) * w) ** 2 / (t * (t - 1) * (m - 1))),
    }


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case", PARAMETER_SETS)
def test_team_fit_recovers_known_parameters_within_four_sampling_sds(case: str, size: str) -> None:
    # Tolerance: 4 closed-form sampling sds (a two-sided 4-sd miss has probability ~6e-5 per check), so
    # the tolerance shrinks as the team and its history grow (the large size is checked against it too).
    params = PARAMETER_SETS[case]
    engineers, months = SIZES[size]
    rng = np.random.default_rng([2026, list(PARAMETER_SETS).index(case), engineers])
    fit = fit_team(simulate_team(rng, engineers=engineers, months=months, **params), name=case)
    sd = closed_form_sd(engineers=engineers, months=months, **params)
    level = (months - 1) * math.log1p(params["growth"])
    assert abs(math.log(fit.usage_median_usd) - math.log(params["median"]) - level) <= 4 * sd["log_median"]
    assert fit.usage_p90_usd is not None
    assert abs(math.log(fit.usage_p90_usd) - math.log(params["p90"]) - level) <= 4 * sd["log_p90"]
    assert abs(fit.usage_persistence - params["persistence"]) <= 4 * sd["persistence"]
    assert fit.usage_growth is not None
    assert abs(math.log1p(fit.usage_growth) - math.log1p(params["growth"])) <= 4 * sd["slope"]
    assert (fit.engineers, fit.months, fit.engineer_months) == (engineers, months, engineers * months)


def test_tolerances_shrink_as_the_data_grow() -> None:
    for params in PARAMETER_SETS.values():
        small = closed_form_sd(engineers=20, months=4, **params)
        large = closed_form_sd(engineers=200, months=12, **params)
        assert all(large[key] < small[key] / 2 for key in small)


def test_reported_growth_se_matches_the_closed_form_of_the_drift_with_the_fitted_shock() -> None:
    # Balanced team: GLS slope = OLS slope of the month means, so its variance is the engineer noise's
    # sigma^2 (1 - w) / (m Stt) plus the shock's v^2 c'Rc / Stt^2 (c the centred months, R the AR(1)
    # correlation), and the interval's se is widened by t_d(0.95) / z(0.95), d Satterthwaite's
    # (sampling + shock)^2 / (shock^2 / d_v), d_v the shock's own dof. Checked with the fit's own sigma,
    # omega, shock and d_v, so this is the loadings and covariance algebra against a closed form, to 1%.
    params = PARAMETER_SETS["typical"]
    fit = fit_team(simulate_team(np.random.default_rng(7), engineers=200, months=12, **params), name="t")
    assert fit.growth is not None
    assert fit.shock is not None
    assert fit.log_sigma is not None
    t = np.arange(12.0)
    c = t - t.mean()
    stt = float(c @ c)
    sampling = fit.log_sigma**2 * (1 - fit.usage_persistence) / (200 * stt)
    shock = fit.shock.volatility**2 * float(c @ (RHO ** np.abs(t[:, None] - t[None, :])) @ c) / stt**2
    widening = 1.0
    if shock > 0:
        dof = (sampling + shock) ** 2 / (shock**2 / fit.shock.dof)
        widening = float(stats.t.ppf(0.95, dof) / stats.norm.ppf(0.95))
    assert fit.growth.raw_se == pytest.approx(math.sqrt(sampling + shock) * widening, rel=0.01)
    # and never below the true sampling sd by more than sigma_hat's own error (relative sd ~1.5% from
    # 2,400 engineer-months; 3 sds): the shock's REML estimate is >= 0, so it can only add (how much at
    # v = 0 is measured by the coverage in test_team_replication.py)
    truth = closed_form_sd(engineers=200, months=12, **params)["slope"]
    assert fit.growth.raw_se >= 0.95 * truth
    # the posterior sd is below the raw se, the shrinkage negligible for a se this far below the prior
    assert fit.usage_growth_sd is not None
    assert fit.usage_growth_sd < (1 + params["growth"]) * fit.growth.raw_se
    assert fit.growth.shrinkage > 1 - (fit.growth.raw_se / TEAM_GROWTH_PRIOR_SD) ** 2


def test_share_above_fitted_p90_is_near_ten_percent_when_the_model_holds() -> None:
    fit = fit_team(
        simulate_team(np.random.default_rng(8), engineers=200, months=12, **PARAMETER_SETS["growing"]),
        name="t",
    )
    # 2,400 engineer-months: binomial sd of the share ~0.6 points (more with within-engineer correlation)
    assert fit.share_above_p90 == pytest.approx(0.10, abs=0.03)


def test_single_month_engineers_keep_the_default_persistence(prices: dict[str, ModelPrice]) -> None:
    files = [
        parse_usage_file(
            f"eng-{i}.daily.json",
            ccusage_daily((d, 10**6 * (i + 1)) for d in weekdays(date(2026, 10, 1), date(2026, 10, 30))),
        )
        for i in range(6)
    ]
    fit = fit_team(engineer_months(files, prices), name="new")
    assert (fit.usage_persistence, fit.persistence_fitted, fit.usage_growth) == (0.6, False, None)
    assert any("persistence not fitted" in w for w in fit.warnings)


def test_a_team_with_nothing_active_cannot_be_fitted() -> None:
    span = MonthSpan("2026-10", 22, 9, 22, 9, 0.0)
    with pytest.raises(ValueError, match="no active engineer-month"):
        fit_team([EngineerMonth("e", "2026-10", 0.0, None, 0, span)], name="idle")


def test_sample_engineers_fit_without_warnings_and_report_goodness_of_fit(
    ccusage_files: list[ParsedUsageFile], prices: dict[str, ModelPrice]
) -> None:
    fit = fit_team(engineer_months(ccusage_files, prices), name="samples")
    assert (fit.engineers, fit.months, fit.engineer_months) == (13, 3, 38)  # eng-12 has two months
    assert fit.usage_p90_usd is not None
    assert fit.usage_p90_usd > fit.usage_median_usd > 0
    assert fit.share_above_p90 is not None
    assert 0 <= fit.share_above_p90 <= 1
    assert fit.normality_p_value is not None
    assert fit.active_share == 1.0
    # three months: the only warning is the shrunk growth's
    (warning,) = fit.warnings
    assert warning.startswith("samples: growth from only 3 months is uncertain")
    assert "shrunk toward flat" in warning


def test_one_engineer_month_gives_its_level_and_no_spread() -> None:
    # REML with one observation has no residual degree of freedom: sigma^2 has no estimate (None), and
    # the level is the observation itself.
    y, groups, x = np.array([math.log(200.0)]), np.array([0], dtype=np.intp), np.ones((1, 1))
    raw = fit_random_effects(y, groups, x)
    assert raw.beta == pytest.approx((math.log(200.0),), rel=1e-15)
    assert (raw.sigma2, raw.beta_cov, raw.log_likelihood, raw.omega_identified) == (None, None, None, False)
    span = MonthSpan("2026-10", 22, 9, 22, 9, 0.0)
    month = EngineerMonth("solo", "2026-10", 200.0 / span.to_average_month, None, 22, span)
    fit = fit_team([month], name="solo")
    assert fit.usage_median_usd == pytest.approx(200.0, rel=1e-12)
    assert (fit.usage_p90_usd, fit.log_sigma, fit.log_likelihood, fit.share_above_p90) == (None,) * 4
    assert (fit.usage_growth, fit.usage_growth_sd, fit.persistence_fitted) == (None, None, False)
    assert any("no spread fitted" in w for w in fit.warnings)
