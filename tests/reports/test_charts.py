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

from reports import charts
from reports.plotting import nice_ticks
from reports.seat_charts import plan_cost_per_engineer_month
from tests.reports.pdf_tools import example_result, load_fixture

RESULT = example_result()
CATALOG = load_fixture("catalog_example.json")
CHARTS: dict[str, Callable[[], Drawing]] = {
    "fan": lambda: charts.monthly_spend_fan(RESULT),
    "distribution": lambda: charts.period_spend_distribution(RESULT),
    "curve": lambda: charts.commitment_curve(RESULT["api"]["periods"][0]),
    "features": lambda: charts.feature_spend(RESULT),
    "break_even": lambda: charts.plan_break_even(CATALOG),
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
    # C = $780K at a 10% discount pays for C / (1 - d) = $866,667 of list spend.
    labels = texts(charts.period_spend_distribution(RESULT))
    assert "$780K commitment covers $867K of list spend" in labels


def test_curve_marks_the_recommendation_and_the_band_floors() -> None:
    labels = texts(charts.commitment_curve(RESULT["api"]["periods"][0]))
    assert "recommended $780K: expected cost $861K" in labels
    assert {"10% band from here", "15% band from here"} <= set(labels)


def test_tornado_puts_the_widest_swing_first() -> None:
    rows = RESULT["sensitivity"]
    widest_cost = max(rows, key=lambda r: abs(r["expected_cost_high"] - r["expected_cost_low"]))
    widest_commitment = max(rows, key=lambda r: abs(r["commitment_high"] - r["commitment_low"]))
    assert widest_cost["driver"] == "growth"
    assert widest_commitment["driver"] == "tokens"
    cost_labels = texts(charts.tornado(RESULT, metric="expected_cost"))
    commitment_labels = texts(charts.tornado(RESULT, metric="commitment"))
    assert cost_labels.index("Feature growth") < cost_labels.index("Tokens per request")
    assert commitment_labels.index("Tokens per request") < commitment_labels.index("Feature growth")


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


@pytest.mark.parametrize(
    ("cheaper", "dearer", "usage_usd", "blocked_value"),
    [
        ("api", "pro", 17.0, 1.0),  # API billing costs the usage: equal to Pro's $17 annual-billed seat
        ("pro", "max_5x", 188.0, 1.0),  # 17 + (u - 105) = 100
        ("pro", "max_5x", 146.5, 2.0),  # Pro blocks: 17 + 2 (u - 105) = 100
        ("max_5x", "max_20x", 625.0, 1.0),  # 100 + (u - 525) = 200
    ],
)
def test_break_even_lines_cross_at_the_closed_form_usage(
    cheaper: str, dearer: str, usage_usd: float, blocked_value: float
) -> None:
    plans = {p["key"]: p for p in CATALOG["plans"]}
    a = plan_cost_per_engineer_month(plans[cheaper], usage_usd, blocked_value)
    b = plan_cost_per_engineer_month(plans[dearer], usage_usd, blocked_value)
    assert a == pytest.approx(b, abs=1e-9)
    assert plan_cost_per_engineer_month(plans[cheaper], usage_usd * 0.9, blocked_value) < b


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
