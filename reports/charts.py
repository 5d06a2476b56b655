"""The brief's charts as ReportLab `Drawing`s, built from a stored result (docs/result.md) and its catalog.

Every function is pure: plain mappings in, a vector `Drawing` out, so the PDF and a later admin page (via
`reportlab.graphics.renderSVG.drawToString`) show the same picture. User strings (feature names) are
cleaned with `display_text` and cut to fit; `String` shapes are plain text, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from reportlab.graphics.shapes import Circle, Drawing, Line, Rect
from reportlab.lib.colors import Color

from forecasting.engine.contract import ApiPeriod, CommitmentPoint, Distribution, ForecastResult, MonthlySpend
from reports import plotting as plot
from reports.formatting import display_text, money, money_tick, month, percent
from reports.plotting import CHART_WIDTH, LEFT, RIGHT
from reports.result_view import sorted_curve
from reports.seat_charts import charted_team, plan_break_even
from reports.sensitivity_charts import tornado

__all__ = [
    "charted_team",
    "commitment_curve",
    "feature_spend",
    "monthly_spend_fan",
    "period_spend_distribution",
    "plan_break_even",
    "tornado",
]


CurveKey = Literal["expected_cost", "p95_cost", "expected_unused", "expected_overage"]


def _money_axis(top: float) -> tuple[float, list[float]]:
    ticks = plot.nice_ticks(0.0, top if top > 0 else 1.0, 6)
    return max(ticks[-1], top), ticks


def monthly_spend_fan(
    result: ForecastResult, *, width: float = CHART_WIDTH, height: float = 190.0
) -> Drawing:
    """API list spend per month: the p5-p95 band, the median and the mean."""
    rows = result["api"]["monthly"]
    drawing = plot.new_drawing(width, height)
    plot.title(drawing, "API list spend per month")
    if not rows:
        return drawing
    y_max, y_ticks = _money_axis(max(r["p95"] for r in rows) * 1.05)
    axes = plot.Axes(LEFT, 42, width - LEFT - RIGHT, height - 78, 0, max(len(rows) - 1, 1), 0, y_max)
    step = next(s for s in (1, 3, 6, 12, 24) if len(rows) / s <= 8)
    plot.draw_axes(
        drawing,
        axes,
        x_ticks=range(0, len(rows), step),
        y_ticks=y_ticks,
        x_format=lambda i: month(rows[int(i)]["month"]),
        y_format=money_tick,
        x_label="Month",
        y_label="List spend per month (USD)",
    )

    def line(value: Callable[[MonthlySpend], float]) -> list[tuple[float, float]]:
        return [(axes.x(i), axes.y(value(r))) for i, r in enumerate(rows)]

    plot.band(drawing, line(lambda r: r["p95"]), line(lambda r: r["p5"]), plot.BAND_OUTER)
    plot.polyline(drawing, line(lambda r: r["p50"]), plot.BLUE, width=1.6)
    plot.polyline(drawing, line(lambda r: r["mean"]), plot.INK, width=0.9, dash=(3, 2))
    plot.legend(
        drawing,
        LEFT,
        height - 28,
        [
            ("5th–95th percentile", plot.BAND_OUTER, "box"),
            ("median", plot.BLUE, "line"),
            ("mean", plot.INK, "dash"),
        ],
    )
    return drawing


def period_spend_distribution(result: ForecastResult, *, width: float = CHART_WIDTH) -> Drawing:
    """Each period's list spend (p5/p10/p50/p90/p95 box plot) with the spend its commitment covers marked."""
    periods = list(result["api"]["periods"])
    row_height = 46.0
    height = 84 + row_height * len(periods)
    drawing = plot.new_drawing(width, height)
    plot.title(drawing, "List spend per contract period, and what the recommended commitment covers")
    covered = [_covered(p) for p in periods]
    values = [v for p in periods for v in (p["spend"]["p5"], p["spend"]["p95"])] + [c for c in covered if c]
    if not values:
        return drawing
    x_ticks = plot.nice_ticks(min(values) * 0.97, max(values) * 1.02, 7)
    axes = plot.Axes(
        118, 42, width - 118 - RIGHT, row_height * len(periods), x_ticks[0], x_ticks[-1], 0, len(periods)
    )
    plot.draw_axes(
        drawing,
        axes,
        x_ticks=x_ticks,
        y_ticks=[],
        x_format=money_tick,
        y_format=str,
        x_label="List spend in the period (USD)",
        y_label="",
    )
    for row, (period, cover) in enumerate(zip(periods, covered, strict=True)):
        _box_row(drawing, axes, len(periods) - row - 0.5, period, cover)
    plot.legend(
        drawing,
        118,
        height - 28,
        [
            ("10th–90th percentile", plot.BAND_INNER, "box"),
            ("5th–95th", plot.MUTED, "line"),
            ("median", plot.INK, "line"),
            ("list spend the commitment covers", plot.ORANGE, "line"),
        ],
        max_width=width - 118,
    )
    return drawing


