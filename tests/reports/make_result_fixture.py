"""Writes `tests/fixtures/result_example.json`: a forecast result (docs/result.md) for the brief's tests.

This is not the engine. It is a small, self-contained NumPy simulation of a demo-sized scenario (24 months
in two 12-month periods, 4 teams, 6 features, the catalog in `tests/fixtures/catalog_example.json`), so
that every number in the fixture is internally consistent: the curve's minimum is the recommendation, the
total is API plus seats, quantiles are ordered, concessions and levers are re-optimisations over the same
samples. The scenario and its API path are in `tests/reports/fixture_model.py`, the seats (a coarse model:
one lognormal per team, no per-engineer persistence) in `tests/reports/fixture_seats.py`; this module
assembles them into the typed result contract (`forecasting.engine.contract`). The JSON is committed;
rerun this only to change the fixture:

    .venv/bin/python -m tests.reports.make_result_fixture
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from forecasting.engine.contract import (
    ApiPeriod,
    CommitmentPoint,
    CostBand,
    Distribution,
    ForecastResult,
    PlanCost,
    Team,
)
from forecasting.engine.summary import month_spend
from tests.reports.fixture_analyses import blended, concessions, levers, se, sensitivity
from tests.reports.fixture_model import (
    BANDS,
    FEATURES,
    FIXTURES,
    MONTHS,
    PERIOD_MONTHS,
    SEED,
    SENSITIVITY_TRIALS,
    TEAMS,
    TRIALS,
    Array,
    api_spend,
    best_single,
    catalog,
    cost_per_request,
    discount_of,
    feature_units,
    settle,
    term_cost,
)
from tests.reports.fixture_model import Team as TeamInput
from tests.reports.fixture_seats import simulate_seats

BLOCK_TRIALS = 5_000


def dist(samples: Array) -> Distribution:
    return {
        "mean": float(samples.mean()),
        "p5": float(np.quantile(samples, 0.05)),
        "p50": float(np.quantile(samples, 0.5)),
        "p95": float(np.quantile(samples, 0.95)),
    }


def band3(samples: Array) -> CostBand:
    return {
        "p5": float(np.quantile(samples, 0.05)),
        "p50": float(np.quantile(samples, 0.5)),
        "p95": float(np.quantile(samples, 0.95)),
    }


def month_label(offset: int) -> str:
    return f"{2027 + offset // 12}-{offset % 12 + 1:02d}"


def point(spend: Array, commitment: float) -> CommitmentPoint:
    """A commitment for one period, settled on the period's spend."""
    s = settle(spend, commitment)
    return {
        "commitment": commitment,
        "discount": discount_of(commitment),
        "expected_cost": float(s["cost"].mean()),
        "expected_unused": float(s["unused"].mean()),
        "probability_unused": float((s["unused"] > 0).mean()),
        "expected_overage": float(s["overage"].mean()),
        "p95_cost": float(np.quantile(s["cost"], 0.95)),
    }


def period_block(index: int, spend: Array, c: float, baselines: dict[str, float]) -> ApiPeriod:
    points = np.unique(
        np.concatenate([np.round(np.linspace(0, 1_800_000, 37), -3), [b for b, _ in BANDS], [c]])
    )
    p5, p10, p50, p90, p95 = (float(np.quantile(spend, q / 100)) for q in (5, 10, 50, 90, 95))
    return {
        "index": index,
        "start_month": month_label(index * PERIOD_MONTHS),
        "months": PERIOD_MONTHS,
        "spend": {"mean": float(spend.mean()), "p5": p5, "p10": p10, "p50": p50, "p90": p90, "p95": p95},
        "recommended": point(spend, c),
        "curve": [point(spend, float(p)) for p in points],
        "baselines": {
            "no_commitment": point(spend, baselines["no_commitment"]),
            "run_rate": point(spend, baselines["run_rate"]),
            "median": point(spend, baselines["median"]),
        },
    }


def commitment_standard_error(periods: list[Array], batches: int = 4) -> float:
    """Batch means: the best single commitment on each quarter of the trials, its spread over sqrt(4)."""
    size = TRIALS // batches
    best = [best_single([p[b * size : (b + 1) * size] for p in periods]) for b in range(batches)]
    return float(np.std(best, ddof=1) / np.sqrt(batches))


