"""One block of trials: every path simulated for `plan.blocks[i]` trials from stream i.

A block's output depends only on (plan, block index): any process may run it, in any order, and the
merged result is identical. Arrays are per trial (axis 0 or the last axis); sums over trials are kept per
block and added in block order at merge time, so floating-point results do not depend on scheduling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.engine.api_path import simulate_api_block
from forecasting.engine.arrays import (
    FeaturesByTrial,
    FloatArray,
    PerTrial,
    TeamsByTrial,
    TrialsByMonth,
    VariantsByTrialByPeriod,
)
from forecasting.engine.combine import counted_monthly, to_periods
from forecasting.engine.plan import RunPlan, SeatScenario
from forecasting.engine.seat_path import simulate_team_block
from forecasting.engine.seats.model import Float32Array
from forecasting.engine.seats.organization import top_up_seat_months

# The columns of `SeatTotals.component_sums_usd`, in order.
SEAT_COMPONENTS = (
    "seat_fees",
    "idle_seat_cost",
    "extra_usage",
    "blocked_usage",
    "blocked_value",
    "api_billed",
)


@dataclass(frozen=True)
class SeatTotals:
    """The seat path of one block under one `SeatScenario`."""

    team_cost_usd: TeamsByTrial  # total cost per team and trial over the term
    api_billed_monthly_usd: TrialsByMonth  # usage of engineers on the `api` pseudo-plan, all teams
    # (J, 6) sums over trials: seat fees, idle, extra, blocked usage (unvalued), blocked value, api-billed
    component_sums_usd: FloatArray
    seat_month_sums: tuple[FloatArray, ...]  # per team, (K_j,) seat-months per plan summed over trials
    windowed_cost_usd: PerTrial | None = None  # all teams, seat counts re-chosen every quarter
    # (n, T) seat plans' extra usage, all teams, when it counts toward the commitment
    # (ApiContract.extra_usage_counts); None when it does not
    extra_usage_monthly_usd: TrialsByMonth | None = None


def seat_counted_monthly(plan: RunPlan, seats: SeatTotals) -> TrialsByMonth:
    """`combine.counted_monthly` of one seat scenario's totals: the usage that draws down the commitment."""
    return counted_monthly(plan, seats.api_billed_monthly_usd, seats.extra_usage_monthly_usd)


@dataclass(frozen=True)
class BlockResult:
    index: int
    trials: int
    api_monthly_usd: TrialsByMonth  # feature list spend, base variant
    api_variant_periods_usd: VariantsByTrialByPeriod  # feature list spend per API variant and period
    feature_term_usd: FeaturesByTrial
    seats: SeatTotals
    api_sensitivity_periods_usd: VariantsByTrialByPeriod | None  # (Va, n, P), sensitivity blocks only
    seat_sensitivity: tuple[SeatTotals, ...]  # sensitivity blocks only
    # feature list spend with the planned levers (docs/decisions.md#planned-levers); None: none planned
    api_planned_monthly_usd: TrialsByMonth | None = None
    # (2, n) per-trial summaries of the API path's draws: growth, tokens (api_path.ApiBlock.group_draws)
    api_group_draws: FloatArray | None = None


def run_block(plan: RunPlan, block: int) -> BlockResult:
    """Simulate block `block` of the run (docs/operations.md#running-forecasts:
    block i draws from stream i of SeedSequence(seed))."""
    inp, trials = plan.inp, plan.blocks[block]
    sensitive = block < plan.sensitivity_blocks
    planned = () if plan.api_planned is None else (plan.api_planned,)
    variants = plan.api_variants + planned + (plan.api_sensitivity if sensitive else ())
    api = simulate_api_block(
        inp.features,
        plan.models,
        months=inp.term_months,
        start_calendar_month=inp.start_calendar_month,
        seed=inp.seed,
        block=block,
        trials=trials,
        variants=variants,
        term_variant=len(plan.api_variants) if planned else 0,  # per-feature spend: what is committed on
        correlation=inp.correlation,
    )
    periods = to_periods(plan, api.monthly_spend_usd)  # (V, n, P)
    base_count = len(plan.api_variants)
    sensitivity_from = base_count + len(planned)
    return BlockResult(
        index=block,
        trials=trials,
        api_monthly_usd=api.monthly_spend_usd[0],
        api_variant_periods_usd=periods[:base_count],
        feature_term_usd=api.feature_term_spend_usd,
        seats=simulate_seats(plan, plan.seats, block),
        api_sensitivity_periods_usd=periods[sensitivity_from:] if sensitive else None,
        seat_sensitivity=tuple(simulate_seats(plan, s, block) for s in plan.seat_sensitivity)
        if sensitive
        else (),
        api_planned_monthly_usd=api.monthly_spend_usd[base_count] if planned else None,
        api_group_draws=api.group_draws,
    )


def simulate_seats(plan: RunPlan, seats: SeatScenario, block: int) -> SeatTotals:
    """Every team of one seat scenario in one block; team j draws from stream (block, SEAT_PATH, j)."""
    inp, trials = plan.inp, plan.blocks[block]
    costs = np.zeros((len(seats.teams), trials))
    api_monthly = np.zeros((trials, inp.term_months))
    components = np.zeros((len(seats.teams), len(SEAT_COMPONENTS)))
    windowed: FloatArray | None = None
    extra_monthly = np.zeros((trials, inp.term_months)) if inp.api_contract.extra_usage_counts else None
    seat_months = []
    held: list[dict[str, Float32Array]] = []
    for j, (team, decision) in enumerate(zip(seats.teams, seats.decisions, strict=True)):
        options = (
            {} if seats.exact_max_engineers is None else {"exact_max_engineers": seats.exact_max_engineers}
        )
        tb = simulate_team_block(
            team, decision, seats.plans, seats.contract,
            months=inp.term_months, seed=inp.seed, block=block, item=j, trials=trials,
            correlation=seats.correlation or inp.correlation, **options,
        )  # fmt: skip
        costs[j] = tb.cost_usd
        api_monthly += tb.api_billed_monthly_usd
        components[j] = [
            tb.seat_fees_usd.sum(),
            tb.idle_seat_cost_usd.sum(),
            tb.extra_usage_usd.sum(),
            tb.blocked_usage_usd.sum(),
            tb.blocked_value_usd.sum(),
            tb.api_billed_usd.sum(),
        ]
        seat_months.append(tb.seat_months_by_plan.sum(axis=1))
        if extra_monthly is not None and tb.extra_usage_monthly_usd is not None:
            extra_monthly += tb.extra_usage_monthly_usd
        held.append(dict(tb.organization_held))
        if tb.cost_windowed_usd is not None:
            windowed = tb.cost_windowed_usd.copy() if windowed is None else windowed + tb.cost_windowed_usd
    for minimum in seats.organization_minimums:
        # The organisation's top-up seats at the monthly price, carried by the teams in proportion to their
        # expected seats of the plan (docs/decisions.md#minimum-seats); idle by definition.
        top_up = top_up_seat_months(minimum, [h.get(minimum.plan) for h in held], trials)
        fees = minimum.monthly_usd * top_up
        for j, weight in enumerate(minimum.team_weights):
            if weight > 0:
                costs[j] += weight * fees
                components[j, 0] += weight * fees.sum()
                components[j, 1] += weight * fees.sum()
                k = seats.teams[j].allowed_plans.index(minimum.plan)
                seat_months[j][k] += weight * top_up.sum()
        if windowed is not None:
            windowed += fees
    return SeatTotals(costs, api_monthly, components, tuple(seat_months), windowed, extra_monthly)
