"""The charts as Drawings: vector, labelled with units, renderable to SVG for an admin page, and faithful."""

from __future__ import annotations

import copy
import itertools
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Group, String

from forecasting.engine.contract import SensitivityRow
from reports import charts
from reports.formatting import money
from reports.plotting import nice_ticks
from reports.result_view import DRIVER_LABELS, Metric, move_amount, plan_label
from reports.seat_charts import Series, charted_team, curve_series
from reports.sensitivity_charts import CASES_NOTE
from tests.reports.pdf_tools import example_result, load_fixture

RESULT = example_result()
CATALOG = load_fixture("catalog_example.json")
CHARTS: dict[str, Callable[[], Drawing]] = {
    "fan": lambda: charts.monthly_spend_fan(RESULT),
    "distribution": lambda: charts.period_spend_distribution(RESULT),
    "curve": lambda: charts.commitment_curve(RESULT["api"]["periods"][0]),
    "features": lambda: charts.feature_spend(RESULT),
    "break_even": lambda: charts.plan_break_even(RESULT, CATALOG),
    "tornado_cost": lambda: charts.tornado(RESULT, metric="expected_cost"),
    "tornado_commitment": lambda: charts.tornado(RESULT, metric="commitment"),
}


def strings(node: Any) -> Iterator[String]:
    """Every text shape of a drawing, in drawing order."""
    for child in getattr(node, "contents", []):
        if isinstance(child, String):
            yield child
        elif isinstance(child, Group | Drawing):
            yield from strings(child)


def texts(drawing: Drawing) -> list[str]:
    return [s.text for s in strings(drawing)]


@pytest.mark.parametrize("name", CHARTS)
def test_chart_is_a_drawing_that_renders_to_well_formed_svg_without_images(name: str) -> None:
    drawing = CHARTS[name]()
    assert isinstance(drawing, Drawing)
    svg = renderSVG.drawToString(drawing)
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.endswith("image")]


@pytest.mark.parametrize("name", CHARTS)
def test_chart_axis_titles_carry_their_units(name: str) -> None:
    assert any("(USD" in text for text in texts(CHARTS[name]()))


def test_hostile_feature_name_stays_text_in_svg() -> None:
    result = copy.deepcopy(RESULT)
    result["api"]["features"][0]["name"] = '<script>alert(1)</script><img src="/etc/passwd"/>'
    root = ET.fromstring(renderSVG.drawToString(charts.feature_spend(result)))
    assert not [e for e in root.iter() if e.tag.endswith(("script", "image"))]
    assert any((e.text or "").startswith("<script>") for e in root.iter())


def test_distribution_marks_the_list_spend_the_commitment_covers() -> None:
    # A commitment C at a discount d pays for C / (1 - d) of list spend.
    recommended = RESULT["api"]["periods"][0]["recommended"]
    commitment, discount = recommended["commitment"], recommended["discount"]
    assert 0 < discount < 1  # the example's recommendation sits in a discount band
    labels = texts(charts.period_spend_distribution(RESULT))
    assert (
        f"{money(commitment)} commitment covers {money(commitment / (1 - discount))} of list spend" in labels
    )


def test_curve_marks_the_recommendation_and_the_band_floors() -> None:
    recommended = RESULT["api"]["periods"][0]["recommended"]
    labels = texts(charts.commitment_curve(RESULT["api"]["periods"][0]))
    assert (
        f"recommended {money(recommended['commitment'])}: expected cost {money(recommended['expected_cost'])}"
        in labels
    )
    assert {"10% band from here", "15% band from here"} <= set(labels)


def test_tornado_puts_the_widest_swing_first() -> None:
    rows = RESULT["sensitivity"]
    widest: dict[Metric, SensitivityRow] = {
        "expected_cost": max(rows, key=lambda r: abs(r["expected_cost_high"] - r["expected_cost_low"])),
        "commitment": max(rows, key=lambda r: abs(r["commitment_high"] - r["commitment_low"])),
    }
    # in the example the two metrics' widest drivers differ, so the order is the metric's, not fixed
    assert widest["expected_cost"]["driver"] != widest["commitment"]["driver"]
    for metric, row in widest.items():
        labels = texts(charts.tornado(RESULT, metric=metric))
        first = labels.index(DRIVER_LABELS[row["driver"]])
        assert all(first < labels.index(DRIVER_LABELS[r["driver"]]) for r in rows if r is not row)


def test_the_tornado_labels_its_cases_as_offsets_from_the_headline() -> None:
    # issue 14: the centre was the subsample's unmoved cost, not the headline the reader saw on page 1
    baseline = RESULT["sensitivity_baseline"]
    assert baseline is not None
    shift = RESULT["total"]["expected_cost"] - baseline["expected_cost"]
    assert abs(shift) >= 1_000  # enough to change the labels: the test would catch an unshifted tornado
    labels = texts(charts.tornado(RESULT, metric="expected_cost"))
    stored_values = [
        v for r in RESULT["sensitivity"] for v in (r["expected_cost_low"], r["expected_cost_high"])
    ]
    assert any(money(v) != money(v + shift) for v in stored_values)  # shifted labels read differently
    for row in RESULT["sensitivity"]:
        for stored in (row["expected_cost_low"], row["expected_cost_high"]):
            if abs(stored - baseline["expected_cost"]) > 0.5:  # an unmoved case carries no label
                assert money(stored + shift) in labels, (row["driver"], money(stored + shift))