def build() -> ForecastResult:
    cat = catalog()
    models = {m["key"]: m for m in cat["models"]}
    plans = {p["key"]: p for p in cat["plans"]}
    units = feature_units(np.random.default_rng([SEED, 1]))
    costs = [cost_per_request(f, models) for f in FEATURES]
    monthly = api_spend(units, costs)
    periods = [monthly[:, :12].sum(axis=1), monthly[:, 12:].sum(axis=1)]
    c_star = best_single(periods)
    api_cost = term_cost(periods, c_star)

    run_rate = float(np.round(np.median(monthly[:, 0]) * PERIOD_MONTHS, -3))
    median = float(np.round(np.median((periods[0] + periods[1]) / 2), -3))
    baselines = {"no_commitment": 0.0, "run_rate": run_rate, "median": median}
    for b in baselines.values():
        assert term_cost(periods, b).mean() >= api_cost.mean(), "recommendation must beat every baseline"

    seats = simulate_seats(plans)
    seat_cost = sum(s["cost"] for s in seats)
    api_billed = sum(s["api_billed"] for s in seats)
    total = api_cost + seat_cost
    sub = total[:SENSITIVITY_TRIALS]
    tornado, sensitivity_baseline = sensitivity(models, plans, seat_cost, sub)
    commitment_se = commitment_standard_error(periods)
    return {
        "simulation": {
            "trials": TRIALS,
            "seed": SEED,
            "engine_version": "0.1.0",
            "seconds": 3.8,
            "block_trials": BLOCK_TRIALS,
            "blocks": TRIALS // BLOCK_TRIALS,
        },
        "catalog": {"slug": cat["slug"], "as_of": cat["as_of"]},
        "api": {
            "monthly": [month_spend(month_label(t), dist(monthly[:, t])) for t in range(MONTHS)],
            "features": [
                {"name": f.name, "spend": dist((u * c).sum(axis=1))}
                for f, u, c in zip(FEATURES, units, costs, strict=True)
            ],
            # Engineers on API billing are paid with the seats here: their usage does not draw down the
            # commitment, so the total counts it once (in the seats).
            "claude_code_api_usage_counts": False,
            "claude_code_api_spend": dist(api_billed),
            "expected_cost": float(api_cost.mean()),
            "cost": band3(api_cost),
            "expected_unused": float(np.mean(sum(settle(p, c_star)["unused"] for p in periods))),
            "periods": [period_block(i, p, c_star, baselines) for i, p in enumerate(periods)],
        },
        "seats": {
            "teams": [team_block(t, s) for t, s in zip(TEAMS, seats, strict=True)],
            "expected_cost": float(seat_cost.mean()),
            "cost": band3(seat_cost),
        },
        "total": {"expected_cost": float(total.mean()), "cost": band3(total)},
        "blended_vs_separated": blended(periods, c_star, api_cost, seat_cost),
        "token_levers": levers(units, models, api_cost),
        "concessions": concessions(periods, api_cost, seats, plans),
        "sensitivity": tornado,
        "sensitivity_baseline": sensitivity_baseline,
        "diagnostics": {
            "standard_errors": {
                "total_expected_cost": se(total),
                "api_expected_cost": se(api_cost),
                "seats_expected_cost": se(seat_cost),
                "commitment": [commitment_se, commitment_se],
                "sensitivity_expected_cost": se(sub),
            },
            "warnings": [
                'Team "Data science" has 41 days of usage history (fewer than 60): '
                "intensity uses the heavy preset.",
                "Plan capacities are community measurements, not published limits: "
                "treat seat overflow as an estimate.",
                'Feature "Sales email drafts" launches in month 4 (2027-05): '
                "its first-month volume is a plan, not data.",
            ],
        },
    }


def team_block(team: TeamInput, sim: dict[str, Any]) -> Team:
    decision = sim["decision"]
    plan_costs: list[PlanCost] = [
        {"plan": k, "expected_cost_per_engineer_month": v} for k, v in decision["plan_costs"].items()
    ]
    return {
        "name": team.name,
        "mix": [row for row in sim["mix"] if row["share"] > 0.005],
        "plan_costs": plan_costs,
        "break_even": decision["break_even"],
        "plan_cost_curve": decision["plan_cost_curve"],
        "best_single_plan": min(plan_costs, key=lambda c: float(c["expected_cost_per_engineer_month"])),
        "expected_cost": float(sim["cost"].mean()),
        "cost": band3(sim["cost"]),
        "expected_seat_fees": float(np.mean(sim["fees"])),
        "expected_idle_seat_cost": float(sim["idle"].mean()),
        "expected_extra_usage": float(np.mean(sim["extra"])),
        "expected_blocked_usage": float(np.mean(sim["blocked"])),
        "expected_api_billed_usage": float(np.mean(sim["api_billed"])),
        "warnings": [],
    }


def main() -> None:
    result = build()
    path = FIXTURES / "result_example.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
