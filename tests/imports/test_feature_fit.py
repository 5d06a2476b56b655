"""Feature fit: log-linear regression against its closed forms, and the sample workspaces."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from forecasting.engine.inputs import ModelPrice
from procurement.imports import (
    FeatureFit,
    FeatureMonth,
    ParsedUsageFile,
    feature_months,
    fit_feature,
)
from procurement.imports.calendar_span import MonthSpan


def simulate_feature(
    rng: np.random.Generator, *, volume: float, growth: float, volatility: float, months: int
) -> list[FeatureMonth]:
    """Monthly input-token volumes from the engine's model: R_t = R0 (1 + g)^t exp(volatility Z_t)."""
    out = []
    for t in range(months):
        key = f"{2024 + t // 12}-{t % 12 + 1:02d}"
        span = MonthSpan(key, 21, 9, 21, 9, 1.0)
        tokens = volume * (1 + growth) ** t * math.exp(volatility * rng.standard_normal())
        # what is fitted is full_month_volume = input tokens x span.to_average_month
        out.append(
            FeatureMonth("f", key, 1.0, None, span, uncached_input_tokens=tokens / span.to_average_month)
        )
    return out


def ols_sd(months: int, volatility: float) -> tuple[float, float]:
    """Closed-form OLS sampling sds of the slope and of the fitted log level in the last month."""
    t = np.arange(months)
    stt = float(((t - t.mean()) ** 2).sum())
    return volatility / math.sqrt(stt), volatility * math.sqrt(
        1 / months + (months - 1 - t.mean()) ** 2 / stt
    )


PARAMETER_SETS = {
    "steady": {"volume": 4e8, "growth": 0.03, "volatility": 0.10},
    "fast_growing": {"volume": 5e7, "growth": 0.15, "volatility": 0.20},
    "flat_noisy": {"volume": 1e9, "growth": 0.0, "volatility": 0.30},
}


@pytest.mark.parametrize("months", [12, 48])
@pytest.mark.parametrize("case", PARAMETER_SETS)
def test_feature_fit_recovers_known_parameters(case: str, months: int) -> None:
    # Tolerances: growth (shrunk: at 12 months its pull toward 0 is under 4% of the slope) and level
    # within 4 closed-form OLS sds (shrinking with the months); volatility and se(b) (both the residual
    # sd, scaled) within the 99.9% chi-square band of s / sigma with
    # n - 2 degrees of freedom, which narrows as 1 / sqrt(2 (n - 2)).
    params = PARAMETER_SETS[case]
    rng = np.random.default_rng([7, list(PARAMETER_SETS).index(case), months])
    fit = fit_feature(simulate_feature(rng, months=months, **params), name=case)
    slope_sd, level_sd = ols_sd(months, params["volatility"])
    true_slope = math.log1p(params["growth"])
    assert fit.growth is not None
    assert fit.growth_sd is not None
    assert fit.volatility is not None
    assert abs(math.log1p(fit.growth) - true_slope) <= 4 * slope_sd
    level = math.log(params["volume"]) + (months - 1) * true_slope
    assert abs(math.log(fit.volume_per_month) - level) <= 4 * level_sd
    low, high = (math.sqrt(stats.chi2.ppf(q, months - 2) / (months - 2)) for q in (0.0005, 0.9995))
    assert low <= fit.volatility / params["volatility"] <= high
    assert fit.growth_fit is not None  # se(b), unwidened from the t interval's width
    plain_se = fit.growth_fit.raw_se * stats.norm.ppf(0.95) / stats.t.ppf(0.95, months - 2)
    assert low <= plain_se / slope_sd <= high
    assert fit.growth_sd < (1 + fit.growth) * fit.growth_fit.raw_se  # the posterior is narrower
    assert fit.months == months
    assert fit.level_month == f"{2024 + (months - 1) // 12}-{(months - 1) % 12 + 1:02d}"


def test_raw_growth_interval_covers_the_true_growth_95_percent_of_the_time() -> None:
    # Brute force over 400 histories of 12 months: the t interval raw slope +- t_{n-2}(0.975) se(b) is exact
    # for the model, so coverage is Binomial(400, 0.95) / 400: sd 1.1 points, band +-3.5 sd. The raw se
    # kept in growth_fit is se(b) widened to the t interval's 90% width (x t_10(0.95) / z(0.95)).
    rng = np.random.default_rng(2027)
    quantile = stats.t.ppf(0.975, 10)
    covered = 0
    for _ in range(400):
        fit = fit_feature(
            simulate_feature(rng, volume=1e8, growth=0.05, volatility=0.15, months=12), name="f"
        )
        assert fit.growth_fit is not None
        se = fit.growth_fit.raw_se * stats.norm.ppf(0.95) / stats.t.ppf(0.95, 10)
        covered += abs(fit.growth_fit.raw_slope - math.log1p(0.05)) <= quantile * se
    assert 0.912 <= covered / 400 <= 0.988


def test_short_histories_leave_unfittable_fields_unset() -> None:
    months = simulate_feature(np.random.default_rng(1), volume=1e8, growth=0.1, volatility=0.0, months=2)
    one = fit_feature(months[:1], name="f")
    assert (one.growth, one.growth_sd, one.volatility, one.r_squared) == (None, None, None, None)
    two = fit_feature(months, name="f")
    # two points give a slope but no standard error, so nothing to shrink it by: growth is left unset
    assert (two.growth, two.growth_sd, two.volatility) == (None, None, None)
    assert two.intervals == {}
    assert any("2 month(s) of data" in w for w in two.warnings)


