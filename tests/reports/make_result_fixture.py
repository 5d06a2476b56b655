"""Writes `tests/fixtures/result_example.json`: a DESIGN section 7 result for the brief's tests.

This is not the engine. It is a small, self-contained NumPy simulation of a demo-sized scenario (24 months
in two 12-month periods, 4 teams, 6 features, the catalog in `tests/fixtures/catalog_example.json`), so
that every number in the fixture is internally consistent: the curve's minimum is the recommendation, the
total is API plus seats, quantiles are ordered, concessions and levers are re-optimisations over the same
samples. Seats use a coarse model (one lognormal per team, no per-engineer persistence). The JSON is
committed; rerun this only to change the fixture:

    .venv/bin/python -m tests.reports.make_result_fixture
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
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


# ---------------------------------------------------------------- seats


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
    break_even = [
        {
            "from_plan": team.plans[best[i]],
            "to_plan": team.plans[best[i + 1]],
            "monthly_usage_usd": float(u[i]),
        }
        for i in switches
    ]
    per_plan = {k: float((density * costs[i]).sum()) for i, k in enumerate(team.plans)}
    return {
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
    rows = []
    extra_usd = blocked_usd = np.zeros(TRIALS)
    for key in team.plans:
        share, plan = mix["shares"][key], plans[key]
        demand = active * share
        if key == "api":
            cost += (active * mix["api_usage"] * shock).sum(axis=1)
            rows.append(
                {
                    "plan": key,
                    "share": share,
                    "annual_seats": 0,
                    "expected_monthly_seats": float(demand.mean()),
                }
            )
            continue
        annual = _annual_seats(demand, plan, knobs.quarterly)
        monthly = np.maximum(demand - annual, 0.0)
        overflow = (active * mix["extra"][key] * shock).sum(axis=1)
        cost += (annual * (plan["annual_monthly_usd"] or 0)).sum(axis=-1) + (
            monthly * plan["monthly_usd"]
        ).sum(axis=1)
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
            }
        )
    return {
        "cost": cost,
        "idle": idle,
        "extra": extra_usd,
        "blocked": blocked_usd,
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


# ---------------------------------------------------------------- result assembly


def dist(samples: Array, qs: tuple[int, ...] = (5, 50, 95)) -> dict[str, float]:
    out = {"mean": float(samples.mean())}
    out.update({f"p{q}": float(np.quantile(samples, q / 100)) for q in qs})
    return out


def band3(samples: Array) -> dict[str, float]:
    return {k: v for k, v in dist(samples).items() if k != "mean"}


def month_label(offset: int) -> str:
    return f"{2027 + offset // 12}-{offset % 12 + 1:02d}"


def period_block(index: int, spend: Array, c: float, baselines: dict[str, float]) -> dict[str, Any]:
    points = np.unique(
        np.concatenate([np.round(np.linspace(0, 1_800_000, 37), -3), [b for b, _ in BANDS], [c]])
    )
    curve = []
    for point in points:
        s = settle(spend, float(point))
        curve.append(
            {
                "commitment": float(point),
                "discount": discount_of(float(point)),
                "expected_cost": float(s["cost"].mean()),
                "expected_unused": float(s["unused"].mean()),
                "expected_overage": float(s["overage"].mean()),
                "p95_cost": float(np.quantile(s["cost"], 0.95)),
                "probability_unused": float((s["unused"] > 0).mean()),
            }
        )
    rec = settle(spend, c)
    return {
        "index": index,
        "start_month": month_label(index * PERIOD_MONTHS),
        "months": PERIOD_MONTHS,
        "spend": dist(spend, (5, 10, 50, 90, 95)),
        "recommended": {
            "commitment": c,
            "discount": discount_of(c),
            "expected_cost": float(rec["cost"].mean()),
            "expected_unused": float(rec["unused"].mean()),
            "probability_unused": float((rec["unused"] > 0).mean()),
            "expected_overage": float(rec["overage"].mean()),
            "p95_cost": float(np.quantile(rec["cost"], 0.95)),
        },
        "curve": curve,
        "baselines": {
            name: {
                "commitment": b,
                "expected_cost": float(settle(spend, b)["cost"].mean()),
                "expected_unused": float(settle(spend, b)["unused"].mean()),
            }
            for name, b in baselines.items()
        },
    }


def build() -> dict[str, Any]:
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
    total = api_cost + seat_cost
    result: dict[str, Any] = {
        "simulation": {"trials": TRIALS, "seed": SEED, "engine_version": "0.1.0", "seconds": 3.8},
        "catalog": {"slug": cat["slug"], "as_of": cat["as_of"]},
        "api": {
            "monthly": [{"month": month_label(t), **dist(monthly[:, t])} for t in range(MONTHS)],
            "features": [
                {"name": f.name, "spend": dist((u * c).sum(axis=1))}
                for f, u, c in zip(FEATURES, units, costs, strict=True)
            ],
            "periods": [period_block(i, p, c_star, baselines) for i, p in enumerate(periods)],
        },
        "seats": {
            "teams": [team_block(t, s) for t, s in zip(TEAMS, seats, strict=True)],
            "expected_cost": float(seat_cost.mean()),
            "cost": band3(seat_cost),
        },
        "total": {"expected_cost": float(total.mean()), "cost": band3(total)},
    }
    result["blended_vs_separated"] = blended(periods, seats, c_star, api_cost, seat_cost)
    result["token_levers"] = levers(units, models, api_cost, periods)
    result["concessions"] = concessions(periods, api_cost, seats, plans)
    result["sensitivity"], result["sensitivity_baseline"] = sensitivity(models, plans, seat_cost)
    sub = total[:SENSITIVITY_TRIALS]
    result["diagnostics"] = {
        "standard_errors": {
            "api_expected_cost": se(api_cost),
            "seats_expected_cost": se(seat_cost),
            "total_expected_cost": se(total),
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
    }
    return result


def se(samples: Array) -> float:
    return float(samples.std(ddof=1) / np.sqrt(samples.size))


def team_block(team: Team, sim: dict[str, Any]) -> dict[str, Any]:
    decision = sim["decision"]
    return {
        "name": team.name,
        "mix": [row for row in sim["mix"] if row["share"] > 0.005],
        "plan_costs": [
            {"plan": k, "expected_cost_per_engineer_month": v} for k, v in decision["plan_costs"].items()
        ],
        "break_even": decision["break_even"],
        "expected_cost": float(sim["cost"].mean()),
        "cost": band3(sim["cost"]),
        "expected_idle_seat_cost": float(sim["idle"].mean()),
        "expected_extra_usage": float(np.mean(sim["extra"])),
        "expected_blocked_usage": float(np.mean(sim["blocked"])),
    }


def blended(
    periods: list[Array], seats: list[dict[str, Any]], c_star: float, api_cost: Array, seat_cost: Array
) -> dict[str, Any]:
    """A spreadsheet commitment: the median of API plus seat spend per period, committed as API spend."""
    seat_per_period = seat_cost / 2
    c_blend = float(np.round(np.median([np.median(p + seat_per_period) for p in periods]), -3))
    blend_api = term_cost(periods, c_blend)
    unused_blend = sum(settle(p, c_blend)["unused"] for p in periods)
    unused_sep = sum(settle(p, c_star)["unused"] for p in periods)
    return {
        "blended": {
            "commitment": c_blend,
            "discount": discount_of(c_blend),
            "expected_cost": float((blend_api + seat_cost).mean()),
            "expected_unused": float(np.mean(unused_blend)),
        },
        "separated": {
            "commitment": c_star,
            "discount": discount_of(c_star),
            "expected_cost": float((api_cost + seat_cost).mean()),
            "expected_unused": float(np.mean(unused_sep)),
        },
    }


def levers(
    units: list[Array], models: dict[str, Any], api_cost: Array, periods: list[Array]
) -> list[dict[str, Any]]:
    out = []
    for lever in ("model_mix", "cache_hit_rate", "batch_share", "all"):
        names = ("model_mix", "cache_hit_rate", "batch_share") if lever == "all" else (lever,)
        costs = [
            cost_per_request(f, models, **{k: v for k, v in f.levers.items() if k in names}) for f in FEATURES
        ]
        monthly = api_spend(units, costs)
        lp = [monthly[:, :12].sum(axis=1), monthly[:, 12:].sum(axis=1)]
        c = best_single(lp)
        out.append(
            {
                "lever": lever,
                "expected_saving": float(api_cost.mean() - term_cost(lp, c).mean()),
                "commitment": c,
            }
        )
    return out


def concessions(
    periods: list[Array], api_cost: Array, seats: list[dict[str, Any]], plans: dict[str, Any]
) -> list[dict[str, Any]]:
    base = api_cost.mean()
    lower = tuple((floor * 0.8, d) for floor, d in BANDS)
    rollover_c = best_single(periods, rollover=0.25)
    committed_c = best_single(periods, overage="committed_rate")
    lower_c = best_single(periods, bands=lower)
    ramp = sum(settle(p, best_per_period(p))["cost"] for p in periods)
    quarterly = simulate_seats(plans, SeatKnobs(quarterly=True))
    seat_saving = float(np.mean(sum(s["cost"] for s in seats) - sum(s["cost"] for s in quarterly)))
    return [
        {
            "name": "rollover_25pct",
            "expected_saving": float(base - term_cost(periods, rollover_c, rollover=0.25).mean()),
        },
        {
            "name": "overage_at_committed_rate",
            "expected_saving": float(base - term_cost(periods, committed_c, overage="committed_rate").mean()),
        },
        {"name": "ramp_allowed", "expected_saving": float(base - np.mean(ramp))},
        {
            "name": "band_thresholds_20pct_lower",
            "expected_saving": float(base - term_cost(periods, lower_c, bands=lower).mean()),
        },
        {"name": "seats_removable_quarterly", "expected_saving": seat_saving},
    ]


def sensitivity(
    models: dict[str, Any], plans: dict[str, Any], seat_cost: Array
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Tornado rows on the first SENSITIVITY_TRIALS trials, and the baseline on that same subsample."""
    n = SENSITIVITY_TRIALS
    base_features = list(FEATURES)
    rows = []

    def api_variant(
        growth_shift: float = 0.0, tokens_scale: float = 1.0, hit_shift: float = 0.0
    ) -> tuple[float, float]:
        feats = [replace(f, hit=min(max(f.hit + hit_shift, 0.0), 1 - f.write)) for f in base_features]
        units = feature_units(np.random.default_rng([SEED, 1]), growth_shift)
        monthly = api_spend(units, [cost_per_request(f, models) for f in feats], tokens_scale)[:n]
        ps = [monthly[:, :12].sum(axis=1), monthly[:, 12:].sum(axis=1)]
        c = best_single(ps)
        return float(term_cost(ps, c).mean() + seat_cost[:n].mean()), c

    base_cost, base_commitment = api_variant()
    api_sub = base_cost - float(seat_cost[:n].mean())
    for driver, low, high, kw in (
        ("growth", -0.02, 0.02, "growth_shift"),
        ("tokens", -0.2, 0.2, "tokens_scale"),
        ("cache_hit_rate", -0.1, 0.1, "hit_shift"),
    ):
        lo_kw = {kw: 1 + low if kw == "tokens_scale" else low}
        hi_kw = {kw: 1 + high if kw == "tokens_scale" else high}
        (cost_lo, c_lo), (cost_hi, c_hi) = api_variant(**lo_kw), api_variant(**hi_kw)
        rows.append(
            {
                "driver": driver,
                "low": low,
                "high": high,
                "expected_cost_low": cost_lo,
                "expected_cost_high": cost_hi,
                "commitment_low": c_lo,
                "commitment_high": c_hi,
            }
        )
    for driver, low, high, knob in (
        ("headcount", -0.2, 0.2, "headcount_scale"),
        ("adoption", -0.1, 0.1, "adoption_shift"),
        ("usage_intensity", -0.2, 0.2, "intensity_scale"),
        ("plan_capacity", -0.2, 0.2, "capacity_scale"),
    ):
        values = []
        for move in (low, high):
            change: dict[str, Any] = {knob: move if knob == "adoption_shift" else 1 + move}
            knobs = replace(SeatKnobs(), **change)
            seats = sum(s["cost"] for s in simulate_seats(plans, knobs))[:n]
            values.append(float(api_sub + seats.mean()))
        rows.append(
            {
                "driver": driver,
                "low": low,
                "high": high,
                "expected_cost_low": values[0],
                "expected_cost_high": values[1],
                "commitment_low": base_commitment,
                "commitment_high": base_commitment,
            }
        )
    return rows, {"trials": n, "expected_cost": base_cost, "commitment": base_commitment}


def main() -> None:
    result = build()
    path = FIXTURES / "result_example.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
