"""Hypothesis strategies for valid scenario documents (every rule in docs/scenario.md respected).

Optional keys are left out at random so defaults get filled in; values span their whole bounds.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from procurement.scenario_document import CatalogKeys
from procurement.scenario_document.bounds import FEATURE_BOUNDS, SCENARIO_BOUNDS, TEAM_BOUNDS, Bound

_NAME_ALPHABET = st.characters(
    codec="utf-8", categories=("L", "N", "Zs", "P"), exclude_characters="\x00\x85\xa0\u2028\u2029"
)
names = st.text(_NAME_ALPHABET, min_size=1, max_size=40).map(str.strip).filter(bool)


def number(bound: Bound) -> st.SearchStrategy[float]:
    if bound.integer:
        return st.integers(int(bound.low), int(bound.high))
    return st.floats(
        bound.low, bound.high, exclude_min=bound.low_open, exclude_max=bound.high_open, allow_nan=False
    )


def _maybe(draw: st.DrawFn, target: dict[str, Any], key: str, strategy: st.SearchStrategy[Any]) -> None:
    """Set an optional key, or leave it out so its default applies."""
    if draw(st.booleans()):
        target[key] = draw(strategy)


def _shares(draw: st.DrawFn, keys: list[str]) -> dict[str, float]:
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True))
    weights = [draw(st.floats(0.01, 1.0)) for _ in chosen]
    total = sum(weights)
    return {key: weight / total for key, weight in zip(chosen, weights, strict=True)}


@st.composite
def teams(draw: st.DrawFn, catalog: CatalogKeys, name: str) -> dict[str, Any]:
    team: dict[str, Any] = {"name": name}
    for key in ("headcount_now", "adoption_now"):
        team[key] = draw(number(TEAM_BOUNDS[key]))
    for key in ("headcount_end", "headcount_sd", "adoption_end", "usage_persistence", "usage_growth"):
        _maybe(draw, team, key, number(TEAM_BOUNDS[key]))
    _maybe(draw, team, "usage_growth_sd", number(TEAM_BOUNDS["usage_growth_sd"]))
    _maybe(draw, team, "usage_volatility", number(TEAM_BOUNDS["usage_volatility"]))
    if draw(st.booleans()):
        team["usage_preset"] = draw(st.sampled_from(sorted(catalog.presets)))
    else:
        median = draw(number(TEAM_BOUNDS["usage_median_usd"]))
        team["usage_median_usd"] = median
        team["usage_p90_usd"] = draw(st.floats(median, TEAM_BOUNDS["usage_p90_usd"].high))
    _maybe(draw, team, "allowed_plans", st.lists(st.sampled_from(catalog.plans), min_size=1, unique=True))
    return team


@st.composite
def features(draw: st.DrawFn, catalog: CatalogKeys, name: str, term_months: int) -> dict[str, Any]:
    models = sorted(catalog.models)
    feature: dict[str, Any] = {"name": name, "model_mix": _shares(draw, models)}
    for key in ("requests_per_month", "input_tokens", "output_tokens"):
        feature[key] = draw(number(FEATURE_BOUNDS[key]))
    for key in ("growth", "growth_sd", "volatility", "tokens_sd", "batch_share"):
        _maybe(draw, feature, key, number(FEATURE_BOUNDS[key]))
    _maybe(draw, feature, "launch_month", st.integers(0, term_months - 1))
    hit_rate = draw(st.floats(0.0, 1.0))
    feature["cache_hit_rate"] = hit_rate
    feature["cache_write_rate"] = draw(st.floats(0.0, 1.0).map(lambda u: u * (1.0 - hit_rate)))
    _maybe(draw, feature, "cache_ttl", st.sampled_from(["5m", "1h"]))
    _maybe(
        draw,
        feature,
        "seasonality",
        st.lists(number(FEATURE_BOUNDS["seasonality"]), min_size=12, max_size=12),
    )
    if draw(st.booleans()):
        feature["levers"] = {
            "model_mix": _shares(draw, models) if draw(st.booleans()) else None,
            "cache_hit_rate": draw(st.floats(0.0, 1.0 - feature["cache_write_rate"])),
            "batch_share": draw(st.none() | st.floats(0.0, 1.0)),
        }
    return feature


@st.composite
def bands(draw: st.DrawFn) -> list[dict[str, float]]:
    thresholds = draw(st.lists(st.floats(1.0, 1e9), max_size=4, unique=True))
    discounts = [draw(number(SCENARIO_BOUNDS["discount"])) for _ in range(len(thresholds) + 1)]
    return [
        {"min_commitment": threshold, "discount": discount}
        for threshold, discount in zip([0.0, *sorted(thresholds)], discounts, strict=True)
    ]


@st.composite
def scenario_documents(draw: st.DrawFn, catalog: CatalogKeys) -> dict[str, Any]:
    term = draw(st.integers(1, 60))
    document: dict[str, Any] = {
        "name": draw(names),
        "start_month": f"{draw(st.integers(2000, 2100))}-{draw(st.integers(1, 12)):02d}",
        "term_months": term,
    }
    _maybe(draw, document, "price_catalog", st.just(catalog.slug))
    simulation: dict[str, Any] = {}
    _maybe(draw, simulation, "trials", number(SCENARIO_BOUNDS["trials"]))
    _maybe(draw, simulation, "seed", st.none() | number(SCENARIO_BOUNDS["seed"]))
    api: dict[str, Any] = {}
    _maybe(draw, api, "commitment_period_months", st.integers(1, term))
    _maybe(draw, api, "discount_bands", bands())
    _maybe(draw, api, "overage", st.sampled_from(["list", "committed_rate"]))
    _maybe(draw, api, "rollover_share", number(SCENARIO_BOUNDS["rollover_share"]))
    _maybe(draw, api, "ramp_allowed", st.booleans())
    _maybe(draw, api, "max_unused_probability", st.none() | number(SCENARIO_BOUNDS["max_unused_probability"]))
    _maybe(draw, api, "claude_code_api_usage_counts", st.booleans())
    _maybe(draw, api, "extra_usage_counts", st.booleans())
    seats: dict[str, Any] = {}
    _maybe(draw, seats, "annual_term", st.booleans())
    _maybe(draw, seats, "blocked_usage_value", number(SCENARIO_BOUNDS["blocked_usage_value"]))
    document.update(simulation=simulation, contract={"api": api, "seats": seats})
    team_names = draw(st.lists(names, max_size=3, unique_by=str.casefold))
    document["teams"] = [draw(teams(catalog, name)) for name in team_names]
    feature_names = draw(st.lists(names, max_size=3, unique_by=str.casefold))
    document["features"] = [draw(features(catalog, name, term)) for name in feature_names]
    return document
