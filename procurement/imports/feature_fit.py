"""Feature fit: volume, growth and volatility by log-linear regression on monthly totals
(docs/model.md#api-path and docs/usage-import.md).

The engine draws R_t = R0 (1 + G)^t exp(volatility Z_t), G ~ Normal(growth, growth_sd) per trial, so
ln R_t = ln R0 + t ln(1 + G) + volatility Z_t: ordinary least squares of log monthly volume on the month
gives slope b, intercept a and residual sd s (n - 2 degrees of freedom). volatility = s (the root of the
unbiased variance, what the engine's mean spend e^(volatility^2 / 2) depends on); the level in the last
month T is e^(a + b T - V/2), V its variance (mean-unbiased in volume); growth and growth_sd are the
posterior of b shrunk toward 0 under the feature prior of growth.py, with se(b) widened to the exact t
interval's width since s rests on n - 2 degrees of freedom (growth needs three months: two points give
no se to shrink by). `intervals`: exact t (log level), chi-square (volatility), posterior (growth), 90%.

Volume is input-side tokens (uncached + cache writes + cache reads). The Admin reports carry no request
counts, so unless the caller knows the feature's input tokens per request, a request is *nominal*:
NOMINAL_INPUT_TOKENS_PER_REQUEST input tokens with the feature's own output ratio. Spend (requests x
tokens per request) is unaffected; request counts are not real, and the fit says so in a warning.
Per-request token mix, cache rates, batch share and model mix are token-weighted over the fitted months:
the engine prices a mix per request, so models with very different output or cache ratios are
approximated by the feature's average ratios.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats

from procurement.imports.calendar_span import month_index
from procurement.imports.growth import (
    FEATURE_GROWTH_PRIOR_SD,
    SHORT_HISTORY_MONTHS,
    ShrunkGrowth,
    shrink_growth,
)
from procurement.imports.months import FeatureMonth
from procurement.imports.random_effects import Z95

# One nominal request = 1,000 input-side tokens: a unit that keeps spend right when requests are not
# reported (project choice; any value gives the same spend).
NOMINAL_INPUT_TOKENS_PER_REQUEST = 1_000.0
COST_MISMATCH_SHARE = 0.01  # recomputed list cost vs the cost report: warn beyond 1%


@dataclass(frozen=True)
class FeatureFit:
    """Fitted fields of a feature (scenario names; None where the data cannot say) and fit quality."""

    name: str
    requests_per_month: float | None
    growth: float | None
    growth_sd: float | None
    volatility: float | None
    input_tokens: float | None  # per request
    output_tokens: float | None
    cache_hit_rate: float | None
    cache_write_rate: float | None
    cache_ttl: str | None
    batch_share: float | None
    model_mix: tuple[tuple[str, float], ...]
    requests_known: bool
    volume_unit: str  # "input_tokens", or "usd" when only a cost report covers the feature
    volume_per_month: float  # median level in level_month, in volume_unit
    level_month: str
    months: int
    r_squared: float | None
    list_cost_usd: float | None  # recomputed over the fitted months
    reported_cost_usd: float | None  # the cost report over the same months
    warnings: tuple[str, ...] = ()
    # 90% intervals keyed by field name: volume_per_month (and requests_per_month), growth, volatility
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    growth_fit: ShrunkGrowth | None = None  # the raw and shrunk growth (diagnostics)
    log_level_se: float | None = None  # se of ln(volume_per_month)

    @property
    def growth_raw(self) -> float | None:
        return self.growth_fit.raw_growth if self.growth_fit is not None else None


@dataclass(frozen=True)
class _Trend:
    log_level: float  # at the last month
    slope: float | None
    slope_se: float | None
    residual_sd: float | None
    r_squared: float | None
    level_se: float | None = None  # se of log_level
    dof: int = 0  # residual degrees of freedom (n - 2)


def _trend(t: np.ndarray, y: np.ndarray) -> _Trend:
    """OLS of y on t; slope from two points, standard errors and residual sd from three."""
    if t.size == 1:
        return _Trend(float(y[0]), None, None, None, None)
    t_centred = t - t.mean()
    stt = float(t_centred @ t_centred)
    slope = float(t_centred @ (y - y.mean())) / stt
    level = float(y.mean() + slope * (t.max() - t.mean()))
    if t.size == 2:
        return _Trend(level, slope, None, None, None)
    residuals = y - y.mean() - slope * t_centred
    ssr, sst = float(residuals @ residuals), float(((y - y.mean()) ** 2).sum())
    sd = math.sqrt(ssr / (t.size - 2))
    level_se = sd * math.sqrt(1 / t.size + (t.max() - t.mean()) ** 2 / stt)
    return _Trend(
        level, slope, sd / math.sqrt(stt), sd, 1 - ssr / sst if sst > 0 else None, level_se, t.size - 2
    )


def _t_factor(dof: int) -> float:
    """t_{dof}(0.95) / z(0.95): the factor that turns a plug-in normal se into one whose 90% interval is
    the exact t interval (the residual sd is itself estimated from dof degrees of freedom; 3.8 at one)."""
    return float(stats.t.ppf(0.95, dof)) / Z95


def _intervals(trend: _Trend, growth: ShrunkGrowth | None) -> dict[str, tuple[float, float]]:
    """90% intervals: exact t intervals for the log level, chi-square for the volatility (the model is a
    normal linear regression), the posterior for growth."""
    found: dict[str, tuple[float, float]] = {}
    if trend.level_se is not None and trend.residual_sd is not None:
        half = float(stats.t.ppf(0.95, trend.dof)) * trend.level_se
        found["volume_per_month"] = (math.exp(trend.log_level - half), math.exp(trend.log_level + half))
        low, high = (float(stats.chi2.ppf(q, trend.dof)) for q in (0.95, 0.05))
        found["volatility"] = (
            trend.residual_sd * math.sqrt(trend.dof / low),
            trend.residual_sd * math.sqrt(trend.dof / high),
        )
    if growth is not None:
        found["growth"] = growth.interval()
    return found


@dataclass(frozen=True)
class _Shape:
    """Per-request fields; all None when the feature has no token data (a cost report only)."""

    requests_per_month: float | None = None
    input_tokens: float | None = None
    output_tokens: float | None = None
    cache_hit_rate: float | None = None
    cache_write_rate: float | None = None
    cache_ttl: str | None = None
    batch_share: float | None = None
    model_mix: tuple[tuple[str, float], ...] = ()


def fit_feature(
    feature_months: Sequence[FeatureMonth], *, name: str, input_tokens_per_request: float | None = None
) -> FeatureFit:
    """Fit one feature from its months (all of one feature). Raises ValueError if no month is usable."""
    if len({m.feature for m in feature_months}) > 1:
        features = sorted({m.feature for m in feature_months})
        raise ValueError(f"{name}: months of several features given: {features}")
    used = sorted((m for m in feature_months if m.fitted), key=lambda m: m.month)
    if not used:
        raise ValueError(f"{name}: no month with usage and enough coverage to fit")
    index = np.array([month_index(m.month) for m in used], dtype=float)
    trend = _trend(index - index.min(), np.log([m.full_month_volume for m in used]))
    has_tokens = used[0].cost_usd is not None
    # Mean-unbiased in volume: exp of the log level is biased up by exp(var / 2) (var = level_se^2)
    volume = math.exp(trend.log_level - (trend.level_se or 0.0) ** 2 / 2)
    shape = _shape(used, volume, input_tokens_per_request) if has_tokens else _Shape()
    growth = None
    if trend.slope is not None and trend.slope_se is not None:
        growth = shrink_growth(trend.slope, trend.slope_se * _t_factor(trend.dof), FEATURE_GROWTH_PRIOR_SD)
    intervals = _intervals(trend, growth)
    if "volume_per_month" in intervals and shape.input_tokens is not None:
        low, high = intervals["volume_per_month"]
        intervals["requests_per_month"] = (low / shape.input_tokens, high / shape.input_tokens)
    fit = FeatureFit(
        name=name,
        requests_per_month=shape.requests_per_month,
        growth=growth.growth if growth is not None else None,
        growth_sd=growth.growth_sd if growth is not None else None,
        volatility=trend.residual_sd,
        input_tokens=shape.input_tokens,
        output_tokens=shape.output_tokens,
        cache_hit_rate=shape.cache_hit_rate,
        cache_write_rate=shape.cache_write_rate,
        cache_ttl=shape.cache_ttl,
        batch_share=shape.batch_share,
        model_mix=shape.model_mix,
        requests_known=has_tokens and input_tokens_per_request is not None,
        volume_unit="input_tokens" if has_tokens else "usd",
        volume_per_month=volume,
        level_month=used[-1].month,
        months=len(used),
        r_squared=trend.r_squared,
        list_cost_usd=math.fsum(m.cost_usd or 0.0 for m in used) if has_tokens else None,
        reported_cost_usd=_reported(used),
        intervals=intervals,
        growth_fit=growth,
        log_level_se=trend.level_se,
    )
    return replace(fit, warnings=tuple(_warnings(fit, used)))


def _reported(used: Sequence[FeatureMonth]) -> float | None:
    values = [m.reported_cost_usd for m in used]
    return None if any(v is None for v in values) else math.fsum(v or 0.0 for v in values)


def _shape(used: Sequence[FeatureMonth], volume: float, per_request: float | None) -> _Shape:
    """Per-request tokens, cache rates, TTL, batch share and model mix, token-weighted over the months."""
    total = {f: math.fsum(getattr(m, f) for m in used) for f in _SUMMED}
    input_total = total["input_tokens"]
    size = per_request or NOMINAL_INPUT_TOKENS_PER_REQUEST
    writes = total["cache_write_5m_tokens"] + total["cache_write_1h_tokens"]
    mix: dict[str, float] = defaultdict(float)
    for m in used:
        for key, tokens in m.model_input_tokens:
            mix[key] += tokens / input_total
    return _Shape(
        requests_per_month=volume / size,
        input_tokens=size,
        output_tokens=size * total["output_tokens"] / input_total,
        cache_hit_rate=total["cache_read_tokens"] / input_total,
        cache_write_rate=writes / input_total,
        cache_ttl="1h" if total["cache_write_1h_tokens"] > total["cache_write_5m_tokens"] else "5m",
        # Batch share only when every row says its tier (reports not grouped by tier leave it null).
        batch_share=None if total["unknown_tier_input_tokens"] else total["batch_input_tokens"] / input_total,
        model_mix=tuple(sorted(mix.items())),
    )


_SUMMED = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "batch_input_tokens",
    "unknown_tier_input_tokens",
)


def _warnings(fit: FeatureFit, used: Sequence[FeatureMonth]) -> list[str]:
    found = []
    if fit.volume_unit == "usd":
        found.append(
            f"{fit.name}: only a cost report: volume fitted on cost; no tokens, model mix or cache rates"
        )
    elif not fit.requests_known:
        found.append(
            f"{fit.name}: the Admin reports carry no request counts: requests_per_month counts nominal "
            f"requests of {NOMINAL_INPUT_TOKENS_PER_REQUEST:,.0f} input tokens (spend is right; give the "
            "real input tokens per request to get real counts)"
        )
    if fit.months < 3:
        found.append(
            f"{fit.name}: {fit.months} month(s) of data: growth and volatility not fitted (a growth "
            "needs its standard error, from three months, to be shrunk by it)"
        )
    elif fit.growth_fit is not None and fit.months < SHORT_HISTORY_MONTHS:
        g = fit.growth_fit
        found.append(
            f"{fit.name}: growth from only {fit.months} months is uncertain "
            f"(raw {g.raw_growth:+.1%} a month, se {g.raw_growth_se:.1%}): "
            f"shrunk toward flat to {g.growth:+.1%} a month "
            f"(prior sd {g.prior_sd:.0%}, docs/usage-import.md#fits)"
        )
    writes = [(m.cache_write_5m_tokens, m.cache_write_1h_tokens) for m in used]
    minority = min(sum(w[0] for w in writes), sum(w[1] for w in writes))
    if fit.cache_ttl and minority > 0.05 * sum(sum(w) for w in writes):
        found.append(
            f"{fit.name}: cache writes mix 5-minute and 1-hour TTLs; "
            f"the scenario uses {fit.cache_ttl} for all"
        )
    web_usd = math.fsum(m.web_search_usd for m in used)
    if web_usd > 0:
        found.append(
            f"{fit.name}: web searches cost {web_usd / len(used):,.2f} USD per month, which the scenario's "
            "token fields do not carry"
        )
    if fit.list_cost_usd and fit.reported_cost_usd is not None:
        gap = fit.reported_cost_usd / fit.list_cost_usd - 1
        if abs(gap) > COST_MISMATCH_SHARE:
            found.append(
                f"{fit.name}: the cost report differs from list price by {gap:+.1%} "
                "(discounts? other prices?)"
            )
    return found
