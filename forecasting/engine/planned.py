"""The unoptimised answer beside a recommendation sized on planned token levers
(docs/decisions.md#planned-levers).

When the scenario plans levers, the commitment is sized on the planned spend: the unoptimised spend before
each lever's start month and the lever's spend from it on, on the same trials (common random numbers).
This prices the two mistakes a procurement lead can make about them: committing on today's spend although
the levers land, and committing on the plan although they slip.
"""

from __future__ import annotations

from collections.abc import Callable

from forecasting.engine.arrays import TrialsByPeriod
from forecasting.engine.commitment import CommitmentDecision, evaluate_commitments
from forecasting.engine.contract import PlannedLevers, PlannedLeverStart
from forecasting.engine.plan import RunPlan


def planned_levers(
    plan: RunPlan,
    planned_periods: TrialsByPeriod,
    decision: CommitmentDecision,
    unoptimised_periods: TrialsByPeriod,
    unoptimised: CommitmentDecision,
    month_label: Callable[[str, int], str],
) -> PlannedLevers | None:
    """`decision` is the recommendation, optimised on `planned_periods`; `unoptimised` the optimum on
    `unoptimised_periods` (the same trials with no lever). Each plan is settled against the other spend.
    `month_label(start_month, offset)` writes a month as YYYY-MM."""
    inp = plan.inp
    if not inp.planned_levers:
        return None
    contract, periods = inp.api_contract, plan.periods
    recommended = [pd.recommended.commitment_usd for pd in decision.periods]
    before = [pd.recommended.commitment_usd for pd in unoptimised.periods]
    on_plan, _ = evaluate_commitments(planned_periods, periods, contract, before)
    slipped, _ = evaluate_commitments(unoptimised_periods, periods, contract, recommended)
    levers: list[PlannedLeverStart] = [
        {"lever": p.lever, "start_month": month_label(inp.start_month, p.start_month)}
        for p in sorted(inp.planned_levers, key=lambda p: p.start_month)
    ]
    return {
        "levers": levers,
        "unoptimised_commitments": before,
        "unoptimised_expected_cost": float(on_plan.mean()),
        "cost_of_committing_before_levers_land": float(on_plan.mean()) - decision.expected_cost_usd,
        "expected_cost_if_levers_slip": float(slipped.mean()),
        "cost_if_levers_slip": float(slipped.mean()) - unoptimised.expected_cost_usd,
    }
