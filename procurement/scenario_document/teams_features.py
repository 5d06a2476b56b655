"""Readers and cross-field rules for the `teams[]` and `features[]` entries of a scenario document."""

from __future__ import annotations

from typing import Any

from procurement.scenario_document.bounds import (
    FEATURE_BOUNDS,
    MODEL_MIX_TOLERANCE,
    TEAM_BOUNDS,
)
from procurement.scenario_document.catalog_keys import CatalogKeys
from procurement.scenario_document.fields import (
    INVALID,
    Errors,
    Field,
    describe_type,
    join,
    number,
    read_choice,
    read_list,
    read_name,
    read_number,
    read_object,
    valid,
)

CACHE_TTLS = ("5m", "1h")
DEFAULT_USAGE_PERSISTENCE = 0.6  # docs/scenario.md: share of log-variance that stays with the engineer


def team_fields(catalog: CatalogKeys) -> dict[str, Field]:
    bound = TEAM_BOUNDS
    presets = tuple(sorted(catalog.presets))
    return {
        "name": Field(read_name),
        "headcount_now": number(bound["headcount_now"]),
        "headcount_end": number(bound["headcount_end"], None),  # None: same as headcount_now
        "headcount_sd": number(bound["headcount_sd"], 0.0),
        "adoption_now": number(bound["adoption_now"]),
        "adoption_end": number(bound["adoption_end"], None),  # None: same as adoption_now
        "usage_preset": Field(lambda v, p, e: None if v is None else read_choice(v, p, e, presets), None),
        "usage_median_usd": number(bound["usage_median_usd"], None, nullable=True),
        "usage_p90_usd": number(bound["usage_p90_usd"], None, nullable=True),
        "usage_persistence": number(bound["usage_persistence"], DEFAULT_USAGE_PERSISTENCE),
        "usage_growth": number(bound["usage_growth"], 0.0),
        "usage_growth_sd": number(bound["usage_growth_sd"], 0.0),
        "usage_volatility": number(bound["usage_volatility"], 0.0),
        "allowed_plans": Field(lambda v, p, e: read_plans(v, p, e, catalog), lambda: list(catalog.plans)),
    }


def read_plans(raw: Any, path: str, errors: Errors, catalog: CatalogKeys) -> Any:
    """A non-empty list of distinct plan keys of the catalog."""
    plans = read_list(raw, path, errors, lambda v, p, e: read_choice(v, p, e, catalog.plans), max_items=50)
    if plans is INVALID or not valid(*plans):
        return INVALID
    if not plans:
        errors.add(path, f"must name at least one plan; the catalog has {', '.join(catalog.plans)}")
        return INVALID
    for index, plan in enumerate(plans):
        if plan in plans[:index]:
            errors.add(f"{path}[{index}]", f"plan {plan!r} is listed twice")
            return INVALID
    return plans


def read_team(raw: Any, path: str, errors: Errors, catalog: CatalogKeys) -> Any:
    team = read_object(raw, path, errors, team_fields(catalog))
    if team is INVALID:
        return INVALID
    if team["headcount_end"] is None:
        team["headcount_end"] = team["headcount_now"]
    if team["adoption_end"] is None:
        team["adoption_end"] = team["adoption_now"]
    _check_usage(team, path, errors)
    return team


def _check_usage(team: dict[str, Any], path: str, errors: Errors) -> None:
    """A preset or both usage numbers (never both, so it is clear which applies), and p90 ≥ median."""
    median, p90, preset = team["usage_median_usd"], team["usage_p90_usd"], team["usage_preset"]
    if not valid(median, p90, preset):
        return
    for key in ("usage_median_usd", "usage_p90_usd"):
        if preset is None and team[key] is None:
            errors.add(join(path, key), "is required unless usage_preset is set")
        elif preset is not None and team[key] is not None:
            errors.add(
                join(path, key), f"must be null when usage_preset is set (preset {preset!r} supplies it)"
            )
    if median is not None and p90 is not None and p90 < median:
        errors.add(join(path, "usage_p90_usd"), f"must be ≥ usage_median_usd ({median:g}), got {p90:g}")


