"""The sensitivity tornado: each driver's low and high case against the baseline, widest swing first."""

from __future__ import annotations

import math

from reportlab.graphics.shapes import Drawing, Line, Rect

from forecasting.engine.contract import ForecastResult, SensitivityRow
from reports import plotting as plot
from reports.formatting import money, money_tick
from reports.plotting import CHART_WIDTH, RIGHT
from reports.result_view import Metric, driver_label, move_amount, sensitivity_base, sensitivity_case

CASES_NOTE = "(the low / high case under each driver)"


def tornado(
    result: ForecastResult,
    *,
    metric: Metric = "expected_cost",
    width: float = CHART_WIDTH,
) -> Drawing:
    """Sensitivity: each driver's low and high case as bars from the baseline value, widest swing first.

    The centre line is the headline (the total expected cost or the first period's recommended commitment)
    and each case is shown as the headline plus its difference from the unmoved subsample
    (`result_view.sensitivity_case`).
    """
    base = sensitivity_base(result, metric)
    rows = sorted(result["sensitivity"], key=lambda r: -_swing(r, metric))
    cases = {id(r): sensitivity_case(result, r, metric) for r in rows}
    # 20 pt a row up to seven drivers; with more (issue 15 added correlation) the rows share the same 140 pt
    # so the sensitivity page still holds both charts and the table.
    label_width, row_height = 150.0, min(20.0, 140.0 / max(len(rows), 1))
    height = 78 + row_height * max(len(rows), 1)
    drawing = plot.new_drawing(width, height)
    noun = "total expected cost" if metric == "expected_cost" else "recommended commitment (first period)"
    plot.title(drawing, f"Sensitivity of the {noun}")
    if not rows or base is None:
        return drawing
    values = [base] + [value for r in rows for value in cases[id(r)]]
    spread = max(max(values) - min(values), abs(base) * 0.02, 1.0)
    x_ticks = plot.nice_ticks(min(values) - spread * 0.12, max(values) + spread * 0.12, 6)
    axes = plot.Axes(
        label_width,
        42,
        width - label_width - RIGHT - 8,
        row_height * len(rows),
        x_ticks[0],
        x_ticks[-1],
        0,
        len(rows),
    )
    plot.draw_axes(
        drawing,
        axes,
        x_ticks=x_ticks,
        y_ticks=[],
        x_format=money_tick,
        y_format=str,
        x_label=f"{noun[:1].upper()}{noun[1:]} (USD); centre line: the headline, no driver moved",
        y_label="",
    )
    for row, sensitivity in enumerate(rows):
        y = axes.y(len(rows) - row - 0.5)
        _tornado_row(drawing, axes, y, sensitivity, cases[id(sensitivity)], base, label_width)
    drawing.add(Line(axes.x(base), axes.bottom, axes.x(base), axes.top, strokeColor=plot.INK, strokeWidth=1))
    plot.legend(
        drawing,
        label_width,
        height - 28,
        [
            ("low case", plot.BLUE, "box"),
            ("high case", plot.ORANGE, "box"),
            # The chart is shown without the brief's sensitivity table (the run page): it states the
            # cases itself, under each driver's name.
            (CASES_NOTE, plot.MUTED, "none"),
        ],
    )
    return drawing


def _low_high(row: SensitivityRow, metric: Metric) -> tuple[float, float]:
    if metric == "expected_cost":
        return row["expected_cost_low"], row["expected_cost_high"]
    return row["commitment_low"], row["commitment_high"]


def _swing(row: SensitivityRow, metric: Metric) -> float:
    low, high = _low_high(row, metric)
    return abs(high - low)


def _tornado_row(
    drawing: Drawing,
    axes: plot.Axes,
    y: float,
    row: SensitivityRow,
    case: tuple[float, float],
    base: float,
    label_width: float,
) -> None:
    plot.text(
        drawing, label_width - 6, y, plot.fit_text(driver_label(row["driver"]), label_width - 8), anchor="end"
    )
    moves = f"{move_amount(row['low'])} / {move_amount(row['high'])}"
    plot.text(
        drawing,
        label_width - 6,
        y - 8,
        plot.fit_text(moves, label_width - 8, 6),
        size=6,
        anchor="end",
        color=plot.MUTED,
    )
    # Low above, high below the row's centre: both stay visible when they move the same way.
    low, high = case
    for value, color, bar_bottom in ((low, plot.BLUE, y), (high, plot.ORANGE, y - 7)):
        x0, x1 = sorted((axes.x(base), axes.x(value)))
        drawing.add(Rect(x0, bar_bottom, max(x1 - x0, 0.6), 7, fillColor=color, strokeColor=None))
        if not math.isclose(value, base, rel_tol=1e-9, abs_tol=0.5):
            right = value > base
            plot.text(
                drawing,
                (x1 + 3) if right else (x0 - 3),
                bar_bottom + 1.2,
                money(value),
                size=6,
                anchor="start" if right else "end",
                color=plot.MUTED,
            )
    if high == low and math.isclose(low, base, abs_tol=0.5):
        plot.text(drawing, axes.x(base) + 5, y - 2.5, "no change", size=6.5, color=plot.MUTED)
