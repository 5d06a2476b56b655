"""Write `benchmarks/scenarios/large.json`: the reference scenario (docs/quality.md).

100 teams and 20,000 engineers, 200 features, 36 months, 100,000 trials. Generated from a fixed seed so
the file is reproducible: `python -m benchmarks.make_large`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TEAMS, ENGINEERS, FEATURES = 100, 20_000, 200
MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5")
PLANS = ["api", "pro", "max_5x", "max_20x", "team_premium"]
OUT = Path(__file__).with_name("scenarios") / "large.json"


def _teams(rng: np.random.Generator) -> list[dict[str, object]]:
    sizes = rng.multinomial(ENGINEERS - 50 * TEAMS, np.full(TEAMS, 1 / TEAMS)) + 50
    teams = []
    for j, size in enumerate(sizes):
        median = float(np.round(rng.choice([40, 150, 400, 800]) * rng.uniform(0.8, 1.2)))
        teams.append(
            {
                "name": f"Team {j + 1:03d}",
                "headcount_now": int(size),
                "headcount_end": round(size * rng.uniform(1.0, 1.4)),
                "headcount_sd": 0.10,
                "adoption_now": round(float(rng.uniform(0.4, 0.8)), 2),
                "adoption_end": round(float(rng.uniform(0.8, 0.95)), 2),
                "usage_median_usd": median,
                "usage_p90_usd": float(np.round(median * rng.uniform(3.0, 4.5))),
                "usage_persistence": 0.6,
                "usage_growth": 0.02,
                "usage_growth_sd": 0.01,
                "usage_volatility": 0.15,
                "allowed_plans": PLANS,
            }
        )
    return teams


def _features(rng: np.random.Generator) -> list[dict[str, object]]:
    features = []
    for i in range(FEATURES):
        share = round(float(rng.uniform(0.5, 0.9)), 2)
        main, other = rng.choice(len(MODELS), size=2, replace=False)
        features.append(
            {
                "name": f"Feature {i + 1:03d}",
                "requests_per_month": int(10 ** rng.uniform(3.5, 6.0)),
                "launch_month": int(rng.choice([0, 0, 0, 0, 3, 6, 12])),
                "growth": round(float(rng.uniform(0.0, 0.08)), 3),
                "growth_sd": 0.03,
                "volatility": 0.10,
                "input_tokens": int(rng.choice([800, 2000, 3000, 8000])),
                "output_tokens": int(rng.choice([200, 400, 800])),
                "tokens_sd": 0.10,
                "model_mix": {MODELS[main]: share, MODELS[other]: round(1 - share, 2)},
                "cache_hit_rate": round(float(rng.uniform(0.0, 0.6)), 2),
                "cache_write_rate": 0.05,
                "batch_share": round(float(rng.uniform(0.0, 0.4)), 2),
                "levers": {"cache_hit_rate": 0.7, "batch_share": 0.5},
            }
        )
    return features


def build() -> dict[str, object]:
    rng = np.random.default_rng(20_261_122)
    return {
        "name": "Large reference (100 teams, 200 features)",
        "start_month": "2027-01",
        "term_months": 36,
        "price_catalog": "anthropic-list-2026-11",
        "simulation": {"trials": 100_000, "seed": 11},
        "contract": {
            "api": {
                "commitment_period_months": 12,
                "discount_bands": [
                    {"min_commitment": 0, "discount": 0.0},
                    {"min_commitment": 5_000_000, "discount": 0.10},
                    {"min_commitment": 20_000_000, "discount": 0.15},
                ],
                "overage": "list",
                "rollover_share": 0.0,
                "ramp_allowed": False,
                "max_unused_probability": None,
                "claude_code_api_usage_counts": True,
            },
            "seats": {"annual_term": True, "blocked_usage_value": 1.0},
        },
        "teams": _teams(rng),
        "features": _features(rng),
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), indent=1) + "\n")
    print(f"wrote {OUT}")
