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


def claude_code_periods(plan: RunPlan, api_billed_monthly_usd: TrialsByMonth) -> TrialsByPeriod:
    """API-billed Claude Code usage per period, or zeros when it does not count towards the commitment."""
    if not plan.inp.api_contract.claude_code_api_usage_counts:
        return np.zeros((api_billed_monthly_usd.shape[0], len(plan.periods)))
    return to_periods(plan, api_billed_monthly_usd)


def seat_cost_outside_api(
    plan: RunPlan, team_cost_usd: TeamsByTrial, api_billed_monthly_usd: TrialsByMonth
) -> PerTrial:
    """Per-trial seat-path cost not paid through the API commitment (API-billed usage counted once)."""
    total = team_cost_usd.sum(axis=0) if team_cost_usd.shape[0] else np.zeros(api_billed_monthly_usd.shape[0])
    if plan.inp.api_contract.claude_code_api_usage_counts:
        total = total - api_billed_monthly_usd.sum(axis=1)
    return total
