"""The API path (docs/model.md#api-path): cost per request at list and Monte Carlo list spend per feature.

Feature f, trial n, month t (0-based offset in the term):

    G ~ Normal(growth, growth_sd) truncated to G > -1       once per trial
    K = exp(tokens_sd * Z)                                  once per trial (tokens per request)
    R_t = R0 * (1 + G)^(t - L) * season(t) * exp(volatility * Z_t)   for t >= L (launch month), else 0
    S_t = R_t * c_f * K                                     list spend, USD

`c_f` is the deterministic expected list cost of one request (`cost_per_request_usd`). Every random
number of feature i in block b comes from `generator(seed, b, API_PATH, i)`, drawn in a fixed order:
one uniform per trial for G (inverse CDF, so a growth-shifted variant reuses it), one normal per trial
for K, then 16 random bits per live month and trial for the monthly noise (only when volatility > 0),
each read as a standard normal from the tabulated quantiles `streams.NORMAL_TABLE` (inverse-transform
sampling, several times cheaper than `standard_normal` and exact to 4 decimals in every quantile up to
|z| = 4.17).

With the scenario's `correlation` (docs/model.md#correlation) the growth normal Phi^-1(U) and the monthly
noise normals load on the block's features factor (`forecasting.engine.factors`), drawn from its own
stream, so the feature's own stream and its order are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from forecasting.engine.arrays import FeaturesByTrial, PerMonth, PerTrial, VariantsByTrialByMonth
from forecasting.engine.factors import Factor, features_factor, load
from forecasting.engine.inputs import Correlation, FeatureInput, ModelPrice
from forecasting.engine.pricing import batch_factor, long_context_applies, unbatched_cost_usd
from forecasting.engine.streams import API_PATH, NORMAL_TABLE, generator, normal_bits
from forecasting.engine.tolerances import SHARE_SUM_TOLERANCE

# Smallest 1 + G kept when the truncated-normal inverse CDF lands exactly on the bound (U = 0): keeps
# log1p(G) finite so month 0 after launch stays exactly R0 instead of 0 * inf = nan.
MIN_GROWTH_FACTOR = 1e-300
_NORMAL_TABLE_64 = NORMAL_TABLE.astype(np.float64)  # the monthly noise is float64
_BELOW_ONE = float(np.nextafter(1.0, 0.0))


@dataclass(frozen=True)
class ApiVariant:
    """A re-run of the API path on the same random numbers (levers, sensitivity).

    `growth_shift` is added to every feature's growth mean (the same uniform draws are mapped through the
    shifted truncated-normal inverse CDF); `tokens_scale` multiplies tokens per request, hence spend;
    `cost_per_request_usd` replaces each feature's cost per request (None: the base cost). `switches`
    changes the cost per request during the term: each `(month, costs)` sets every feature's cost per
    request from that 0-based month on (months ascending), so one variant is the base spend before a
    planned lever lands and the lever's spend after it (docs/decisions.md#planned-levers). Its spend in a
    month is exactly the spend of the variant with that month's costs: the same path times the same factor.
    `correlation` replaces the run's loadings (the sensitivity's correlation driver; None: the run's): the
    same uniforms, loaded on the same factors with other loadings.
    """

    name: str
    correlation: Correlation | None = None
    growth_shift: float = 0.0
    tokens_scale: float = 1.0
    cost_per_request_usd: tuple[float, ...] | None = None
    switches: tuple[tuple[int, tuple[float, ...]], ...] = ()


@dataclass(frozen=True)
class ApiBlock:
    """One block of trials of the API path."""

    monthly_spend_usd: VariantsByTrialByMonth  # list spend per variant, trial, month, features summed
    feature_term_spend_usd: FeaturesByTrial  # variant 0, per feature, summed over the term
    # (2, trials) per-trial summaries of the draws (docs/decisions.md#value-of-information): row 0 the
    # spend-weighted mean over features of log(1 + G) at the base growth, row 1 of log K (tokens)
    group_draws: NDArray[np.float64] | None = None


def cost_per_request_usd(
    feature: FeatureInput,
    models: Mapping[str, ModelPrice],
    *,
    model_mix: tuple[tuple[str, float], ...] | None = None,
    cache_hit_rate: float | None = None,
    batch_share: float | None = None,
) -> float:
    """Expected list cost of one request of `feature`, USD (deterministic).

    For each model of the mix, the request's tokens priced by the one token-cost formula
    (`forecasting.engine.pricing`): a share `hit` of the input read from cache, a share `write` written to
    it at the feature's TTL, the rest uncached; the long-context rates when the request's whole input
    exceeds the model's threshold; a share `batch_share` of requests through Batch. The result is the
    mix-weighted average.

    The keyword overrides replace the feature's own mix, hit rate or batch share (token levers,
    sensitivity). An overridden hit rate caps the write rate at 1 - hit (writes are cache misses).
    """
    mix = feature.model_mix if model_mix is None else model_mix
    hit = feature.cache_hit_rate if cache_hit_rate is None else cache_hit_rate
    write = feature.cache_write_rate if cache_hit_rate is None else min(feature.cache_write_rate, 1.0 - hit)
    batch = feature.batch_share if batch_share is None else batch_share
    _validate_request(feature.name, mix, models, hit, write, batch)
    total_usd = 0.0
    for key, share in mix:
        if share == 0.0:
            continue
        model = models[key]
        request_usd = unbatched_cost_usd(
            model,
            input_tokens=feature.input_tokens,
            output_tokens=feature.output_tokens,
            cache_read_share=hit,
            cache_write_5m_share=write if feature.cache_ttl == "5m" else 0.0,
            cache_write_1h_share=0.0 if feature.cache_ttl == "5m" else write,
            long_context=long_context_applies(model, feature.input_tokens),
        )
        total_usd += share * batch_factor(model, batch) * request_usd
    return total_usd


def _validate_request(
    name: str,
    mix: tuple[tuple[str, float], ...],
    models: Mapping[str, ModelPrice],
    hit: float,
    write: float,
    batch: float,
) -> None:
    unknown = [key for key, _ in mix if key not in models]
    if unknown:
        raise ValueError(f"feature {name}: unknown model(s) {unknown}")
    shares = [share for _, share in mix]
    if any(s < 0.0 for s in shares) or abs(sum(shares) - 1.0) > SHARE_SUM_TOLERANCE:
        raise ValueError(f"feature {name}: model-mix shares must be >= 0 and sum to 1, got {shares}")
    if not (0.0 <= hit <= 1.0 and 0.0 <= write <= 1.0 and hit + write <= 1.0 + SHARE_SUM_TOLERANCE):
        raise ValueError(f"feature {name}: cache hit {hit} and write {write} must be shares summing to <= 1")
    if not 0.0 <= batch <= 1.0:
        raise ValueError(f"feature {name}: batch share {batch} must be in [0, 1]")


def seasonality_factors(feature: FeatureInput, *, months: int, start_calendar_month: int) -> PerMonth:
    """Multiplier of each month t = 0..months-1: the feature's calendar-month factors normalised to mean 1."""
    if feature.seasonality is None:
        return np.ones(months)
    factors = np.asarray(feature.seasonality, dtype=np.float64)
    if (
        factors.shape != (12,)
        or np.any(factors < 0.0)
        or not np.all(np.isfinite(factors))
        or factors.sum() <= 0
    ):
        raise ValueError(f"feature {feature.name}: seasonality needs 12 finite factors >= 0, not all 0")
    calendar_index = (start_calendar_month - 1 + np.arange(months)) % 12
    return np.asarray(factors[calendar_index] / factors.mean(), dtype=np.float64)


