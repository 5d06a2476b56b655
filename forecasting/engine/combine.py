"""How the two paths meet: API-billed Claude Code usage and the contract periods."""

from __future__ import annotations

import numpy as np

from forecasting.engine.arrays import FloatArray, PerTrial, TeamsByTrial, TrialsByMonth, TrialsByPeriod
from forecasting.engine.plan import RunPlan
from forecasting.engine.summary import period_sums


def to_periods(plan: RunPlan, monthly: FloatArray) -> FloatArray:
    """(..., T) monthly values summed into (..., P) contract periods."""
    return period_sums(
        monthly, tuple(p.start_month for p in plan.periods), tuple(p.months for p in plan.periods)
    )


def counted_monthly(
    plan: RunPlan, api_billed_monthly_usd: TrialsByMonth, extra_usage_monthly_usd: TrialsByMonth | None
) -> TrialsByMonth:
    """The seat path's usage that draws down the commitment, per trial and month: API-billed Claude Code
    usage when `claude_code_api_usage_counts`, plus the seat plans' extra usage when `extra_usage_counts`
    (docs/decisions.md#seats-and-commitment-together); zeros when neither counts."""
    contract = plan.inp.api_contract
    counted = (
        api_billed_monthly_usd
        if contract.claude_code_api_usage_counts
        else np.zeros_like(api_billed_monthly_usd)
    )
    if contract.extra_usage_counts and extra_usage_monthly_usd is not None:
        counted = counted + extra_usage_monthly_usd
    return counted


def claude_code_periods(plan: RunPlan, counted_monthly_usd: TrialsByMonth) -> TrialsByPeriod:
    """The seat usage that counts toward the commitment (`counted_monthly`) per period."""
    return to_periods(plan, counted_monthly_usd)


def seat_cost_outside_api(
    plan: RunPlan, team_cost_usd: TeamsByTrial, counted_monthly_usd: TrialsByMonth
) -> PerTrial:
    """Per-trial seat-path cost not paid through the API commitment (counted usage paid once, there)."""
    total = team_cost_usd.sum(axis=0) if team_cost_usd.shape[0] else np.zeros(counted_monthly_usd.shape[0])
    if plan.inp.api_contract.claude_code_api_usage_counts or plan.inp.api_contract.extra_usage_counts:
        total = total - counted_monthly_usd.sum(axis=1)
    return total
