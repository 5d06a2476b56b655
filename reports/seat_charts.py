"""The seat break-even chart: one engineer's monthly cost on each catalog plan against their usage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.graphics.shapes import Drawing

from reports import plotting as plot
from reports.formatting import as_number, money, money_tick, price
from reports.plotting import CHART_WIDTH, LEFT, RIGHT
from reports.result_view import plan_label


def plan_break_even(
    catalog: Mapping[str, Any],
    *,
    width: float = CHART_WIDTH,
    height: float = 300.0,
    blocked_usage_value: float = 1.0,
) -> Drawing:
    """Monthly cost of one engineer on each catalog plan against their API-equivalent usage (log-log).

    A plan costs its seat price (the annual-billed price where the plan has one) plus overflow above its
    capacity: extra usage at list, or blocked usage valued at `blocked_usage_value` per API dollar. The
    `api` pseudo-plan costs the usage itself. Where two lines cross is the break-even usage.
    """
    drawing = plot.new_drawing(width, height)
    plot.title(drawing, "Plan cost per engineer-month against usage (break-even chart)")
    plans = list(catalog.get("plans", []))
    usage_low, usage_high = 10.0, 10_000.0
    axes = plot.Axes(
        LEFT,
        42,
        width - LEFT - RIGHT,
        height - 100,
        usage_low,
        usage_high,
        usage_low,
        usage_high,
        x_log=True,
        y_log=True,
    )
    ticks = plot.log_ticks(usage_low, usage_high)
    plot.draw_axes(
        drawing,
        axes,
        x_ticks=ticks,
        y_ticks=ticks,
        x_format=money_tick,
        y_format=money_tick,
        x_label="API-equivalent usage per engineer per month (USD, log scale)",
        y_label="Cost per engineer-month (USD, log)",
    )
    grid = [usage_low * (usage_high / usage_low) ** (i / 120) for i in range(121)]
    entries = []
    for index, plan in enumerate(plans):
        color = plot.SERIES[index % len(plot.SERIES)]
        costs = [plan_cost_per_engineer_month(plan, u, blocked_usage_value) for u in grid]
        clipped = [min(max(c, usage_low), usage_high) for c in costs]
        line = [(axes.x(u), axes.y(c)) for u, c in zip(grid, clipped, strict=True)]
        plot.polyline(
            drawing, line, color, width=1.3, dash=(3, 2) if plan.get("overflow") == "blocked" else None
        )
        entries.append((_plan_legend(plan), color, "dash" if plan.get("overflow") == "blocked" else "line"))
    plot.legend(drawing, LEFT, height - 28, entries, max_width=width - LEFT - RIGHT)
    return drawing


def plan_cost_per_engineer_month(
    plan: Mapping[str, Any], usage_usd: float, blocked_usage_value: float = 1.0
) -> float:
    """Seat price (annual-billed where offered) plus overflow above capacity; `api` costs the usage itself."""
    if plan.get("key") == "api":
        return usage_usd
    seat = as_number(plan.get("annual_monthly_usd")) or as_number(plan.get("monthly_usd")) or 0.0
    capacity = as_number(plan.get("capacity_usd")) or 0.0
    rate = blocked_usage_value if plan.get("overflow") == "blocked" else 1.0
    return seat + rate * max(usage_usd - capacity, 0.0)


def _plan_legend(plan: Mapping[str, Any]) -> str:
    if plan.get("key") == "api":
        return plan_label("api")
    seat = as_number(plan.get("annual_monthly_usd")) or as_number(plan.get("monthly_usd"))
    suffix = ", blocked above cap" if plan.get("overflow") == "blocked" else ""
    capacity = money(plan.get("capacity_usd"))
    return f"{plan_label(plan.get('key'))} ({price(seat)} + usage above {capacity}{suffix})"