def test_months_of_two_features_are_refused() -> None:
    months = simulate_feature(np.random.default_rng(1), volume=1e8, growth=0.1, volatility=0.1, months=3)
    other = FeatureMonth("g", months[0].month, 1.0, None, months[0].span, uncached_input_tokens=5.0)
    with pytest.raises(ValueError, match="several features"):
        fit_feature([*months, other], name="f")


@pytest.fixture(scope="module")
def sample_fits(
    admin_usage: ParsedUsageFile, admin_cost: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> dict[str, FeatureFit]:
    months = feature_months([admin_usage, admin_cost], prices)
    return {
        f: fit_feature([m for m in months if m.feature == f], name=f) for f in {m.feature for m in months}
    }


SUPPORT, REVIEW, SEARCH = (
    "wrkspc_01gTyx1sjrf2UXAhRWq9vtH9",
    "wrkspc_01xN21dyJcTw7fHnthrWuag2",
    "wrkspc_01xnyZ36LMjWUJjc1nSp98VQ",
)


@pytest.mark.parametrize(("feature", "growth"), [(SUPPORT, 0.05), (REVIEW, 0.07), (SEARCH, 0.04)])
def test_sample_workspaces_growth_is_near_the_documented_rate(
    sample_fits: dict[str, FeatureFit], feature: str, growth: float
) -> None:
    # samples README: +5%, +7%, +4% per month. Three monthly totals, with the generator's daily noise and
    # the fitted growth sd of 0.5-1.3 points: within 2 percentage points.
    assert sample_fits[feature].growth == pytest.approx(growth, abs=0.02)


@pytest.mark.parametrize(
    ("feature", "mix"),
    [
        (SUPPORT, {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": 0.2}),
        (REVIEW, {"claude-opus-4-5": 0.7, "claude-sonnet-4-5": 0.3}),
        (SEARCH, {"claude-haiku-4-5": 0.7, "claude-sonnet-4-5": 0.3}),
    ],
)
def test_sample_model_mix_matches_the_documented_request_shares(
    sample_fits: dict[str, FeatureFit], feature: str, mix: dict[str, float]
) -> None:
    # The mix is input-token weighted; the README gives request shares (equal when requests per model
    # carry the same tokens, as in the samples): within 2 points.
    fitted = dict(sample_fits[feature].model_mix)
    assert fitted.keys() == mix.keys()
    assert all(fitted[key] == pytest.approx(share, abs=0.02) for key, share in mix.items())


def test_sample_review_bot_uses_one_hour_cache_and_warns_about_the_mix(
    sample_fits: dict[str, FeatureFit],
) -> None:
    review = sample_fits[REVIEW]
    assert review.cache_ttl == "1h"  # README: 80% of cache writes are 1-hour
    assert any("mix 5-minute and 1-hour" in w for w in review.warnings)
    assert sample_fits[SUPPORT].cache_ttl == "5m"


def test_sample_fits_keep_the_cost_report_beside_the_recomputed_cost(
    sample_fits: dict[str, FeatureFit],
) -> None:
    for fit in sample_fits.values():
        assert fit.list_cost_usd == pytest.approx(fit.reported_cost_usd, abs=0.01)
        assert not any("differs from list price" in w for w in fit.warnings)
    assert round(sample_fits[SEARCH].list_cost_usd or 0.0, 2) == 28358.12  # samples README


def test_sample_requests_are_nominal_and_say_so(sample_fits: dict[str, FeatureFit]) -> None:
    fit = sample_fits[SUPPORT]
    assert not fit.requests_known
    assert fit.input_tokens == 1000.0
    assert fit.requests_per_month == pytest.approx(fit.volume_per_month / 1000)
    assert fit.batch_share is None  # the sample report is not grouped by service tier
    assert any("nominal" in w for w in fit.warnings)
    assert any("web searches cost" in w for w in sample_fits[SEARCH].warnings)


def test_known_request_size_gives_real_request_counts(
    admin_usage: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    months = [m for m in feature_months([admin_usage], prices) if m.feature == SUPPORT]
    fit = fit_feature(months, name="Support summariser", input_tokens_per_request=3000)
    assert fit.requests_known
    assert fit.requests_per_month == pytest.approx(fit.volume_per_month / 3000)
    output_ratio = sum(m.output_tokens for m in months) / sum(m.input_tokens for m in months)
    assert fit.output_tokens == pytest.approx(3000 * output_ratio)


def test_cost_report_alone_fits_volume_in_dollars(
    admin_cost: ParsedUsageFile,
    sample_fits: dict[str, FeatureFit],
    prices: dict[str, ModelPrice],
) -> None:
    months = [m for m in feature_months([admin_cost], prices) if m.feature == SEARCH]
    fit = fit_feature(months, name="search")
    assert fit.volume_unit == "usd"
    assert fit.requests_per_month is None
    assert fit.model_mix == ()
    # same traffic, measured in dollars instead of tokens (web searches included): within 1 point
    assert fit.growth == pytest.approx(sample_fits[SEARCH].growth, abs=0.01)
