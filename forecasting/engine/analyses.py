"""What the negotiation brief argues with: blended vs separated, token levers, concessions, sensitivity.

Every variant re-optimises over the same samples (common random numbers): a contract change never
re-simulates spend (docs/decisions.md#concessions), and a driver change re-simulates only the path
it touches, on the sensitivity subsample (docs/decisions.md#sensitivity).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from forecasting.engine.blocks import SeatTotals, seat_counted_monthly
from forecasting.engine.combine import claude_code_periods, seat_cost_outside_api
from forecasting.engine.commitment import (
    CommitmentDecision,
    evaluate_commitments,
    optimise_commitment,
    run_rate_usd_per_month,
)
from forecasting.engine.contract import (
    BlendedVsSeparated,
    Concession,
    ConcessionName,
    Driver,
    Lever,
    SensitivityBaseline,
    SensitivityRow,
    TokenLever,
)
from forecasting.engine.inputs import ApiContract, DiscountBand
from forecasting.engine.merge import Samples
from forecasting.engine.plan import CORRELATION_SHIFT, LEVERS, QUARTER_MONTHS, RunPlan
from forecasting.engine.summary import standard_error
from forecasting.engine.tolerances import MIN_DIVISOR_USD

FloatArray = NDArray[np.float64]
BAND_THRESHOLD_CUT = 0.20  # the concession "each band threshold 20% lower"
ROLLOVER_CONCESSION = 0.25  # the concession "rollover of 25% of unused"

LEVER_NAMES: dict[Lever, str] = {
    "model_mix": "Route requests to the target model mix",
    "cache_hit_rate": "Raise prompt-cache hit rates to target",
    "batch_share": "Send the target share of requests through the Batch API",
    "all": "All token levers together",
}


def _lever(name: str) -> Lever:
    """The lever of a variant's name (`lever:model_mix` -> `model_mix`), as the contract's literal."""
    for lever in LEVER_NAMES:
        if lever == name:
            return lever
    raise ValueError(f"unknown token lever {name!r}")


def _commitments(decision: CommitmentDecision) -> list[float]:
    return [pd.recommended.commitment_usd for pd in decision.periods]


def blended_vs_separated(
    plan: RunPlan,
    api_monthly: FloatArray,
    api_periods: FloatArray,
    decision: CommitmentDecision,
    seats_outside: FloatArray,
) -> BlendedVsSeparated:
    """Size one commitment on API + seat spend together (as a spreadsheet would); pay real API use with it.

    Seats are paid for on their own either way, so a commitment sized on the blended total is drawn down
    only by API spend: the difference is unused commitment. Seat spend is spread evenly over the term's
    months. `api_monthly` is the API list spend per trial and month the main decision is sized on; the
    blended run-rate baseline is the main decision's definition (`run_rate_usd_per_month`, month 0)
    applied to the blended monthly spend.
    """
    share = np.array([p.months for p in plan.periods], dtype=float) / plan.inp.term_months
    blended_spend = api_periods + seats_outside[:, None] * share[None, :]
    blended_month_0 = api_monthly[:, :1] + seats_outside[:, None] / plan.inp.term_months
    contract, run_rate = plan.inp.api_contract, run_rate_usd_per_month(blended_month_0)
    blended = optimise_commitment(
        blended_spend, plan.periods, contract, run_rate_usd_per_month=run_rate, curves=False
    )
    cost, unused = evaluate_commitments(api_periods, plan.periods, contract, _commitments(blended))
    separated_total = decision.cost_usd + seats_outside
    blended_total = cost + seats_outside
    return {
        "blended": {
            "commitments": _commitments(blended),
            "expected_cost": float(blended_total.mean()),
            "expected_unused": float(unused.mean()),
        },
        "separated": {
            "commitments": _commitments(decision),
            "expected_cost": float(separated_total.mean()),
            "expected_unused": float(decision.unused_usd.mean()),
        },
        "expected_saving": float(blended_total.mean() - separated_total.mean()),
    }


def token_levers(
    plan: RunPlan, samples: Samples, cc_periods: FloatArray, decision: CommitmentDecision, run_rate: float
) -> list[TokenLever]:
    """Expected API saving of each lever, with the commitment re-sized on the lever's spend."""
    out: list[TokenLever] = []
    for v, variant in enumerate(plan.api_variants[1:], start=1):
        lever = _lever(variant.name.split(":", 1)[1])
        spend = samples.api_variant_periods_usd[v] + cc_periods
        scale = float(
            spend[:, 0].mean()
            / max(samples.api_variant_periods_usd[0][:, 0].mean() + cc_periods[:, 0].mean(), MIN_DIVISOR_USD)
        )
        resized = optimise_commitment(
            spend, plan.periods, plan.inp.api_contract, run_rate_usd_per_month=run_rate * scale, curves=False
        )
        out.append(
            {
                "lever": lever,
                "description": LEVER_NAMES[lever],
                "expected_saving": decision.expected_cost_usd - resized.expected_cost_usd,
                "commitments": _commitments(resized),
            }
        )
    return out


