"""Argument checks for the block simulations: the decision must belong to these inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from forecasting.engine.inputs import SeatContract, SeatPlan, TeamInput
from forecasting.engine.seats.decision import TeamDecision
from forecasting.engine.seats.model import plan_terms, validate


def check_block_arguments(
    team: TeamInput,
    decision: TeamDecision,
    plans: Mapping[str, SeatPlan],
    contract: SeatContract,
    *,
    months: int,
    trials: int,
) -> None:
    """Refuse a decision made for another team, term, plan list, price list or seat contract."""
    validate(team, plans, contract, months)
    if trials < 1:
        raise ValueError("trials must be at least 1")
    if decision.team != team.name or decision.months != months:
        raise ValueError(
            f"decision for {decision.team!r} over {decision.months} months does not match the block"
        )
    terms = tuple(plan_terms(plans, contract, key) for key in team.allowed_plans)
    # The decision's rate r for usage counted toward the commitment moves only the choice, not a bill.
    decided = tuple(replace(t, counted_rate=1.0) for t in decision.terms)
    if terms != decided or contract.removable_every_months != decision.window_months:
        raise ValueError(f"decision for {team.name!r} was made under other plans or another seat contract")