def _covered(period: ApiPeriod) -> float | None:
    """List spend a commitment C at discount d pays for: C / (1 - d)."""
    commitment, discount = period["recommended"]["commitment"], period["recommended"]["discount"]
    return commitment / (1 - discount) if commitment and discount < 1 else None


def _box_row(
    drawing: Drawing, axes: plot.Axes, centre: float, period: ApiPeriod, cover: float | None
) -> None:
    spend = period["spend"]
    y = axes.y(centre)
    plot.text(drawing, 4, y + 2, f"Period {period['index'] + 1}: {month(period['start_month'])}", size=7.5)
    plot.text(drawing, 4, y - 8, f"{period['months']} months", size=7, color=plot.MUTED)
    drawing.add(
        Line(axes.x(spend["p5"]), y, axes.x(spend["p95"]), y, strokeColor=plot.MUTED, strokeWidth=0.8)
    )
    for whisker in (spend["p5"], spend["p95"]):
        drawing.add(
            Line(axes.x(whisker), y - 5, axes.x(whisker), y + 5, strokeColor=plot.MUTED, strokeWidth=0.8)
        )
    drawing.add(
        Rect(
            axes.x(spend["p10"]),
            y - 8,
            axes.x(spend["p90"]) - axes.x(spend["p10"]),
            16,
            fillColor=plot.BAND_INNER,
            strokeColor=plot.BLUE,
            strokeWidth=0.6,
        )
    )
    drawing.add(
        Line(axes.x(spend["p50"]), y - 8, axes.x(spend["p50"]), y + 8, strokeColor=plot.INK, strokeWidth=1.4)
    )
    if cover:
        x = axes.x(cover)
        drawing.add(Line(x, y - 12, x, y + 18, strokeColor=plot.ORANGE, strokeWidth=1.8))
        commitment = period["recommended"]["commitment"]
        label = f"{money(commitment)} commitment covers {money(cover)} of list spend"
        anchor = "start" if x < axes.left + axes.width * 0.6 else "end"
        plot.callout(
            drawing,
            x + (3 if anchor == "start" else -3),
            y + 11,
            label,
            size=6.5,
            anchor=anchor,
            color=plot.ORANGE,
        )


def commitment_curve(period: ApiPeriod, *, width: float = CHART_WIDTH, height: float = 180.0) -> Drawing:
    """Expected cost, p95 cost, expected unused and overage against the commitment, recommendation marked."""
    points = sorted_curve(period)
    drawing = plot.new_drawing(width, height)
    plot.title(drawing, f"Period {period['index'] + 1}: cost against commitment")
    if len(points) < 2:
        return drawing
    top = max(p["p95_cost"] or p["expected_cost"] for p in points) * 1.05
    y_max, y_ticks = _money_axis(top)
    x_max = points[-1]["commitment"] or 1.0
    axes = plot.Axes(LEFT, 42, width - LEFT - RIGHT, height - 90, 0, x_max, 0, y_max)
    plot.draw_axes(
        drawing,
        axes,
        x_ticks=plot.nice_ticks(0, x_max, 7),
        y_ticks=y_ticks,
        x_format=money_tick,
        y_format=money_tick,
        x_label="Commitment for the period (USD)",
        y_label="USD over the period",
    )
    _band_floor_marks(drawing, axes, points)
    series: tuple[tuple[CurveKey, str, Color, str], ...] = (
        ("expected_cost", "expected cost", plot.BLUE, "line"),
        ("p95_cost", "95th percentile cost", plot.RED, "dash"),
        ("expected_unused", "expected unused", plot.ORANGE, "line"),
        ("expected_overage", "expected overage", plot.GREEN, "dash"),
    )
    for key, _, color, kind in series:
        line = [(axes.x(p["commitment"]), axes.y(p[key])) for p in points]
        plot.polyline(
            drawing,
            line,
            color,
            width=1.5 if key == "expected_cost" else 1.1,
            dash=(3, 2) if kind == "dash" else None,
        )
    _mark_recommendation(drawing, axes, period["recommended"])
    plot.legend(
        drawing,
        LEFT,
        height - 28,
        [(label, color, kind) for _, label, color, kind in series],
        max_width=width - LEFT,
    )
    return drawing