def test_the_tornado_rows_state_each_move_whole_never_cut() -> None:
    # issue 14: "tokens per reque…": the move under each driver was cut; it now shows the amounts only
    labels = texts(charts.tornado(RESULT, metric="expected_cost"))
    assert not [label for label in labels if label.endswith("…")]
    for row in RESULT["sensitivity"]:
        low, high = move_amount(row["low"]), move_amount(row["high"])
        assert f"{low} / {high}" in labels
        assert {low[:1], high[:1]} == {"+", "−"}  # amounts with their directions, e.g. −20% / +20%


def test_the_tornado_states_its_cases_itself_wherever_it_is_shown() -> None:
    """The run page shows the tornado without the brief's table, so the chart names no table; its legend
    points to the cases it draws under each driver (checked above)."""
    metrics: tuple[Metric, ...] = ("expected_cost", "commitment")
    for metric in metrics:
        labels = texts(charts.tornado(RESULT, metric=metric))
        assert not [label for label in labels if "table" in label.lower()]
        assert CASES_NOTE in labels


def test_feature_chart_shows_fifteen_features_and_sums_the_rest() -> None:
    result = copy.deepcopy(RESULT)
    result["api"]["features"] = [
        {
            "name": f"Feature {i:02d}",
            "spend": {"mean": 1000.0 * (i + 1), "p5": 500.0, "p50": 900.0, "p95": 2e5},
        }
        for i in range(40)
    ]
    labels = texts(charts.feature_spend(result))
    assert "Feature 39" in labels
    assert "Feature 25" in labels
    assert "Feature 24" not in labels
    # the 25 smallest are features 0..24: 1,000 x (1 + ... + 25) = $325,000
    assert "25 more features" in labels
    assert "$325K together" in labels


# The chart draws each plan's cost at 121 log-spaced usages ($10 to $10,000, 5.9% apart); a crossing read
# off the drawn points by linear interpolation in log usage is within 1% of the exact break-even there.
CROSSING_TOLERANCE = 0.01


def envelope_crossings(series: Series) -> list[tuple[str, str, float]]:
    """Where the cheapest drawn line changes, read off the drawn points (linear in log usage)."""
    out = []
    grid = [u for u, _ in series[0][1]]
    for i in range(len(grid) - 1):
        here = min(series, key=lambda line: line[1][i][1])
        there = min(series, key=lambda line: line[1][i + 1][1])
        if here[0] == there[0]:
            continue
        gap0 = here[1][i][1] - there[1][i][1]
        gap1 = here[1][i + 1][1] - there[1][i + 1][1]
        t = gap0 / (gap0 - gap1)
        out.append((here[0], there[0], math.exp(math.log(grid[i]) + t * math.log(grid[i + 1] / grid[i]))))
    return out


@pytest.mark.parametrize("team", range(len(RESULT["seats"]["teams"])))
def test_break_even_lines_cross_at_the_stated_break_evens(team: int) -> None:
    """The chart's crossings, from the points it draws, are the result's break-evens (issue 14: the text
    said $108 where the chart crossed at $190)."""
    data = RESULT["seats"]["teams"][team]
    drawn = envelope_crossings(curve_series(data))
    stated = [(b["from_plan"], b["to_plan"], b["monthly_usage_usd"]) for b in data["break_even"]]
    assert [(a, b) for a, b, _ in drawn] == [(a, b) for a, b, _ in stated]
    for (_, _, chart_usd), (_, _, text_usd) in zip(drawn, stated, strict=True):
        assert chart_usd == pytest.approx(text_usd, rel=CROSSING_TOLERANCE)


def test_break_even_chart_has_one_line_per_plan_and_names_a_plan_that_is_never_cheapest() -> None:
    """Issue 14: two dated catalog rows drew two "Team premium" lines, and Max 5x hid under one."""
    shaped = copy.deepcopy(RESULT)
    team = charted_team(shaped)
    assert team is not None
    for row in team["mix"]:
        if row["plan"] == "max_5x":
            row["share"] = 0.0
    labels = texts(charts.plan_break_even(shaped, CATALOG))
    curve = team["plan_cost_curve"]
    assert curve is not None
    for line in curve["plans"]:
        assert sum(label.startswith(plan_label(line["plan"]) + " (") for label in labels) <= 1
        assert sum(plan_label(line["plan"]) in label for label in labels) == 1
    assert [label for label in labels if label.endswith("never cheapest")] == [
        f"{plan_label('max_5x')} ($100 + usage above $525), never cheapest"
    ]
    assert f"{plan_label('pro')} ($17 + blocked above $105)" in labels


def test_break_even_chart_marks_each_break_even_with_its_figure() -> None:
    team = charted_team(RESULT)
    assert team is not None
    labels = texts(charts.plan_break_even(RESULT, CATALOG))
    for point in team["break_even"]:
        assert money(point["monthly_usage_usd"]) in labels


@given(
    low=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    width=st.floats(min_value=1e-3, max_value=1e9, allow_nan=False),
    count=st.integers(min_value=2, max_value=10),
)
def test_nice_ticks_cover_the_range_in_equal_round_steps(low: float, width: float, count: int) -> None:
    high = low + width
    if high <= low:  # width lost to rounding at large magnitudes
        return
    ticks = nice_ticks(low, high, count)
    steps = [b - a for a, b in itertools.pairwise(ticks)]
    step = max(steps)
    # Tolerance: tick values are floats, so a difference of two ticks carries a rounding error of about
    # 1e-15 of their magnitude; anything within that (or a millionth of a step) is float noise.
    noise = max(abs(ticks[0]), abs(ticks[-1])) * 1e-15 + step * 1e-6
    assert ticks[0] <= low + noise
    assert ticks[-1] >= high - noise
    assert len(ticks) <= 2 * count + 2
    assert max(steps) - min(steps) <= 2 * noise
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5, 10)) <= 2 * noise / 10 ** math.floor(
        math.log10(step)
    )