def concessions(
    plan: RunPlan,
    samples: Samples,
    api_periods: FloatArray,
    decision: CommitmentDecision,
    run_rate: float,
    seats_outside: FloatArray,
) -> list[Concession]:
    """What each contract ask is worth: re-optimise over the stored samples under the changed contract."""
    contract = plan.inp.api_contract
    variants: list[tuple[ConcessionName, str, ApiContract]] = [
        (
            "rollover_25",
            "Roll over 25% of unused commitment into the next period",
            replace(contract, rollover_share=max(contract.rollover_share, ROLLOVER_CONCESSION)),
        ),
        (
            "overage_at_committed_rate",
            "Bill overage at the committed (discounted) rate instead of list",
            replace(contract, overage="committed_rate"),
        ),
        (
            "ramp_allowed",
            "Allow a different commitment in each period (ramp)",
            replace(contract, ramp_allowed=True),
        ),
        (
            "band_thresholds_20pct_lower",
            "Lower every discount-band threshold by 20%",
            lower_thresholds(contract, BAND_THRESHOLD_CUT),
        ),
    ]
    out: list[Concession] = []
    for name, description, changed in variants:
        alt = optimise_commitment(
            api_periods, plan.periods, changed, run_rate_usd_per_month=run_rate, curves=False
        )
        out.append(
            {
                "name": name,
                "description": description,
                "expected_saving": decision.expected_cost_usd - alt.expected_cost_usd,
            }
        )
    if samples.seats.windowed_cost_usd is not None:
        saving = float(
            samples.seats.team_cost_usd.sum(axis=0).mean() - samples.seats.windowed_cost_usd.mean()
        )
        out.append(
            {
                "name": "seats_removable_quarterly",
                "description": f"Allow seat counts to be reduced every {QUARTER_MONTHS} months",
                "expected_saving": saving,
            }
        )
    out.sort(key=lambda c: -float(c["expected_saving"]))
    return out


def lower_thresholds(contract: ApiContract, cut: float) -> ApiContract:
    """The contract with every discount band's threshold `cut` lower (0.2: 20% lower)."""
    bands = tuple(DiscountBand(b.min_commitment_usd * (1 - cut), b.discount) for b in contract.discount_bands)
    return replace(contract, discount_bands=bands)


