"""Shared seat-path test inputs: the catalog's plans and team builders with every driver overridable."""

from __future__ import annotations

from dataclasses import replace

from forecasting.engine.inputs import SeatContract, SeatPlan, TeamInput

# Catalog plans (procurement/migrations/0002_default_catalog.py, 2025 rows; capacities are the catalog's
# labelled assumptions). `pro_blocked` is Pro with its limit enforced instead of extra usage.
PLANS = {
    "pro": SeatPlan("pro", 20.0, 17.0, 105.0, 0.25, "extra_usage"),
    "pro_blocked": SeatPlan("pro_blocked", 20.0, 17.0, 105.0, 0.25, "blocked"),
    "max_5x": SeatPlan("max_5x", 100.0, None, 525.0, 0.25, "extra_usage"),
    "max_20x": SeatPlan("max_20x", 200.0, None, 2100.0, 0.25, "extra_usage"),
    "team_premium": SeatPlan("team_premium", 150.0, 150.0, 656.25, 0.25, "extra_usage", min_seats=5),
}
# Capacity fixed where a closed form needs it.
FIXED_CAPACITY = {k: replace(p, capacity_sd=0.0) for k, p in PLANS.items()}
CONTRACT = SeatContract()


def team(**overrides: object) -> TeamInput:
    """A typical-usage team of 40 growing to 55 engineers, every plan allowed."""
    values: dict[str, object] = {
        "name": "Platform",
        "headcount_now": 40.0,
        "headcount_end": 55.0,
        "headcount_sd": 0.10,
        "adoption_now": 0.6,
        "adoption_end": 0.85,
        "usage_median_usd": 150.0,
        "usage_p90_usd": 600.0,
        "usage_persistence": 0.6,
        "usage_growth": 0.02,
        "usage_growth_sd": 0.01,
        "usage_volatility": 0.15,
        "allowed_plans": ("api", "pro", "max_5x", "max_20x", "team_premium"),
    }
    values.update(overrides)
    return TeamInput(**values)  # type: ignore[arg-type]


def fixed_team(**overrides: object) -> TeamInput:
    """40 engineers, all active, no growth, no shock: only the engineers' own levels and month noise vary."""
    fixed: dict[str, object] = {
        "headcount_now": 40.0,
        "headcount_end": 40.0,
        "headcount_sd": 0.0,
        "adoption_now": 1.0,
        "adoption_end": 1.0,
        "usage_growth": 0.0,
        "usage_growth_sd": 0.0,
        "usage_volatility": 0.0,
    }
    return team(**(fixed | overrides))
