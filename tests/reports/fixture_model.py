"""The example scenario of `make_result_fixture` and its API path: features, teams, spend and settlement.

Not the engine: a small, self-contained NumPy model whose numbers are internally consistent (see
`tests/reports/make_result_fixture.py`, which assembles the result from these pieces).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRIALS, SEED, MONTHS, PERIOD_MONTHS = 20_000, 7, 24, 12
SENSITIVITY_TRIALS = 5_000
BANDS = ((0.0, 0.0), (250_000.0, 0.10), (1_000_000.0, 0.15))
GRID = np.unique(np.concatenate([np.arange(0.0, 2_000_001.0, 2_500.0), [b for b, _ in BANDS]]))


@dataclass(frozen=True)
class Feature:
    name: str
    requests: float
    growth: float
    growth_sd: float
    volatility: float
    input_tokens: float
    output_tokens: float
    tokens_sd: float
    mix: dict[str, float]
    hit: float
    write: float
    batch: float
    launch: int = 0
    levers: dict[str, Any] = field(default_factory=dict)


FEATURES = (
    Feature(
        "Support summariser",
        2_500_000,
        0.03,
        0.02,
        0.10,
        3000,
        400,
        0.10,
        {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": 0.2},
        0.5,
        0.05,
        0.3,
        levers={"model_mix": {"claude-haiku-4-5": 1.0}, "cache_hit_rate": 0.8, "batch_share": 0.6},
    ),
    Feature(
        "Code review bot",
        200_000,
        0.035,
        0.03,
        0.15,
        12000,
        1500,
        0.15,
        {"claude-opus-4-5": 0.6, "claude-sonnet-4-5": 0.4},
        0.6,
        0.08,
        0.0,
        levers={"cache_hit_rate": 0.75},
    ),
    Feature(
        "Search answers",
        1_200_000,
        0.02,
        0.02,
        0.08,
        6000,
        300,
        0.10,
        {"claude-haiku-4-5": 1.0},
        0.4,
        0.05,
        0.0,
    ),
    Feature(
        "Document extraction",
        300_000,
        0.015,
        0.02,
        0.12,
        20000,
        2000,
        0.20,
        {"claude-sonnet-4-5": 1.0},
        0.1,
        0.0,
        0.8,
        levers={"batch_share": 0.95},
    ),
    Feature(
        "Sales email drafts",
        500_000,
        0.06,
        0.04,
        0.15,
        1500,
        600,
        0.10,
        {"claude-sonnet-4-6": 1.0},
        0.3,
        0.05,
        0.0,
        launch=4,
    ),
    Feature(
        "Internal chat assistant",
        800_000,
        0.02,
        0.02,
        0.10,
        4000,
        700,
        0.15,
        {"claude-sonnet-4-5": 0.5, "claude-haiku-4-5": 0.5},
        0.6,
        0.05,
        0.0,
        levers={"model_mix": {"claude-haiku-4-5": 0.8, "claude-sonnet-4-5": 0.2}, "cache_hit_rate": 0.8},
    ),
)


@dataclass(frozen=True)
class Team:
    name: str
    headcount_now: float
    headcount_end: float
    headcount_sd: float
    adoption_now: float
    adoption_end: float
    median_usd: float
    p90_usd: float
    plans: tuple[str, ...]


TEAMS = (
    Team("Platform", 40, 55, 0.10, 0.60, 0.85, 150, 600, ("api", "pro", "max_5x", "max_20x")),
    Team("Mobile", 18, 22, 0.10, 0.50, 0.80, 100, 400, ("api", "pro", "max_5x")),
    Team("Data science", 25, 30, 0.15, 0.70, 0.90, 800, 3000, ("api", "max_5x", "max_20x")),
    Team("Frontend", 30, 34, 0.10, 0.40, 0.70, 40, 150, ("api", "pro")),
)


def catalog() -> dict[str, Any]:
    return json.loads((FIXTURES / "catalog_example.json").read_text())  # type: ignore[no-any-return]


# ---------------------------------------------------------------- API path


def cost_per_request(f: Feature, models: dict[str, Any], **override: Any) -> float:
    mix = override.get("model_mix", f.mix)
    hit = min(override.get("cache_hit_rate", f.hit), 1 - f.write)
    batch = override.get("batch_share", f.batch)
    total = 0.0
    for key, share in mix.items():
        m = models[key]
        p_in, p_out = m["input_usd_per_mtok"], m["output_usd_per_mtok"]
        uncached = 1 - hit - f.write
        input_usd = f.input_tokens * p_in * (uncached + hit * 0.1 + f.write * 1.25)
        total += share * (input_usd + f.output_tokens * p_out) / 1e6
    return float(total * (1 - batch * 0.5))


def feature_units(rng: np.random.Generator, growth_shift: float = 0.0) -> list[Array]:
    """Requests x tokens multiplier per (trial, month) for each feature (price applied later)."""
    t = np.arange(MONTHS)
    out = []
    for f in FEATURES:
        g = np.maximum(rng.normal(f.growth, f.growth_sd, TRIALS) + growth_shift, -0.99)
        k = np.exp(f.tokens_sd * rng.standard_normal(TRIALS))
        z = rng.standard_normal((TRIALS, MONTHS))
        age = np.maximum(t - f.launch, 0)
        units = f.requests * (1 + g)[:, None] ** age * np.exp(f.volatility * z) * k[:, None]
        units[:, t < f.launch] = 0.0
        out.append(units)
    return out


def api_spend(units: list[Array], costs: list[float], tokens_scale: float = 1.0) -> Array:
    return sum(u * c for u, c in zip(units, costs, strict=True)) * tokens_scale  # type: ignore[return-value]


def discount_of(commitment: float, bands: tuple[tuple[float, float], ...] = BANDS) -> float:
    return max(d for floor, d in bands if commitment >= floor)


def settle(
    spend: Array, c: float, bands: Any = BANDS, overage: str = "list", credit: Any = 0.0
) -> dict[str, Array]:
    d = discount_of(c, bands)
    available = c + credit
    consumed = (1 - d) * spend
    unused = np.maximum(available - consumed, 0.0)
    over = (
        np.maximum(spend - available / (1 - d), 0.0)
        if overage == "list"
        else np.maximum(consumed - available, 0.0)
    )
    return {"cost": c + over, "unused": unused, "overage": over, "discount": np.full_like(spend, d)}


def term_cost(
    periods: list[Array], c: float, bands: Any = BANDS, overage: str = "list", rollover: float = 0.0
) -> Array:
    total, credit = np.zeros_like(periods[0]), np.zeros_like(periods[0])
    for spend in periods:
        s = settle(spend, c, bands, overage, credit)
        total += s["cost"]
        credit = rollover * s["unused"]
    return total


def best_single(periods: list[Array], **kw: Any) -> float:
    means = [term_cost(periods, c, **kw).mean() for c in GRID]
    return float(GRID[int(np.argmin(means))])


def best_per_period(spend: Array, **kw: Any) -> float:
    means = [settle(spend, c, **kw)["cost"].mean() for c in GRID]
    return float(GRID[int(np.argmin(means))])
