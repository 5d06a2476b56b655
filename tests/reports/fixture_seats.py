"""The seats of `make_result_fixture`'s example scenario: one lognormal per team, plans by usage level,
annual seats by a newsvendor rule (no per-engineer persistence: coarse on purpose)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from forecasting.engine.contract import BreakEven, PlanCostCurve, PlanShare
from tests.reports.fixture_model import MONTHS, SEED, TEAMS, TRIALS, Array, Team


def lognormal_sigma(team: Team) -> float:
    return float(np.log(team.p90_usd / team.median_usd) / 1.2816)


def plan_cost_at(plan: dict[str, Any], usage: Array, capacity_scale: float = 1.0) -> Array:
    if plan["key"] == "api":
        return usage
    price = float(plan["annual_monthly_usd"] or plan["monthly_usd"])
    return price + np.maximum(usage - float(plan["capacity_usd"]) * capacity_scale, 0.0)


def decide_mix(
    team: Team, plans: dict[str, dict[str, Any]], median: float, capacity_scale: float
) -> dict[str, Any]:
    """Cheapest plan per usage level on a log grid: shares are lognormal mass, break-evens the switches."""
    sigma = lognormal_sigma(team)
    u = np.exp(np.linspace(np.log(median) - 5 * sigma, np.log(median) + 5 * sigma, 40_001))
    costs = np.stack([plan_cost_at(plans[k], u, capacity_scale) for k in team.plans])
    best = np.argmin(costs, axis=0)
    z = (np.log(u) - np.log(median)) / sigma
    density = np.exp(-0.5 * z**2)
    density /= density.sum()
    shares = {k: float(density[best == i].sum()) for i, k in enumerate(team.plans)}
    extra = {
        k: float((density * np.where(best == i, np.maximum(costs[i] - _price(plans[k]), 0.0), 0.0)).sum())
        for i, k in enumerate(team.plans)
        if k != "api"
    }
    api_usage = float((density * np.where(best == team.plans.index("api"), u, 0.0)).sum())
    switches = np.nonzero(np.diff(best))[0]
    break_even: list[BreakEven] = [
        {
            "from_plan": team.plans[best[i]],
            "to_plan": team.plans[best[i + 1]],
            "monthly_usage_usd": float(u[i]),
        }
        for i in switches
    ]
    per_plan = {k: float((density * costs[i]).sum()) for i, k in enumerate(team.plans)}
    grid = np.geomspace(10.0, 10_000.0, 121)  # the engine's curve grid
    curve: PlanCostCurve = {
        "usage_usd": [float(x) for x in grid],
        "plans": [
            {
                "plan": k,
                "seat_price_usd": _price(plans[k]),
                "capacity_usd": float(plans[k]["capacity_usd"]) * capacity_scale,
                "cost_per_engineer_month": [float(c) for c in plan_cost_at(plans[k], grid, capacity_scale)],
            }
            for k in team.plans
        ],
    }
    return {
        "plan_cost_curve": curve,
        "shares": shares,
        "extra": extra,
        "api_usage": api_usage,
        "break_even": break_even,
        "plan_costs": per_plan,
    }


def _price(plan: dict[str, Any]) -> float:
    return float(plan["annual_monthly_usd"] or plan["monthly_usd"]) if plan["key"] != "api" else 0.0


@dataclass(frozen=True)
class SeatKnobs:
    headcount_scale: float = 1.0
    adoption_shift: float = 0.0
    intensity_scale: float = 1.0
    capacity_scale: float = 1.0
    quarterly: bool = False


def simulate_team(
    team: Team, plans: dict[str, dict[str, Any]], rng: np.random.Generator, knobs: SeatKnobs
) -> dict[str, Any]:
    median = team.median_usd * knobs.intensity_scale
    mix = decide_mix(team, plans, median, knobs.capacity_scale)
    t = np.arange(MONTHS) / (MONTHS - 1)
    end = team.headcount_end * knobs.headcount_scale * np.exp(team.headcount_sd * rng.standard_normal(TRIALS))
    adoption = np.clip(
        team.adoption_now + (team.adoption_end + knobs.adoption_shift - team.adoption_now) * t, 0, 1
    )
    active = (team.headcount_now + (end[:, None] - team.headcount_now) * t) * adoption
    shock = np.exp(0.15 * rng.standard_normal((TRIALS, MONTHS)) - 0.5 * 0.15**2)
    cost = np.zeros(TRIALS)
    idle = np.zeros(TRIALS)
    rows: list[PlanShare] = []
    extra_usd = blocked_usd = fees = api_billed = np.zeros(TRIALS)
    for key in team.plans:
        share, plan = mix["shares"][key], plans[key]
        demand = active * share
        if key == "api":
            api_billed = (active * mix["api_usage"] * shock).sum(axis=1)
            cost += api_billed
            rows.append(
                {
                    "plan": key,
                    "share": share,
                    "annual_seats": 0,
                    "expected_monthly_seats": float(demand.mean()),
                    "annual_seats_by_quarter": None,
                }
            )
            continue
        annual = _annual_seats(demand, plan, knobs.quarterly)
        monthly = np.maximum(demand - annual, 0.0)
        overflow = (active * mix["extra"][key] * shock).sum(axis=1)
        fee = (annual * (plan["annual_monthly_usd"] or 0)).sum(axis=-1) + (monthly * plan["monthly_usd"]).sum(
            axis=1
        )
        cost += fee
        fees = fees + fee
        cost += overflow
        idle += (np.maximum(annual - demand, 0.0) * (plan["annual_monthly_usd"] or 0)).sum(axis=1)
        if plan["overflow"] == "blocked":
            blocked_usd = blocked_usd + overflow
        else:
            extra_usd = extra_usd + overflow
        annual_count = int(np.round(np.mean(annual))) if share > 0 else 0
        rows.append(
            {
                "plan": key,
                "share": share,
                "annual_seats": annual_count,
                "expected_monthly_seats": float(monthly.mean()),
                "annual_seats_by_quarter": None,
            }
        )
    return {
        "cost": cost,
        "idle": idle,
        "extra": extra_usd,
        "blocked": blocked_usd,
        "fees": fees,
        "api_billed": api_billed,
        "mix": rows,
        "decision": mix,
    }


def _annual_seats(demand: Array, plan: dict[str, Any], quarterly: bool) -> Array:
    """Newsvendor on pooled monthly demand: the 1 - annual/monthly price quantile, plan minimum applied."""
    annual_price = plan["annual_monthly_usd"]
    if annual_price is None or demand.max() <= 0:
        return np.zeros(MONTHS)
    fractile = 1 - annual_price / plan["monthly_usd"]
    windows = [range(q, min(q + 3, MONTHS)) for q in range(0, MONTHS, 3)] if quarterly else [range(MONTHS)]
    seats = np.zeros(MONTHS)
    for w in windows:
        level = np.floor(np.quantile(demand[:, list(w)], fractile)) if fractile > 0 else 0.0
        seats[list(w)] = max(level, float(plan["min_seats"]))
    return seats


def simulate_seats(plans: dict[str, dict[str, Any]], knobs: SeatKnobs = SeatKnobs()) -> list[dict[str, Any]]:
    rng = np.random.default_rng([SEED, 2])
    return [simulate_team(team, plans, rng, knobs) for team in TEAMS]