def feature_fields(catalog: CatalogKeys) -> dict[str, Field]:
    bound = FEATURE_BOUNDS
    return {
        "name": Field(read_name),
        "requests_per_month": number(bound["requests_per_month"]),
        "launch_month": number(bound["launch_month"], 0),
        "growth": number(bound["growth"], 0.0),
        "growth_sd": number(bound["growth_sd"], 0.0),
        "volatility": number(bound["volatility"], 0.0),
        "input_tokens": number(bound["input_tokens"]),
        "output_tokens": number(bound["output_tokens"]),
        "tokens_sd": number(bound["tokens_sd"], 0.0),
        "model_mix": Field(lambda v, p, e: read_model_mix(v, p, e, catalog)),
        "cache_hit_rate": number(bound["cache_hit_rate"], 0.0),
        "cache_write_rate": number(bound["cache_write_rate"], 0.0),
        "cache_ttl": Field(lambda v, p, e: read_choice(v, p, e, CACHE_TTLS), "5m"),
        "batch_share": number(bound["batch_share"], 0.0),
        "seasonality": Field(read_seasonality, None),
        "levers": Field(lambda v, p, e: read_levers(v, p, e, catalog), None),
    }


def read_model_mix(raw: Any, path: str, errors: Errors, catalog: CatalogKeys) -> Any:
    """Shares per catalog model, each in [0, 1], summing to 1 within MODEL_MIX_TOLERANCE."""
    if not isinstance(raw, dict) or not raw:
        shown = "an empty object" if raw == {} else describe_type(raw)
        example = '{"claude-sonnet-4-5": 1.0}'
        errors.add(path, f"must be an object of model shares such as {example}, not {shown}")
        return INVALID
    mix: dict[str, Any] = {}
    for key, share in raw.items():
        if key not in catalog.models:
            known = ", ".join(sorted(catalog.models))
            errors.add(join(path, str(key)), f"unknown model {key!r}; the catalog has {known}")
            mix[str(key)] = INVALID
        else:
            mix[key] = read_number(share, join(path, key), errors, FEATURE_BOUNDS["model_share"])
    if not valid(*mix.values()):
        return INVALID
    total = sum(mix.values())
    if abs(total - 1.0) > MODEL_MIX_TOLERANCE:
        errors.add(path, f"shares must sum to 1 (they sum to {total:g})")
        return INVALID
    return mix


def read_seasonality(raw: Any, path: str, errors: Errors) -> Any:
    """Null, or 12 positive calendar-month multipliers, January first."""
    if raw is None:
        return None
    bound = FEATURE_BOUNDS["seasonality"]
    values = read_list(raw, path, errors, lambda v, p, e: read_number(v, p, e, bound), max_items=12)
    if values is INVALID or not valid(*values):
        return INVALID
    if len(values) != 12:
        errors.add(path, f"must have 12 monthly multipliers, January first (got {len(values)})")
        return INVALID
    return values


def read_levers(raw: Any, path: str, errors: Errors, catalog: CatalogKeys) -> Any:
    """Null, or target values of the token levers (docs/decisions.md#token-levers);
    null leaves a lever unchanged."""
    if raw is None:
        return None
    share = FEATURE_BOUNDS["cache_hit_rate"]
    fields = {
        "model_mix": Field(lambda v, p, e: None if v is None else read_model_mix(v, p, e, catalog), None),
        "cache_hit_rate": number(share, None, nullable=True),
        "batch_share": number(share, None, nullable=True),
    }
    levers = read_object(raw, path, errors, fields)
    if levers is not INVALID and all(value is None for value in levers.values()):
        errors.add(path, "set at least one of model_mix, cache_hit_rate, batch_share, or use null")
        return INVALID
    return levers


def read_feature(raw: Any, path: str, errors: Errors, catalog: CatalogKeys) -> Any:
    feature = read_object(raw, path, errors, feature_fields(catalog))
    if feature is INVALID:
        return INVALID
    write_rate = feature["cache_write_rate"]
    hit_rates = [("cache_hit_rate", feature["cache_hit_rate"])]
    levers = feature["levers"]
    if isinstance(levers, dict) and levers["cache_hit_rate"] is not None:
        hit_rates.append(("levers.cache_hit_rate", levers["cache_hit_rate"]))
    for key, hit_rate in hit_rates:
        if valid(write_rate, hit_rate) and hit_rate + write_rate > 1.0:
            message = f"{key} + cache_write_rate must be at most 1 (got {hit_rate + write_rate:g})"
            errors.add(join(path, key), message)
    return feature


def check_unique_names(items: list[Any], path: str, errors: Errors, noun: str) -> None:
    """Names are unique ignoring case, so "Platform" and "platform" cannot both exist."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        name = item["name"] if isinstance(item, dict) else INVALID
        if not isinstance(name, str):
            continue
        first = seen.setdefault(name.casefold(), index)
        if first != index:
            errors.add(f"{path}[{index}].name", f"duplicate {noun} name {name!r} (same as {path}[{first}])")