def _band_floor_marks(drawing: Drawing, axes: plot.Axes, points: Sequence[CommitmentPoint]) -> None:
    seen: set[float] = set()
    for point in points:
        discount = point["discount"]
        if discount in seen:
            continue
        seen.add(discount)
        if discount > 0:
            x = axes.x(point["commitment"])
            drawing.add(
                Line(
                    x,
                    axes.bottom,
                    x,
                    axes.top,
                    strokeColor=plot.MUTED,
                    strokeWidth=0.5,
                    strokeDashArray=(1, 2),
                )
            )
            plot.text(
                drawing,
                x,
                axes.top + 3,
                f"{percent(discount)} band from here",
                size=6.5,
                anchor="middle",
                color=plot.MUTED,
            )


def _mark_recommendation(drawing: Drawing, axes: plot.Axes, recommended: CommitmentPoint) -> None:
    commitment, cost = recommended["commitment"], recommended["expected_cost"]
    x, y = axes.x(commitment), axes.y(cost)
    drawing.add(Line(x, axes.bottom, x, y, strokeColor=plot.INK, strokeWidth=0.6, strokeDashArray=(2, 2)))
    drawing.add(Circle(x, y, 3.2, fillColor=plot.INK, strokeColor=None))
    anchor = "start" if x < axes.left + axes.width * 0.7 else "end"
    offset = 5 if anchor == "start" else -5
    plot.callout(
        drawing,
        x + offset,
        y - 14,
        f"recommended {money(commitment)}: expected cost {money(cost)}",
        size=7,
        anchor=anchor,
        bold=True,
    )


def feature_spend(result: ForecastResult, *, width: float = CHART_WIDTH, max_features: int = 15) -> Drawing:
    """Expected list spend over the term per feature with its p5-p95 range, largest first."""
    features = sorted(result["api"]["features"], key=lambda f: -f["spend"]["mean"])
    shown, hidden = features[:max_features], features[max_features:]
    label_width = 150.0
    height = 70 + 16 * (len(shown) + (1 if hidden else 0))
    drawing = plot.new_drawing(width, height)
    plot.title(drawing, "API list spend by feature over the term")
    if not shown:
        return drawing
    x_max, x_ticks = _money_axis(max(f["spend"]["p95"] for f in shown) * 1.05)
    rows = len(shown) + (1 if hidden else 0)
    axes = plot.Axes(label_width, 42, width - label_width - RIGHT - 30, 16 * rows, 0, x_max, 0, rows)
    plot.draw_axes(
        drawing,
        axes,
        x_ticks=x_ticks,
        y_ticks=[],
        x_format=money_tick,
        y_format=str,
        x_label="List spend over the term (USD); bar: mean, line: 5th–95th percentile",
        y_label="",
    )
    for row, feature in enumerate(shown):
        y = axes.y(rows - row - 0.5)
        name = plot.fit_text(display_text(feature["name"], max_chars=80), label_width - 8)
        plot.text(drawing, label_width - 6, y - 2.5, name, size=7, anchor="end")
        _spend_bar(drawing, axes, y, feature["spend"])
    if hidden:
        total = sum(f["spend"]["mean"] for f in hidden)
        plot.text(
            drawing, label_width - 6, axes.y(0.5) - 2.5, f"{len(hidden)} more features", size=7, anchor="end"
        )
        plot.text(
            drawing, axes.left + 4, axes.y(0.5) - 2.5, f"{money(total)} together", size=7, color=plot.MUTED
        )
    return drawing


def _spend_bar(drawing: Drawing, axes: plot.Axes, y: float, spend: Distribution) -> None:
    mean, low, high = spend["mean"], spend["p5"], spend["p95"]
    drawing.add(
        Rect(axes.left, y - 5, axes.x(mean) - axes.left, 10, fillColor=plot.BAND_INNER, strokeColor=None)
    )
    drawing.add(Line(axes.x(low), y, axes.x(high), y, strokeColor=plot.INK, strokeWidth=0.8))
    plot.text(
        drawing,
        axes.x(high) + 4,
        y - 2.5,
        money(mean),
        size=6.5,
        color=plot.MUTED,
    )