def growth_draws(uniforms: PerTrial, growth: float, growth_sd: float) -> PerTrial:
    """Monthly growth G ~ Normal(growth, growth_sd) truncated to G > -1, by inverse CDF of `uniforms`.

    Written through the upper tail, G = growth - sd * ndtri((1 - U) * ndtr((1 + growth) / sd)), which is
    the inverse CDF p0 + U (1 - p0) rearranged: it stays exact when almost all the mass lies below -1
    (a large negative growth shift), where 1 - p0 would round to 0.
    """
    if growth_sd == 0.0:
        draws = np.full(uniforms.shape, growth)
    else:
        upper_tail = (1.0 - uniforms) * special.ndtr((1.0 + growth) / growth_sd)
        with np.errstate(divide="ignore"):  # an underflowed tail puts G on the bound, clipped below
            draws = growth - growth_sd * special.ndtri(upper_tail)
        draws = np.where(upper_tail > 0.0, draws, -1.0)
    return np.asarray(np.maximum(draws, MIN_GROWTH_FACTOR - 1.0), dtype=np.float64)


def simulate_api_block(
    features: Sequence[FeatureInput],
    models: Mapping[str, ModelPrice],
    *,
    months: int,
    start_calendar_month: int,
    seed: int,
    block: int,
    trials: int,
    variants: Sequence[ApiVariant] = (ApiVariant("base"),),
    term_variant: int = 0,
    correlation: Correlation | None = None,
) -> ApiBlock:
    """Monthly list spend of one block of trials, per variant, features summed (docs/model.md#api-path).

    The model is the module's: per-trial truncated-normal growth and lognormal tokens multiplier, iid
    lognormal monthly noise (mean exp(volatility^2 / 2), not normalised to 1), seasonality normalised to
    mean 1, zero before the launch month. Feature i draws only from `generator(seed, block, API_PATH, i)`,
    so a block depends on (seed, block) alone and every variant sees the same random numbers: variants
    sharing a growth shift are scalings of one path per feature (computed once), and a growth shift maps
    the same uniforms through the shifted inverse CDF. The tokens multiplier scales spend linearly: it does
    not move a request across a long-context threshold (`c_f` is fixed per feature).

    `feature_term_spend_usd` is the term spend per feature of variant `term_variant` (the base by default).
    With `correlation.features` > 0 each feature's growth normal is loaded on the block's features factor
    (`forecasting.engine.factors`, docs/model.md#correlation): the uniform U becomes
    Phi(l F + sqrt(1 - l^2) Phi^-1(U)), still uniform, so every variant and summary sees the loaded draw,
    and the monthly noise normal Z_t becomes l F_t + sqrt(1 - l^2) Z_t.
    Memory is O(V x trials x months) for the result plus two (trials x months) work arrays.
    """
    _validate_block(features, months=months, start_calendar_month=start_calendar_month, trials=trials)
    base_costs = [cost_per_request_usd(f, models) for f in features]
    _validate_variants(variants, len(features), months)
    if not 0 <= term_variant < len(variants):
        raise ValueError(f"term_variant must index one of the {len(variants)} variants")
    # Months-major while accumulating: a feature's live months are then a contiguous suffix of rows.
    monthly = np.zeros((len(variants), months, trials))
    feature_term = np.zeros((len(features), trials))
    workspace = _Workspace(trials, months)
    group_draws = np.zeros((2, trials))
    weights = _draw_weights(features, base_costs, months)
    loadings = _variant_loadings(variants, correlation or Correlation(), seed, block, months, trials)
    for index, feature in enumerate(features):
        if feature.requests_per_month == 0.0 or feature.launch_month >= months:
            continue
        amounts = [_variant_amount(v, index, base_costs[index], months) for v in variants]
        season = seasonality_factors(feature, months=months, start_calendar_month=start_calendar_month)
        rng = generator(seed, block, API_PATH, index)
        feature_term[index] = _simulate_feature(
            feature,
            rng,
            season,
            amounts,
            variants,
            monthly,
            workspace,
            term_variant,
            group_draws,
            weights[index],
            loadings,
        )
    return ApiBlock(
        monthly_spend_usd=np.ascontiguousarray(monthly.transpose(0, 2, 1)),
        feature_term_spend_usd=feature_term,
        group_draws=group_draws,
    )


