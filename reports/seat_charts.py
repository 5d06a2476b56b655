"""The seat break-even chart: a team's expected cost per engineer-month on each allowed plan against an
engineer's typical usage, drawn from the engine's `plan_cost_curve` (the curves the plan mix is cut from,
so its crossings are the break-evens the brief's text states)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing

from forecasting.engine.contract import ForecastResult, Team
from reports import plotting as plot
from reports.formatting import money, money_tick, price
from reports.plotting import CHART_WIDTH, LEFT, RIGHT
from reports.result_view import plan_label
from reports.seat_prices import is_uncertain, price_row

DASHES: tuple[tuple[float, ...] | None, ...] = (None, (4, 2), (1.5, 1.5), (6, 2, 1.5, 2))
Series = list[tuple[str, list[tuple[float, float]]]]  # (plan, [(usage, cost)]) as drawn


def charted_team(result: ForecastResult) -> Team | None:
    """The team the brief charts: the one with the most break-evens (the first of equals)."""
    teams = [t for t in result["seats"]["teams"] if t.get("plan_cost_curve") is not None]
    return max(teams, key=lambda t: len(t["break_even"])) if teams else None


def curve_series(team: Team) -> Series:
    """The lines the chart draws, in USD: each plan's cost per engineer-month at each typical usage."""
    curve = team.get("plan_cost_curve")
    if curve is None:
        return []
    return [
        (line["plan"], list(zip(curve["usage_usd"], line["cost_per_engineer_month"], strict=True)))
        for line in curve["plans"]
    ]


def plan_break_even(
    result: ForecastResult, catalog: Mapping[str, Any], *, width: float = CHART_WIDTH, height: float = 300.0
) -> Drawing:
    """Expected cost per engineer-month of each of a team's plans against typical usage (log-log), with
    the break-evens marked."""
    drawing = plot.new_drawing(width, height)
    team = charted_team(result)
    plot.title(
        drawing, f"{team['name'] if team else 'No team'}: plan cost per engineer-month (break-even chart)"
    )
    if team is None:
        return drawing
    # $10 to $10,000 a month, or to the decade above the curve's end when a break-even lies beyond $10,000
    # (the engine widens the curve to 1.5x its highest break-even, `seats.decision.CURVE_BEYOND_BREAK_EVEN`).
    curve_end = max((team.get("plan_cost_curve") or {"usage_usd": [10_000.0]})["usage_usd"] or [10_000.0])
    low, high = 10.0, max(10_000.0, 10.0 ** math.ceil(math.log10(curve_end) - 1e-9))
    axes = plot.Axes(
        LEFT, 42, width - LEFT - RIGHT, height - 100, low, high, low, high, x_log=True, y_log=True
    )
    ticks = plot.log_ticks(low, high)
    plot.draw_axes(
        drawing,
        axes,
        x_ticks=ticks,
        y_ticks=ticks,
        x_format=money_tick,
        y_format=money_tick,
        x_label="Typical usage of an engineer (API-equivalent USD per month, log scale)",
        y_label="Expected cost per engineer-month (USD, log)",
    )
    shares = {row["plan"]: row["share"] for row in team["mix"]}
    lines = {line["plan"]: line for line in (team.get("plan_cost_curve") or {"plans": []})["plans"]}
    entries = []
    for index, (plan, points) in enumerate(curve_series(team)):
        color = plot.SERIES[index % len(plot.SERIES)]
        dash = DASHES[index % len(DASHES)]
        xy = [(axes.x(u), axes.y(min(max(c, low), high))) for u, c in points]
        plot.polyline(drawing, xy, color, width=1.3, dash=dash)
        entries.append(
            (_legend(lines[plan], shares.get(plan, 0.0), catalog), color, "line" if dash is None else "dash")
        )
    for point in team["break_even"]:
        usage = point["monthly_usage_usd"]
        cost = _cost_at(curve_series(team), point["to_plan"], usage)
        if low <= usage <= high and cost is not None:
            x, y = axes.x(usage), axes.y(min(max(cost, low), high))
            drawing.add(Circle(x, y, 2.6, fillColor=plot.INK, strokeColor=None))
            plot.text(drawing, x + 3, y + 4, money(usage), size=plot.TICK_FONT_SIZE, color=plot.INK)
    plot.legend(drawing, LEFT, height - 28, entries, max_width=width - LEFT - RIGHT)
    return drawing


def _cost_at(series: Series, plan: str, usage: float) -> float | None:
    for key, points in series:
        if key == plan:
            return min(points, key=lambda p: abs(p[0] - usage))[1]
    return None


def _legend(line: Mapping[str, Any], share: float, catalog: Mapping[str, Any]) -> str:
    plan = str(line["plan"])
    if plan == "api":
        label = plan_label("api")
    else:
        row = price_row(catalog, plan, float(line["seat_price_usd"]))
        seat = f"{price(line['seat_price_usd'])}{'*' if is_uncertain(row) else ''}"
        above = "blocked above" if row is not None and row.get("overflow") == "blocked" else "usage above"
        label = f"{plan_label(plan)} ({seat} + {above} {money(line['capacity_usd'])})"
    return label if share > 0 else f"{label}, never cheapest"
