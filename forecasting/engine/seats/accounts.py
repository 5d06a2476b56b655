"""From simulated seat demand and usage to the team's bill: seat fees, idle seats,
usage (docs/model.md#seat-path and docs/decisions.md#seats-per-team).

Both simulations (fast and brute force) hand the same arrays to `team_block`, so the two differ only in
how they draw demand and usage, never in how a seat or a dollar of overflow is priced.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from forecasting.engine.arrays import FloatArray
from forecasting.engine.seats.decision import SEAT_YEAR_MONTHS, PlanMix, TeamDecision
from forecasting.engine.seats.model import Float32Array, PlanTerms, TeamBlock
from forecasting.engine.seats.workspace import Workspace

CLIP_HIGH = np.float32(3e38)  # np.clip with two scalar bounds is ~5x faster here than with one


@dataclass(frozen=True)
class SeatBill:
    """Seat fees of one plan per trial: total, the idle part, and seat-months bought."""

    fees_usd: FloatArray
    idle_usd: FloatArray
    seat_months: FloatArray


def seat_bill(
    demand: Float32Array,
    plan: PlanTerms,
    annual_seats: Float32Array,
    min_seats: int,
    sum_demand: FloatArray | None = None,
    work: Workspace | None = None,
) -> SeatBill:
    """Seats for monthly demand D_t (T, n): N_t annual seats, the rest monthly, at least `min_seats` in all.

    Seats held in month t: max(D_t, N_t, min); annual seats cost their annual price, the others the
    monthly price. Idle: annual seats above demand, and monthly seats bought only to reach the minimum.
    """
    if sum_demand is None:
        sum_demand = demand.sum(axis=0).astype(np.float64)
    buffer = np.empty_like(demand) if work is None else work.array("held", demand.shape)
    held_annual = _held(demand, annual_seats, sum_demand, buffer)
    held = _held(demand, np.maximum(annual_seats, np.float32(min_seats)), sum_demand, buffer)
    annual_months = float(annual_seats.sum(dtype=np.float64))
    annual_price = plan.annual_monthly_usd or 0.0
    fees = annual_months * annual_price + plan.monthly_usd * (held - annual_months)
    idle = annual_price * (held_annual - sum_demand) + plan.monthly_usd * (held - held_annual)
    return SeatBill(fees, idle, held)


def _held(
    demand: Float32Array, floor_by_month: Float32Array, sum_demand: FloatArray, buffer: Float32Array
) -> FloatArray:
    """sum_t max(D_t, floor_t) per trial, clipping each run of months with one floor at once."""
    if not floor_by_month.any():
        return sum_demand
    total = np.zeros(demand.shape[1], dtype=np.float32)
    starts = [0, *(np.flatnonzero(np.diff(floor_by_month)) + 1), floor_by_month.size]
    for a, b in itertools.pairwise(starts):
        np.clip(demand[a:b], floor_by_month[a], CLIP_HIGH, out=buffer[a:b])
    total += buffer.sum(axis=0)
    return total.astype(np.float64)


def annual_by_month(entry: PlanMix, months: int, window: int | None) -> Float32Array:
    """Annual seats held in each month: one count per seat year (re-chosen at each renewal), or one per
    window of `window` months. A mix without per-year counts holds `annual_seats` for the whole term."""
    if window is None or entry.annual_seats_by_window is None:
        if not entry.annual_seats_by_year:
            return np.full(months, entry.annual_seats, dtype=np.float32)
        by_year = np.array(entry.annual_seats_by_year, dtype=np.float32)
        return np.repeat(by_year, SEAT_YEAR_MONTHS)[:months]
    return np.repeat(np.array(entry.annual_seats_by_window, dtype=np.float32), window)[:months]


def team_block(
    decision: TeamDecision,
    demand: Float32Array,
    usage_usd: FloatArray,
    api_monthly_usd: FloatArray,
    engineer_months: FloatArray | None = None,
    work: Workspace | None = None,
) -> TeamBlock:
    """Price one block: `demand` (K, T, n) active engineers per plan, `usage_usd` (K, n) overflow (usage for
    usage-only plans) before lambda, `api_monthly_usd` (n, T) usage of the `api` pseudo-plan, and
    optionally `engineer_months` (K, n), demand summed over months (saves a pass over `demand`)."""
    months, trials = demand.shape[1], demand.shape[2]
    zeros = np.zeros(trials)
    fees, idle, extra = zeros.copy(), zeros.copy(), zeros.copy()
    blocked, blocked_value = zeros.copy(), zeros.copy()
    fees_windowed = zeros.copy() if decision.window_months is not None else None
    # (K, n) stored trials-major (Fortran order): summed over trials, each plan's seat-months add up in
    # the order they always have (a C-order copy would sum pairwise and move the last bits).
    seat_months = np.zeros((len(decision.terms), trials), order="F")
    organization_held = []
    for k, (plan, entry) in enumerate(zip(decision.terms, decision.mix, strict=True)):
        if plan.blocked:  # refused usage, kept unvalued; its value enters the cost, not the bill
            blocked += usage_usd[k]
            blocked_value += plan.overflow_weight * usage_usd[k]
        elif not plan.api_billed:
            extra += plan.overflow_weight * usage_usd[k]
        if not plan.has_seats or entry.share <= 0:
            continue
        sum_demand = None if engineer_months is None else engineer_months[k]
        annual = annual_by_month(entry, months, None)
        bill = seat_bill(demand[k], plan, annual, plan.min_seats, sum_demand, work)
        if plan.organization_min_seats > 0:  # the organisation's floor is billed over all teams
            organization_held.append((plan.key, np.maximum(demand[k], annual[:, None])))
        fees += bill.fees_usd
        idle += bill.idle_usd
        seat_months[k] = bill.seat_months
        if fees_windowed is not None:
            by_window = annual_by_month(entry, months, decision.window_months)
            fees_windowed += seat_bill(demand[k], plan, by_window, plan.min_seats, sum_demand, work).fees_usd
    api = api_monthly_usd.sum(axis=1)
    usage_cost = extra + blocked_value + api
    extra_monthly = _extra_by_month(decision, demand, usage_usd) if decision.extra_usage_counts else None
    return TeamBlock(
        cost_usd=fees + usage_cost,
        seat_fees_usd=fees,
        idle_seat_cost_usd=idle,
        extra_usage_usd=extra,
        blocked_usage_usd=blocked,
        blocked_value_usd=blocked_value,
        api_billed_usd=api,
        api_billed_monthly_usd=api_monthly_usd,
        seat_months_by_plan=seat_months,
        cost_windowed_usd=None if fees_windowed is None else fees_windowed + usage_cost,
        extra_usage_monthly_usd=extra_monthly,
        organization_held=tuple(organization_held),
    )


def _extra_by_month(decision: TeamDecision, demand: Float32Array, usage_usd: FloatArray) -> FloatArray:
    """(n, T) extra usage of the seat plans per month, for the periods of the API commitment when it
    counts toward it (docs/decisions.md#seats-and-commitment-together).

    The simulations keep each plan's extra usage per trial over the term; it is spread over the months in
    proportion to the plan's active engineers D_kt (the term total is exact, so is every period's when the
    commitment period is the term; within a longer term it ignores the month-to-month level, a stated
    approximation)."""
    months, trials = demand.shape[1], demand.shape[2]
    out = np.zeros((trials, months))
    for k, plan in enumerate(decision.terms):
        if plan.blocked or plan.api_billed or not usage_usd[k].any():
            continue
        by_month = demand[k].astype(np.float64)  # (T, n)
        engineer_months = by_month.sum(axis=0)
        share = np.divide(by_month, engineer_months, out=np.full_like(by_month, 1.0 / months),
                          where=engineer_months > 0)  # fmt: skip
        out += (share * (plan.overflow_weight * usage_usd[k])).T
    return out