def _draw_weights(features: Sequence[FeatureInput], base_costs: list[float], months: int) -> list[float]:
    """Each feature's share of the deterministic list spend rate (requests x cost per request x live
    months): the weight of its draws in the per-trial group summaries. Fixed by the inputs, so a block's
    summaries depend on (seed, block) alone."""
    rates = [
        f.requests_per_month * c * max(months - f.launch_month, 0)
        for f, c in zip(features, base_costs, strict=True)
    ]
    total = sum(rates)
    return [r / total if total > 0.0 else 0.0 for r in rates]


class _Workspace:
    """Two flat work buffers reused by every feature of a block (no allocation per feature)."""

    def __init__(self, trials: int, months: int) -> None:
        self.trials = trials
        self._noise = np.empty(trials * months)
        self._path = np.empty(trials * months)

    def arrays(self, live_months: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Contiguous (live_months, trials) views: the log noise and the path."""
        size = self.trials * live_months
        shape = (live_months, self.trials)
        return self._noise[:size].reshape(shape), self._path[:size].reshape(shape)


Amount = float | NDArray[np.float64]  # USD per request: one for the term, or one per month (switches)
Loading = Factor | None  # the features factor F a variant's draws load on; None: independent


def _variant_amount(variant: ApiVariant, index: int, base_cost_usd: float, months: int) -> Amount:
    """USD per request of one feature in one variant, tokens scale included; per month with switches."""
    cost = base_cost_usd if variant.cost_per_request_usd is None else variant.cost_per_request_usd[index]
    if not variant.switches:
        return cost * variant.tokens_scale
    per_month = np.full(months, cost * variant.tokens_scale)
    for month, costs in variant.switches:
        per_month[month:] = costs[index] * variant.tokens_scale
    return per_month


def _peak(amount: Amount) -> float:
    return float(np.max(amount))


def _simulate_feature(
    feature: FeatureInput,
    rng: np.random.Generator,
    season: NDArray[np.float64],
    amounts: list[Amount],
    variants: Sequence[ApiVariant],
    monthly: NDArray[np.float64],
    workspace: _Workspace,
    term_variant: int = 0,
    group_draws: NDArray[np.float64] | None = None,
    weight: float = 0.0,
    loadings: Sequence[Loading] | None = None,
) -> NDArray[np.float64]:
    """Add one feature's spend to `monthly` (V, T, n) for every variant; return variant `term_variant`'s
    term spend. With `group_draws` (2, n), add `weight` x log(1 + G) (base growth) and x log K to its rows.
    `loadings`: per variant, the features factor its growth and monthly noise load on, or None
    (independent); variant 0's loaded draws are the ones summarised in `group_draws`."""
    launch = feature.launch_month
    raw, factors, noise, path = _draw_feature(feature, rng, monthly.shape[1] - launch, workspace)
    loadings = loadings or [None] * len(variants)
    loaded = {id(c): raw if c is None else loaded_uniforms(raw, c.loading, c.trial) for c in loadings}
    common = {id(c): c for c in loadings}
    uniforms = loaded[id(loadings[0])]
    if group_draws is not None and weight > 0.0:
        group_draws[0] += weight * np.log1p(growth_draws(uniforms, feature.growth, feature.growth_sd))
        group_draws[1] += weight * factors[1]
    with np.errstate(divide="ignore"):  # a zero seasonal factor is a month with no traffic
        log_base = np.log(season[launch:] * feature.requests_per_month)
    live_months = np.arange(len(log_base), dtype=np.float64)
    term = np.zeros(len(uniforms))
    keys = [(variant.growth_shift, id(c)) for variant, c in zip(variants, loadings, strict=True)]
    for key in dict.fromkeys(keys):
        shift, uniforms = key[0], loaded[key[1]]
        members = [v for v, k in enumerate(keys) if k == key]
        # The first term-long amount is the reference (the base's, so the base path is scaled by exactly 1).
        scalars = [a for v in members if isinstance(a := amounts[v], float) and a > 0.0]
        reference = scalars[0] if scalars else max((_peak(amounts[v]) for v in members), default=0.0)
        if reference == 0.0:
            continue
        factors[0] = np.log1p(growth_draws(uniforms, feature.growth + shift, feature.growth_sd))
        # log S = [t - L, 1, log(R0 season_t amount)] @ [log(1+G); log K; 1] (+ noise): one BLAS pass
        # builds the deterministic part of every (month, trial) log, cheaper than broadcast passes.
        month_terms = np.stack([live_months, np.ones(len(log_base)), log_base + math.log(reference)], axis=1)
        np.matmul(month_terms, factors, out=path)
        if noise is not None:
            _add_noise(path, noise, common[key[1]], feature.volatility, launch)
        np.exp(path, out=path)
        for v in members:
            _accumulate(monthly[v, launch:], path, _live(amounts[v], launch) / reference)
        if term_variant in members:
            amount = amounts[term_variant]
            if isinstance(amount, float):
                term = (np.ones(len(log_base)) @ path) * (amount / reference)
            else:
                term = (amount[launch:] / reference) @ path
    return term


def _add_noise(
    path: NDArray[np.float64], noise: NDArray[np.float64], factor: Loading, volatility: float, launch: int
) -> None:
    """path += the monthly log noise: the feature's own (volatility x Z_t), or with a features factor
    sqrt(1 - l^2) x own + l x volatility x F_t (F_t of the feature's live months)."""
    if factor is None:
        path += noise
        return
    path += math.sqrt(1.0 - factor.loading**2) * noise
    path += (factor.loading * volatility) * factor.monthly[launch:]


def _variant_loadings(
    variants: Sequence[ApiVariant], correlation: Correlation, seed: int, block: int, months: int, trials: int
) -> list[Loading]:
    """Per variant, what its growth draws load on; one object per distinct correlation (the factor is
    drawn once per correlation: its `paths` loading changes F)."""
    by_correlation: dict[Correlation, Loading] = {}
    out = []
    for variant in variants:
        c = variant.correlation or correlation
        if c not in by_correlation:
            by_correlation[c] = features_factor(c, seed, block, months=months, trials=trials)
        out.append(by_correlation[c])
    return out


def loaded_uniforms(uniforms: PerTrial, loading: float, factor: PerTrial) -> PerTrial:
    """Phi(loading x factor + sqrt(1 - loading^2) x Phi^-1(U)): uniforms whose normals load on the factor.

    Kept strictly below 1 (the largest double below 1), as `rng.random` draws are, so the growth's upper
    tail never rounds to 0 (a U of 0 maps to the lower bound, as it did before loading)."""
    with np.errstate(divide="ignore"):  # U = 0 is Phi^-1 = -inf, mapped back to 0
        normals = load(loading, factor, special.ndtri(uniforms))
    return np.asarray(np.minimum(special.ndtr(normals), _BELOW_ONE), dtype=np.float64)


def _live(amount: Amount, launch: int) -> Amount:
    """An amount over the feature's live months (from its launch month on)."""
    return amount if isinstance(amount, float) else amount[launch:]


def _draw_feature(
    feature: FeatureInput, rng: np.random.Generator, live_months: int, workspace: _Workspace
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None, NDArray[np.float64]]:
    """Draw in the fixed order (growth uniforms, tokens normals, monthly noise); return the work arrays."""
    trials = workspace.trials
    uniforms = np.asarray(rng.random(trials), dtype=np.float64)
    factors = np.empty((3, trials))  # rows: log(1 + G) (per variant), log K, 1
    factors[1] = feature.tokens_sd * rng.standard_normal(trials)
    factors[2] = 1.0
    noise, path = workspace.arrays(live_months)
    if feature.volatility == 0.0:
        return uniforms, factors, None, path
    # volatility x Z by one gather from the scaled table (65,536 values): no pass over the noise to scale it.
    np.take(_NORMAL_TABLE_64 * feature.volatility, normal_bits(rng, noise.shape), out=noise, mode="wrap")
    return uniforms, factors, noise, path


def _accumulate(target: NDArray[np.float64], path: NDArray[np.float64], scale: Amount) -> None:
    """target += scale * path, without a temporary when scale is 1 (the base variant); a per-month scale
    multiplies each month's row by its own factor, the same product a term-long scale would give."""
    if isinstance(scale, np.ndarray):
        target += scale[:, None] * path
    elif scale == 1.0:
        target += path
    elif scale != 0.0:
        target += scale * path


def _validate_block(
    features: Sequence[FeatureInput], *, months: int, start_calendar_month: int, trials: int
) -> None:
    if months < 1 or trials < 1 or not 1 <= start_calendar_month <= 12:
        raise ValueError("months and trials must be >= 1 and start_calendar_month in 1..12")
    for f in features:
        rates = (
            f.growth_sd,
            f.volatility,
            f.tokens_sd,
            f.requests_per_month,
            f.input_tokens,
            f.output_tokens,
        )
        if min(rates) < 0.0 or not all(math.isfinite(x) for x in (*rates, f.growth)):
            raise ValueError(f"feature {f.name}: volumes, tokens and standard deviations must be finite >= 0")
        if f.growth <= -1.0 or f.launch_month < 0:
            raise ValueError(f"feature {f.name}: growth must be > -1 and launch_month >= 0")


def _validate_variants(variants: Sequence[ApiVariant], feature_count: int, months: int) -> None:
    if not variants:
        raise ValueError("at least one variant is needed")
    for v in variants:
        if v.tokens_scale < 0.0 or not math.isfinite(v.growth_shift):
            raise ValueError(f"variant {v.name}: tokens_scale must be >= 0 and growth_shift finite")
        costs = v.cost_per_request_usd
        if costs is not None and (len(costs) != feature_count or min(costs, default=0.0) < 0.0):
            raise ValueError(f"variant {v.name}: one cost per request >= 0 per feature is needed")
        switch_months = [month for month, _ in v.switches]
        if switch_months != sorted(set(switch_months)) or not all(0 <= m < months for m in switch_months):
            raise ValueError(f"variant {v.name}: switch months must be ascending and within the term")
        if any(len(c) != feature_count or min(c, default=0.0) < 0.0 for _, c in v.switches):
            raise ValueError(f"variant {v.name}: each switch needs one cost per request >= 0 per feature")