def sensitivity(
    plan: RunPlan, samples: Samples, cc_periods: FloatArray, run_rate: float
) -> tuple[list[SensitivityRow], SensitivityBaseline | None]:
    """Tornado rows: each driver down and up; total expected cost and first-period recommended commitment."""
    if samples.api_sensitivity_periods_usd is None:
        return [], None
    n = samples.api_sensitivity_periods_usd.shape[1]
    contract, periods = plan.inp.api_contract, plan.periods

    def evaluate(api_spend: FloatArray, seats_outside: FloatArray) -> tuple[float, float, FloatArray]:
        d = optimise_commitment(api_spend, periods, contract, run_rate_usd_per_month=run_rate, curves=False)
        total = d.cost_usd + seats_outside
        return float(total.mean()), d.periods[0].recommended.commitment_usd, total

    def seat_side(totals: SeatTotals) -> tuple[FloatArray, FloatArray]:
        """(API spend with this seat scenario's API-billed usage, seat cost outside the API)."""
        counted = seat_counted_monthly(plan, totals)
        cc = claude_code_periods(plan, counted)
        outside = seat_cost_outside_api(plan, totals.team_cost_usd, counted)
        return samples.api_variant_periods_usd[0][:n] + cc, outside

    # The first seat scenario is the baseline priced like the variants (see plan._seat_sensitivity).
    if samples.seat_sensitivity:
        base_api, base_seats = seat_side(samples.seat_sensitivity[0])
    else:  # no teams: nothing on the seat side to re-price
        seats = samples.seats
        counted = seat_counted_monthly(plan, seats)[:n]
        base_api = samples.api_variant_periods_usd[0][:n] + claude_code_periods(plan, counted)
        base_seats = seat_cost_outside_api(plan, seats.team_cost_usd[:, :n], counted)
    base_cc = base_api - samples.api_variant_periods_usd[0][:n]
    outcomes: dict[str, tuple[float, float]] = {}
    api_index = {variant.name: i for i, variant in enumerate(plan.api_sensitivity)}
    seat_names = {scenario.name for scenario in plan.seat_sensitivity[1:]}
    for name, i in api_index.items():
        if name not in seat_names:
            cost, commitment, _ = evaluate(samples.api_sensitivity_periods_usd[i] + base_cc, base_seats)
            outcomes[name] = (cost, commitment)
    for scenario, totals in zip(plan.seat_sensitivity[1:], samples.seat_sensitivity[1:], strict=True):
        api, seats_outside = seat_side(totals)
        if scenario.name in api_index:  # a driver of both paths (correlation): both sides moved together
            api = samples.api_sensitivity_periods_usd[api_index[scenario.name]] + claude_code_periods(
                plan, totals.api_billed_monthly_usd
            )
        cost, commitment, _ = evaluate(api, seats_outside)
        outcomes[scenario.name] = (cost, commitment)
    base_cost, base_commitment, base_total = evaluate(base_api, base_seats)
    baseline: SensitivityBaseline = {
        "trials": n,
        "expected_cost": base_cost,
        "commitment": base_commitment,
        "standard_error": standard_error(base_total),
    }
    return _tornado_rows(outcomes), baseline


DRIVER_MOVES: dict[Driver, tuple[str, str]] = {
    "growth": ("growth −2 pp/month", "growth +2 pp/month"),
    "tokens": ("tokens per request −20%", "tokens per request +20%"),
    "cache_hit_rate": ("cache hit rate +10 pp", "cache hit rate −10 pp"),
    "headcount": ("end headcount −20%", "end headcount +20%"),
    "adoption": ("end adoption −10 pp", "end adoption +10 pp"),
    "usage_intensity": ("usage per engineer −20%", "usage per engineer +20%"),
    "plan_capacity": ("plan capacity −20%", "plan capacity +20%"),
    # floored at 0 and capped at 1 (docs/decisions.md#sensitivity)
    "correlation": (
        f"correlation loadings −{CORRELATION_SHIFT:g}",
        f"correlation loadings +{CORRELATION_SHIFT:g}",
    ),
}


def _tornado_rows(outcomes: dict[str, tuple[float, float]]) -> list[SensitivityRow]:
    rows: list[SensitivityRow] = []
    for driver, (low, high) in DRIVER_MOVES.items():
        if f"{driver}:low" not in outcomes:
            continue
        (cost_low, c_low), (cost_high, c_high) = outcomes[f"{driver}:low"], outcomes[f"{driver}:high"]
        rows.append(
            {
                "driver": driver,
                "low": low,
                "high": high,
                "expected_cost_low": cost_low,
                "expected_cost_high": cost_high,
                "commitment_low": c_low,
                "commitment_high": c_high,
            }
        )
    rows.sort(key=lambda r: -abs(float(r["expected_cost_high"]) - float(r["expected_cost_low"])))
    return rows


__all__ = ["LEVERS", "blended_vs_separated", "concessions", "sensitivity", "token_levers"]
