"""The result of a run: decisions over the merged samples, serialised to the contract of docs/result.md.

The result is a plain JSON-able dict (floats unrounded; money in USD). Keys beyond the contract are
additions, never renamings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forecasting.engine import contract
from forecasting.engine.analyses import (
    blended_vs_separated,
    concessions,
    sensitivity,
    token_levers,
)
from forecasting.engine.blocks import seat_counted_monthly
from forecasting.engine.combine import claude_code_periods, seat_cost_outside_api, to_periods
from forecasting.engine.commitment import (
    CommitmentDecision,
    commitment_standard_error,
    optimise_commitment,
    run_rate_usd_per_month,
)
from forecasting.engine.contract import (
    Api,
    BlendedVsSeparated,
    Concession,
    Diagnostics,
    ForecastResult,
    SensitivityBaseline,
    SensitivityRow,
    Team,
    TokenLever,
)
from forecasting.engine.merge import Samples
from forecasting.engine.negotiation import negotiation
from forecasting.engine.plan import RunPlan
from forecasting.engine.planned import planned_levers
from forecasting.engine.points import point_dict
from forecasting.engine.seats.accounts import annual_by_month
from forecasting.engine.seats.decision import CostCurve
from forecasting.engine.summary import distribution, month_spend, period_spend, quantile_band, standard_error
from forecasting.engine.tolerances import MIN_DIVISOR_USD
from forecasting.engine.value_of_information import value_of_information

ENGINE_VERSION = "1.0.0"
FloatArray = NDArray[np.float64]
TAIL_DOMINANCE_SHARE = 0.5  # warn when one feature carries more than half the spend of the worst 5% of trials


def month_label(start_month: str, offset: int) -> str:
    year, month = int(start_month[:4]), int(start_month[5:7]) - 1 + offset
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def api_monthly_total(plan: RunPlan, samples: Samples, *, unoptimised: bool = False) -> FloatArray:
    """API list spend per trial and month that the commitment is sized on: features (with the planned
    levers, if any, unless `unoptimised`) plus API-billed Claude Code usage when it counts."""
    features = samples.api_monthly_usd
    if samples.api_planned_monthly_usd is not None and not unoptimised:
        features = samples.api_planned_monthly_usd
    contract = plan.inp.api_contract
    if contract.claude_code_api_usage_counts or contract.extra_usage_counts:
        return features + seat_counted_monthly(plan, samples.seats)
    return features


# map(function, items) for the per-month, per-feature and per-team summaries: the built-in one, or a thread
# pool's (NumPy's partition releases the GIL, so the quantiles of 200 features x 100,000 trials split
# over two cores; the values do not depend on which is used).
ItemMap = Callable[[Callable[[int], Any], Iterable[int]], Iterator[Any]]


def build_result(
    plan: RunPlan, samples: Samples, *, seconds: float, map_items: ItemMap = map
) -> ForecastResult:
    """Decide the commitment, price everything and assemble the output contract."""
    inp = plan.inp
    monthly = api_monthly_total(plan, samples)
    api_periods = to_periods(plan, monthly)
    run_rate = run_rate_usd_per_month(monthly)
    decision = optimise_commitment(
        api_periods, plan.periods, inp.api_contract, run_rate_usd_per_month=run_rate
    )
    counted = seat_counted_monthly(plan, samples.seats)
    seats_outside = seat_cost_outside_api(plan, samples.seats.team_cost_usd, counted)
    total = decision.cost_usd + seats_outside
    cc_periods = claude_code_periods(plan, counted)
    # Without planned levers the unoptimised answer is the recommendation; with them it is sized beside it
    # (docs/decisions.md#planned-levers), and the token levers stay measured against it.
    unoptimised, unoptimised_run_rate, planned = decision, run_rate, None
    if samples.api_planned_monthly_usd is not None:
        unoptimised_monthly = api_monthly_total(plan, samples, unoptimised=True)
        unoptimised_periods = to_periods(plan, unoptimised_monthly)
        unoptimised_run_rate = run_rate_usd_per_month(unoptimised_monthly)
        unoptimised = optimise_commitment(
            unoptimised_periods,
            plan.periods,
            inp.api_contract,
            run_rate_usd_per_month=unoptimised_run_rate,
            curves=False,
        )
        planned = planned_levers(
            plan, api_periods, decision, unoptimised_periods, unoptimised, month_label=month_label
        )
    comparison: BlendedVsSeparated | None = None
    levers: list[TokenLever] = []
    asks: list[Concession] = []
    tornado: list[SensitivityRow] = []
    baseline: SensitivityBaseline | None = None
    deal: contract.Negotiation | None = None
    information: list[contract.ValueOfInformation] = []
    if plan.extras:
        comparison = blended_vs_separated(plan, monthly, api_periods, decision, seats_outside)
        levers = token_levers(plan, samples, cc_periods, unoptimised, unoptimised_run_rate)
        asks = concessions(plan, samples, api_periods, decision, run_rate, seats_outside)
        tornado, baseline = sensitivity(plan, _around_planned(plan, samples), cc_periods, run_rate)
        deal = negotiation(plan, samples, api_periods, decision, run_rate, asks)
        information = value_of_information(
            api_periods,
            plan.periods,
            inp.api_contract,
            [p.recommended.commitment_usd for p in decision.periods],
            samples.api_group_draws,
        )
    return {
        "simulation": {
            "trials": plan.trials,
            "seed": inp.seed,
            "engine_version": ENGINE_VERSION,
            "seconds": seconds,
            "block_trials": inp.block_trials,
            "blocks": len(plan.blocks),
        },
        "catalog": {"slug": inp.catalog_slug, "as_of": inp.catalog_as_of},
        "api": _api_section(plan, samples, monthly, api_periods, decision, map_items),
        "seats": _seats_section(plan, samples, map_items),
        "total": {"expected_cost": float(total.mean()), "cost": quantile_band(total)},
        "blended_vs_separated": comparison,
        "token_levers": levers,
        "planned_levers": planned,
        "concessions": asks,
        "sensitivity": tornado,
        "sensitivity_baseline": baseline,
        "negotiation": deal,
        "value_of_information": information,
        "diagnostics": _diagnostics(
            plan, samples, api_periods, decision, run_rate, total, seats_outside, baseline
        ),
        "seats_and_commitment": _seats_and_commitment(plan),
    }


def _seats_and_commitment(plan: RunPlan) -> contract.SeatsAndCommitment:
    joint = plan.joint
    if joint is None:
        return {
            "chosen": "sequential",
            "rate": 1.0,
            "rates": [],
            "iterations": 0,
            "pilot_trials": 0,
            "sequential_expected_cost": None,
            "joint_expected_cost": None,
            "saving": None,
            "saving_standard_error": None,
            "teams_changed": 0,
        }
    sequential, joint_cost = joint.sequential_expected_cost_usd, joint.joint_expected_cost_usd
    return {
        "chosen": "joint" if joint.chosen == "joint" else "sequential",
        "rate": joint.rate,
        "rates": list(joint.rates),
        "iterations": joint.iterations,
        "pilot_trials": joint.pilot_trials,
        "sequential_expected_cost": sequential,
        "joint_expected_cost": joint_cost,
        "saving": None if sequential is None or joint_cost is None else sequential - joint_cost,
        "saving_standard_error": joint.saving_standard_error_usd,
        "teams_changed": joint.teams_changed,
    }


def _around_planned(plan: RunPlan, samples: Samples) -> Samples:
    """The samples the tornado moves drivers around: with planned levers, the planned spend as its base
    (its variants carry the same switches, plan._api_sensitivity), so it centres on the recommendation."""
    if samples.api_planned_monthly_usd is None:
        return samples
    planned = to_periods(plan, samples.api_planned_monthly_usd)
    return replace(samples, api_variant_periods_usd=planned[None])


def _api_section(
    plan: RunPlan,
    samples: Samples,
    monthly: FloatArray,
    api_periods: FloatArray,
    decision: CommitmentDecision,
    map_items: ItemMap,
) -> Api:
    inp = plan.inp
    months = map_items(lambda t: distribution(monthly[:, t]), range(inp.term_months))
    features = map_items(
        lambda i: distribution(samples.feature_term_usd.feature(i)), range(len(inp.features))
    )
    return {
        "monthly": [
            month_spend(month_label(inp.start_month, t), summary) for t, summary in enumerate(months)
        ],
        "features": [
            {"name": f.name, "spend": spend} for f, spend in zip(inp.features, features, strict=True)
        ],
        "claude_code_api_usage_counts": inp.api_contract.claude_code_api_usage_counts,
        "extra_usage_counts": inp.api_contract.extra_usage_counts,
        "claude_code_api_spend": distribution(samples.seats.api_billed_monthly_usd.sum(axis=1)),
        "expected_cost": decision.expected_cost_usd,
        "cost": quantile_band(decision.cost_usd),
        "expected_unused": float(decision.unused_usd.mean()),
        "periods": [
            {
                "index": pd.period.index,
                "start_month": month_label(inp.start_month, pd.period.start_month),
                "months": pd.period.months,
                "spend": period_spend(api_periods[:, i]),
                "recommended": point_dict(pd.recommended),
                "curve": [point_dict(p) for p in pd.curve],
                "baselines": {
                    "no_commitment": point_dict(pd.baselines["no_commitment"]),
                    "run_rate": point_dict(pd.baselines["run_rate"]),
                    "median": point_dict(pd.baselines["median"]),
                },
            }
            for i, pd in enumerate(decision.periods)
        ],
    }


def _seats_section(plan: RunPlan, samples: Samples, map_items: ItemMap) -> contract.Seats:
    seats, trials, months = samples.seats, plan.trials, plan.inp.term_months
    bands = list(map_items(lambda j: quantile_band(seats.team_cost_usd[j]), range(len(plan.seats.teams))))
    teams: list[Team] = []
    for j, (team, decision) in enumerate(zip(plan.seats.teams, plan.seats.decisions, strict=True)):
        fees, idle, extra, blocked, blocked_value, api_billed = seats.component_sums_usd[j] / trials
        seat_months = seats.seat_month_sums[j] / (trials * months)
        teams.append(
            {
                "name": team.name,
                "mix": [
                    {
                        "plan": share.plan,
                        "share": share.share,
                        "annual_seats": share.annual_seats,
                        "annual_seats_by_year": list(share.annual_seats_by_year) or [share.annual_seats],
                        # Month-to-month seats on top of the annual ones (seat-months bought count both).
                        "expected_monthly_seats": max(
                            float(seat_months[k]) - float(annual_by_month(share, months, None).mean()), 0.0
                        ),
                        "annual_seats_by_quarter": (
                            list(share.annual_seats_by_window) if share.annual_seats_by_window else None
                        ),
                    }
                    for k, share in enumerate(decision.mix)
                ],
                "plan_costs": [
                    {"plan": plan_key, "expected_cost_per_engineer_month": cost}
                    for plan_key, cost in decision.plan_costs
                ],
                "break_even": [
                    {"from_plan": a, "to_plan": b, "monthly_usage_usd": usd}
                    for a, b, usd in decision.break_even
                ],
                "plan_cost_curve": _cost_curve(decision.cost_curve),
                "best_single_plan": {
                    "plan": decision.best_single_plan,
                    "expected_cost_per_engineer_month": dict(decision.plan_costs)[decision.best_single_plan],
                },
                "expected_cost": float(seats.team_cost_usd[j].mean()),
                "cost": bands[j],
                "expected_seat_fees": float(fees),
                "expected_idle_seat_cost": float(idle),
                "expected_extra_usage": float(extra),
                # Kept with its documented meaning (docs/result.md#seats): the valued blocked usage.
                "expected_blocked_usage": float(blocked_value),
                "expected_blocked_usage_usd": float(blocked),
                "expected_blocked_value": float(blocked_value),
                "expected_cash_cost": float(fees + extra + api_billed),
                "expected_api_billed_usage": float(api_billed),
                "warnings": list(decision.warnings),
            }
        )
    total = seats.team_cost_usd.sum(axis=0) if len(teams) else np.zeros(trials)
    return {"teams": teams, "expected_cost": float(total.mean()), "cost": quantile_band(total)}


def _cost_curve(curve: CostCurve | None) -> contract.PlanCostCurve | None:
    if curve is None:
        return None
    return {
        "usage_usd": list(curve.usage_usd),
        "plans": [
            {
                "plan": line.plan,
                "seat_price_usd": line.seat_price_usd,
                "capacity_usd": line.capacity_usd,
                "cost_per_engineer_month": list(line.cost_usd),
            }
            for line in curve.lines
        ],
    }


def _diagnostics(
    plan: RunPlan,
    samples: Samples,
    api_periods: FloatArray,
    decision: CommitmentDecision,
    run_rate: float,
    total: FloatArray,
    seats_outside: FloatArray,
    sensitivity_baseline: SensitivityBaseline | None,
) -> Diagnostics:
    commitment_se = commitment_standard_error(
        api_periods, plan.periods, plan.inp.api_contract, run_rate_usd_per_month=run_rate
    )
    warnings = [w for d in plan.seats.decisions for w in d.warnings] + list(plan.seats.warnings)
    warnings += _tail_warnings(plan, samples)
    for pd, se in zip(decision.periods, commitment_se, strict=True):
        value = pd.recommended.commitment_usd
        if value > 0 and se > 0.005 * value:
            warnings.append(
                f"Period {pd.period.index + 1}: the recommended commitment's Monte Carlo standard error "
                f"({se:,.0f} USD) exceeds 0.5% of it; run more trials."
            )
    return {
        "standard_errors": {
            "total_expected_cost": standard_error(total),
            "api_expected_cost": standard_error(decision.cost_usd),
            "seats_expected_cost": standard_error(seats_outside),
            "commitment": list(commitment_se),
            "sensitivity_expected_cost": sensitivity_baseline and sensitivity_baseline["standard_error"],
        },
        "warnings": warnings,
    }


def _tail_warnings(plan: RunPlan, samples: Samples) -> list[str]:
    features = samples.feature_term_usd
    if features.count < 2:
        return []
    spend = features.total()
    tail = spend >= np.quantile(spend, 0.95)
    shares = features.sums_where(tail) / max(float(spend[tail].sum()), MIN_DIVISOR_USD)
    return [
        f"Feature '{plan.inp.features[i].name}' carries {share:.0%} of API spend in the worst 5% of trials: "
        "its forecast drives the commitment's risk."
        for i, share in enumerate(shares)
        if share > TAIL_DOMINANCE_SHARE
    ]
