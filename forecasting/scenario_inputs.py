"""Scenario document + catalog snapshot -> engine inputs.

Pure data in, frozen dataclasses out (no ORM), so the same conversion serves the Celery task, the CLI,
the benchmarks and the tests. The document is the normalised scenario JSON in docs/scenario.md (defaults
filled in by `procurement.scenario_document.validate_scenario_document`); the catalog is the dict of
`procurement.models.catalog_snapshot`, the exact prices a run records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forecasting.engine.inputs import (
    DEFAULT_COMMITMENT_GRANULARITY_USD,
    ApiContract,
    Correlation,
    DiscountBand,
    FeatureInput,
    ForecastInput,
    LeverTargets,
    PlannedLever,
    SeatContract,
    SeatPlan,
    TeamInput,
)
from forecasting.engine.pricing import catalog_model_price

# fixed block size (docs/operations.md#running-forecasts): never depends on how many workers run the blocks
BLOCK_TRIALS = 5_000


def forecast_input(
    document: Mapping[str, Any],
    catalog: Mapping[str, Any],
    *,
    seed: int,
    trials: int | None = None,
    block_trials: int = BLOCK_TRIALS,
) -> ForecastInput:
    """Resolve every catalog number a scenario refers to and build the engine's input."""
    start = document["start_month"]
    return ForecastInput(
        name=document["name"],
        start_month=start,
        term_months=int(document["term_months"]),
        trials=int(trials if trials is not None else document["simulation"]["trials"]),
        seed=int(seed),
        api_contract=_api_contract(document["contract"]["api"]),
        seat_contract=_seat_contract(document["contract"]["seats"]),
        teams=tuple(_team(t, catalog) for t in document.get("teams", [])),
        features=tuple(_feature(f) for f in document.get("features", [])),
        models=tuple(catalog_model_price(m) for m in catalog["models"]),
        plans=tuple(plans_in_force(catalog["plans"], start)),
        catalog_slug=catalog["slug"],
        catalog_as_of=catalog["as_of"],
        block_trials=block_trials,
        planned_levers=tuple(_planned_lever(p, start) for p in document.get("planned_levers", [])),
        correlation=_correlation(document.get("correlation", {})),
    )


def _correlation(raw: Mapping[str, Any]) -> Correlation:
    """The section's loadings; an absent loading (or section) is 0, independent
    (docs/scenario.md#correlation)."""
    return Correlation(**{name: float(raw.get(name, 0.0)) for name in ("teams", "features", "paths")})


def _planned_lever(raw: Mapping[str, Any], start_month: str) -> PlannedLever:
    """A planned lever with its start month as a 0-based offset from the scenario's start month."""
    year, month = (int(x) for x in raw["start_month"].split("-"))
    offset = (year - int(start_month[:4])) * 12 + month - int(start_month[5:7])
    return PlannedLever(lever=raw["lever"], start_month=offset)


def plans_in_force(rows: list[Mapping[str, Any]], start_month: str) -> list[SeatPlan]:
    """One row per Claude Code plan key: the latest `valid_from` on or before the start, else the earliest."""
    month = f"{start_month}-01"
    chosen: dict[str, Mapping[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["valid_from"]):
        if not row.get("includes_claude_code", True):
            continue
        if row["key"] not in chosen or row["valid_from"] <= month:
            chosen[row["key"]] = row
    return [
        SeatPlan(
            key=r["key"],
            monthly_usd=float(r["monthly_usd"]),
            annual_monthly_usd=None if r["annual_monthly_usd"] is None else float(r["annual_monthly_usd"]),
            capacity_usd=float(r["capacity_usd"]),
            capacity_sd=float(r["capacity_sd"]),
            overflow=r["overflow"],
            min_seats=int(r["min_seats"]),
            # A snapshot saved before the field existed: "team", what it was computed with.
            min_seats_scope=r.get("min_seats_scope", "team"),
        )
        for r in chosen.values()
    ]


def _api_contract(raw: Mapping[str, Any]) -> ApiContract:
    return ApiContract(
        commitment_period_months=int(raw["commitment_period_months"]),
        discount_bands=tuple(
            DiscountBand(float(b["min_commitment"]), float(b["discount"])) for b in raw["discount_bands"]
        ),
        overage=raw["overage"],
        rollover_share=float(raw["rollover_share"]),
        ramp_allowed=bool(raw["ramp_allowed"]),
        max_unused_probability=raw["max_unused_probability"],
        claude_code_api_usage_counts=bool(raw["claude_code_api_usage_counts"]),
        # A document saved before the field existed carries none: the default (false) applies.
        extra_usage_counts=bool(raw.get("extra_usage_counts", False)),
        # A document saved before the field existed carries none: the scenario default applies.
        commitment_granularity_usd=float(
            raw.get("commitment_granularity_usd", DEFAULT_COMMITMENT_GRANULARITY_USD)
        ),
    )


def _seat_contract(raw: Mapping[str, Any]) -> SeatContract:
    return SeatContract(
        annual_term=bool(raw["annual_term"]), blocked_usage_value=float(raw["blocked_usage_value"])
    )


def _team(raw: Mapping[str, Any], catalog: Mapping[str, Any]) -> TeamInput:
    median, p90 = raw.get("usage_median_usd"), raw.get("usage_p90_usd")
    if raw.get("usage_preset"):
        preset = next(p for p in catalog["usage_presets"] if p["key"] == raw["usage_preset"])
        median, p90 = preset["median_usd"], preset["p90_usd"]
    return TeamInput(
        name=raw["name"],
        headcount_now=float(raw["headcount_now"]),
        headcount_end=float(raw["headcount_end"]),
        headcount_sd=float(raw["headcount_sd"]),
        adoption_now=float(raw["adoption_now"]),
        adoption_end=float(raw["adoption_end"]),
        usage_median_usd=float(median),  # type: ignore[arg-type]
        usage_p90_usd=float(p90),  # type: ignore[arg-type]
        usage_persistence=float(raw["usage_persistence"]),
        usage_growth=float(raw["usage_growth"]),
        usage_growth_sd=float(raw["usage_growth_sd"]),
        usage_volatility=float(raw["usage_volatility"]),
        allowed_plans=tuple(raw["allowed_plans"]),
    )


def _feature(raw: Mapping[str, Any]) -> FeatureInput:
    levers = raw.get("levers")
    return FeatureInput(
        name=raw["name"],
        requests_per_month=float(raw["requests_per_month"]),
        model_mix=tuple((k, float(v)) for k, v in raw["model_mix"].items()),
        input_tokens=float(raw["input_tokens"]),
        output_tokens=float(raw["output_tokens"]),
        launch_month=int(raw["launch_month"]),
        growth=float(raw["growth"]),
        growth_sd=float(raw["growth_sd"]),
        volatility=float(raw["volatility"]),
        tokens_sd=float(raw["tokens_sd"]),
        cache_hit_rate=float(raw["cache_hit_rate"]),
        cache_write_rate=float(raw["cache_write_rate"]),
        cache_ttl=raw.get("cache_ttl", "5m"),
        batch_share=float(raw["batch_share"]),
        seasonality=tuple(float(x) for x in raw["seasonality"]) if raw.get("seasonality") else None,
        levers=_levers(levers) if levers else None,
    )


def _levers(raw: Mapping[str, Any]) -> LeverTargets:
    mix = raw.get("model_mix")
    return LeverTargets(
        model_mix=tuple((k, float(v)) for k, v in mix.items()) if mix else None,
        cache_hit_rate=raw.get("cache_hit_rate"),
        batch_share=raw.get("batch_share"),
    )
