"""Small plotting primitives on ReportLab shapes: a data-to-points mapping, ticks, axes, legends.

`reportlab.graphics.charts` draws most charts, but fan bands, marked commitments, log axes and tornadoes
need exact control over every label, so the brief's charts are drawn from these few pieces instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.fonts import BOLD, REGULAR, register_fonts

INK = colors.HexColor("#1d2b3a")
MUTED = colors.HexColor("#5b6b7b")
GRID = colors.HexColor("#dde3ea")
BLUE = colors.HexColor("#2f6fb0")
BAND_OUTER = colors.HexColor("#dbe7f5")
BAND_INNER = colors.HexColor("#a9c6e8")
ORANGE = colors.HexColor("#d9822b")
RED = colors.HexColor("#b8392b")
GREEN = colors.HexColor("#3c8d5a")
PURPLE = colors.HexColor("#7b5ea7")
SERIES = (BLUE, ORANGE, GREEN, RED, PURPLE, colors.HexColor("#8c6d31"), colors.HexColor("#4a9ca6"))
CHART_WIDTH = 500.0  # fits the brief's 512 pt text column
LEFT = 62.0  # room for y tick labels and the rotated axis title
RIGHT = 12.0
TICK_FONT_SIZE = 7
LABEL_FONT_SIZE = 7.5


@dataclass(frozen=True)
class Axes:
    """A plotting rectangle in points and the data range it shows (x may be logarithmic)."""

    left: float
    bottom: float
    width: float
    height: float
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    x_log: bool = False
    y_log: bool = False

    def x(self, value: float) -> float:
        return self.left + self.width * _fraction(value, self.x_min, self.x_max, self.x_log)

    def y(self, value: float) -> float:
        return self.bottom + self.height * _fraction(value, self.y_min, self.y_max, self.y_log)

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def top(self) -> float:
        return self.bottom + self.height


def _fraction(value: float, low: float, high: float, log: bool) -> float:
    if log:
        value, low, high = math.log10(max(value, 1e-12)), math.log10(low), math.log10(high)
    if high == low:
        return 0.5
    return min(max((value - low) / (high - low), -0.02), 1.02)


def new_drawing(width: float, height: float) -> Drawing:
    register_fonts()
    return Drawing(width, height)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k steps) from at or below `low` to at or above `high`."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low, low + 1.0]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def log_ticks(low: float, high: float) -> list[float]:
    """1, 2, 5 x 10^k ticks inside [low, high]."""
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10.0**exponent
            if low <= value <= high:
                ticks.append(value)
    return ticks


def text(
    drawing: Drawing,
    x: float,
    y: float,
    value: str,
    *,
    size: float = LABEL_FONT_SIZE,
    anchor: str = "start",
    color: colors.Color = INK,
    bold: bool = False,
    angle: float = 0,
) -> None:
    label = String(
        0, 0, value, fontName=BOLD if bold else REGULAR, fontSize=size, fillColor=color, textAnchor=anchor
    )
    if angle:
        group = Group(label)
        group.translate(x, y)
        group.rotate(angle)
        drawing.add(group)
        return
    label.x, label.y = x, y
    drawing.add(label)


def fit_text(value: str, width: float, size: float = LABEL_FONT_SIZE) -> str:
    """Cut a label with an ellipsis so it fits in `width` points."""
    if stringWidth(value, REGULAR, size) <= width:
        return value
    while value and stringWidth(value + "…", REGULAR, size) > width:
        value = value[:-1]
    return value.rstrip() + "…"


def draw_axes(
    drawing: Drawing,
    axes: Axes,
    *,
    x_ticks: Sequence[float],
    y_ticks: Sequence[float],
    x_format: Callable[[float], str],
    y_format: Callable[[float], str],
    x_label: str,
    y_label: str,
) -> None:
    """Grid lines, tick labels and axis titles (units belong in the titles)."""
    for value in y_ticks:
        y = axes.y(value)
        drawing.add(Line(axes.left, y, axes.right, y, strokeColor=GRID, strokeWidth=0.5))
        text(drawing, axes.left - 4, y - 2.5, y_format(value), size=TICK_FONT_SIZE, anchor="end", color=MUTED)
    for value in x_ticks:
        x = axes.x(value)
        drawing.add(Line(x, axes.bottom, x, axes.bottom - 3, strokeColor=MUTED, strokeWidth=0.5))
        text(drawing, x, axes.bottom - 11, x_format(value), size=TICK_FONT_SIZE, anchor="middle", color=MUTED)
    drawing.add(Line(axes.left, axes.bottom, axes.right, axes.bottom, strokeColor=MUTED, strokeWidth=0.7))
    drawing.add(Line(axes.left, axes.bottom, axes.left, axes.top, strokeColor=MUTED, strokeWidth=0.7))
    text(drawing, axes.left + axes.width / 2, axes.bottom - 23, x_label, anchor="middle", color=MUTED)
    text(
        drawing,
        axes.left - 42,
        axes.bottom + axes.height / 2,
        y_label,
        anchor="middle",
        color=MUTED,
        angle=90,
    )


def polyline(
    drawing: Drawing,
    points: Sequence[tuple[float, float]],
    color: colors.Color,
    *,
    width: float = 1.4,
    dash: Sequence[float] | None = None,
) -> None:
    flat = [coordinate for point in points for coordinate in point]
    drawing.add(PolyLine(flat, strokeColor=color, strokeWidth=width, strokeDashArray=dash, strokeLineJoin=1))


def band(
    drawing: Drawing,
    upper: Sequence[tuple[float, float]],
    lower: Sequence[tuple[float, float]],
    color: colors.Color,
) -> None:
    """A filled band between two polylines drawn over the same x values."""
    outline = list(upper) + list(reversed(lower))
    drawing.add(Polygon([c for p in outline for c in p], fillColor=color, strokeColor=None, strokeWidth=0))


def legend(
    drawing: Drawing,
    x: float,
    y: float,
    entries: Sequence[tuple[str, colors.Color, str]],
    *,
    max_width: float | None = None,
) -> float:
    """Legend entries left to right, wrapping below `max_width`; kind is "line", "dash" or "box".

    Kind "none" writes a note without a key. Returns the y of the last row.
    """
    start = x
    for label, color, kind in entries:
        entry_width = 15 + stringWidth(label, REGULAR, TICK_FONT_SIZE) + 12
        if max_width is not None and x > start and x + entry_width - start > max_width:
            x, y = start, y - 11
        if kind == "box":
            drawing.add(Rect(x, y - 1, 10, 7, fillColor=color, strokeColor=None))
        elif kind == "none":
            x -= 15
        else:
            dash = (3, 2) if kind == "dash" else None
            drawing.add(
                Line(x, y + 2.5, x + 12, y + 2.5, strokeColor=color, strokeWidth=1.6, strokeDashArray=dash)
            )
        text(drawing, x + 15, y, label, size=TICK_FONT_SIZE, color=INK)
        x += entry_width
    return y


def title(drawing: Drawing, value: str) -> None:
    text(drawing, 0, drawing.height - 11, value, size=9, bold=True)


def callout(
    drawing: Drawing,
    x: float,
    y: float,
    value: str,
    *,
    size: float = 7,
    anchor: str = "start",
    color: colors.Color = INK,
    bold: bool = False,
) -> None:
    """A label on a white box, readable over lines."""
    width = stringWidth(value, BOLD if bold else REGULAR, size)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    drawing.add(
        Rect(left - 2, y - 2, width + 4, size + 3, fillColor=colors.white, strokeColor=None, fillOpacity=0.85)
    )
    text(drawing, x, y, value, size=size, anchor=anchor, color=color, bold=bold)
