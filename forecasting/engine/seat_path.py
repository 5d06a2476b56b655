"""The seat path of the engine (docs/pricing.md, docs/model.md#seat-path and
docs/decisions.md#seats-per-team): Claude Code seats per team.

`decide_team` chooses a team's plan mix and seat counts from the inputs alone (closed forms, no Monte
Carlo), so blocks stay independent; `simulate_team_block` prices that decision on one block of trials
with a cost that does not grow with the team; `simulate_team_brute_force` does the same with one draw
per engineer and month, the reference for validation. The implementation lives in `forecasting.engine.seats`.
"""

from __future__ import annotations

from forecasting.engine.seats.brute_force import simulate_team_brute_force
from forecasting.engine.seats.decision import BreakEven, PlanCost, PlanMix, TeamDecision, decide_team
from forecasting.engine.seats.fast import EXACT_COHORT_MAX_ENGINEERS, simulate_team_block
from forecasting.engine.seats.model import PlanTerms, TeamBlock

__all__ = [
    "EXACT_COHORT_MAX_ENGINEERS",
    "BreakEven",
    "PlanCost",
    "PlanMix",
    "PlanTerms",
    "TeamBlock",
    "TeamDecision",
    "decide_team",
    "simulate_team_block",
    "simulate_team_brute_force",
]
