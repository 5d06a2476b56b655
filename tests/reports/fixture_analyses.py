"""The analyses of `make_result_fixture`'s example result: blended vs separated, token levers, concessions
and sensitivity, each a re-optimisation over the same simulated spend (as the engine does its own)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from forecasting.engine.analyses import LEVER_NAMES
from forecasting.engine.contract import (
    BlendedVsSeparated,
    Concession,
    Driver,
    SensitivityBaseline,
    SensitivityRow,
    TokenLever,
)
from tests.reports.fixture_model import (
    BANDS,
    FEATURES,
    SEED,
    SENSITIVITY_TRIALS,
    Array,
    api_spend,
    best_per_period,
    best_single,
    cost_per_request,
    feature_units,
    settle,
    term_cost,
)
from tests.reports.fixture_seats import SeatKnobs, simulate_seats


def se(samples: Array) -> float:
    """Monte Carlo standard error of the mean."""
    return float(samples.std(ddof=1) / np.sqrt(samples.size))


def blended(periods: list[Array], c_star: float, api_cost: Array, seat_cost: Array) -> BlendedVsSeparated:
    """A spreadsheet commitment: the median of API plus seat spend per period, committed as API spend."""
    seat_per_period = seat_cost / 2
    c_blend = float(np.round(np.median([np.median(p + seat_per_period) for p in periods]), -3))
    blend_api = term_cost(periods, c_blend)
    unused_blend = sum(settle(p, c_blend)["unused"] for p in periods)
    unused_sep = sum(settle(p, c_star)["unused"] for p in periods)
    blended_cost, separated_cost = float((blend_api + seat_cost).mean()), float((api_cost + seat_cost).mean())
    return {
        "blended": {
            "commitments": [c_blend] * len(periods),
            "expected_cost": blended_cost,
            "expected_unused": float(np.mean(unused_blend)),
        },
        "separated": {
            "commitments": [c_star] * len(periods),
            "expected_cost": separated_cost,
            "expected_unused": float(np.mean(unused_sep)),
        },
        "expected_saving": blended_cost - separated_cost,
    }


def levers(units: list[Array], models: dict[str, Any], api_cost: Array) -> list[TokenLever]:
    out: list[TokenLever] = []
    for lever in LEVER_NAMES:
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
                "description": LEVER_NAMES[lever],
                "expected_saving": float(api_cost.mean() - term_cost(lp, c).mean()),
                "commitments": [c, c],
            }
        )
    return out


def concessions(
    periods: list[Array], api_cost: Array, seats: list[dict[str, Any]], plans: dict[str, Any]
) -> list[Concession]:
    base = api_cost.mean()
    lower = tuple((floor * 0.8, d) for floor, d in BANDS)
    rollover_c = best_single(periods, rollover=0.25)
    committed_c = best_single(periods, overage="committed_rate")
    lower_c = best_single(periods, bands=lower)
    ramp = sum(settle(p, best_per_period(p))["cost"] for p in periods)
    quarterly = simulate_seats(plans, SeatKnobs(quarterly=True))
    seat_saving = float(np.mean(sum(s["cost"] for s in seats) - sum(s["cost"] for s in quarterly)))
    out: list[Concession] = [
        {
            "name": "rollover_25",
            "description": "Roll over 25% of unused commitment into the next period",
            "expected_saving": float(base - term_cost(periods, rollover_c, rollover=0.25).mean()),
        },
        {
            "name": "overage_at_committed_rate",
            "description": "Bill overage at the committed (discounted) rate instead of list",
            "expected_saving": float(base - term_cost(periods, committed_c, overage="committed_rate").mean()),
        },
        {
            "name": "ramp_allowed",
            "description": "Allow a different commitment in each period (ramp)",
            "expected_saving": float(base - np.mean(ramp)),
        },
        {
            "name": "band_thresholds_20pct_lower",
            "description": "Lower every discount-band threshold by 20%",
            "expected_saving": float(base - term_cost(periods, lower_c, bands=lower).mean()),
        },
        {
            "name": "seats_removable_quarterly",
            "description": "Allow seat counts to be reduced every 3 months",
            "expected_saving": seat_saving,
        },
    ]
    return sorted(out, key=lambda c: -c["expected_saving"])


# The fixture's moves in words (as the engine states its own in forecasting.engine.analyses.DRIVER_MOVES).
MOVES: dict[Driver, tuple[str, str]] = {
    "growth": ("growth −2 pp/month", "growth +2 pp/month"),
    "tokens": ("tokens per request −20%", "tokens per request +20%"),
    "cache_hit_rate": ("cache hit rate −10 pp", "cache hit rate +10 pp"),
    "headcount": ("end headcount −20%", "end headcount +20%"),
    "adoption": ("end adoption −10 pp", "end adoption +10 pp"),
    "usage_intensity": ("usage per engineer −20%", "usage per engineer +20%"),
    "plan_capacity": ("plan capacity −20%", "plan capacity +20%"),
}


def sensitivity(
    models: dict[str, Any], plans: dict[str, Any], seat_cost: Array, total_sub: Array
) -> tuple[list[SensitivityRow], SensitivityBaseline]:
    """Tornado rows on the first SENSITIVITY_TRIALS trials, and the baseline on that same subsample."""
    n = SENSITIVITY_TRIALS
    base_features = list(FEATURES)
    rows: list[SensitivityRow] = []

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
    api_drivers: tuple[tuple[Driver, float, float, str], ...] = (
        ("growth", -0.02, 0.02, "growth_shift"),
        ("tokens", -0.2, 0.2, "tokens_scale"),
        ("cache_hit_rate", -0.1, 0.1, "hit_shift"),
    )
    for driver, low, high, kw in api_drivers:
        lo_kw = {kw: 1 + low if kw == "tokens_scale" else low}
        hi_kw = {kw: 1 + high if kw == "tokens_scale" else high}
        (cost_lo, c_lo), (cost_hi, c_hi) = api_variant(**lo_kw), api_variant(**hi_kw)
        rows.append(
            {
                "driver": driver,
                "low": MOVES[driver][0],
                "high": MOVES[driver][1],
                "expected_cost_low": cost_lo,
                "expected_cost_high": cost_hi,
                "commitment_low": c_lo,
                "commitment_high": c_hi,
            }
        )
    seat_drivers: tuple[tuple[Driver, float, float, str], ...] = (
        ("headcount", -0.2, 0.2, "headcount_scale"),
        ("adoption", -0.1, 0.1, "adoption_shift"),
        ("usage_intensity", -0.2, 0.2, "intensity_scale"),
        ("plan_capacity", -0.2, 0.2, "capacity_scale"),
    )
    for driver, low, high, knob in seat_drivers:
        values = []
        for move in (low, high):
            change: dict[str, Any] = {knob: move if knob == "adoption_shift" else 1 + move}
            knobs = replace(SeatKnobs(), **change)
            seats = sum(s["cost"] for s in simulate_seats(plans, knobs))[:n]
            values.append(float(api_sub + seats.mean()))
        rows.append(
            {
                "driver": driver,
                "low": MOVES[driver][0],
                "high": MOVES[driver][1],
                "expected_cost_low": values[0],
                "expected_cost_high": values[1],
                "commitment_low": base_commitment,
                "commitment_high": base_commitment,
            }
        )
    baseline: SensitivityBaseline = {
        "trials": n,
        "expected_cost": base_cost,
        "commitment": base_commitment,
        "standard_error": se(total_sub),
    }
    return rows, baseline
