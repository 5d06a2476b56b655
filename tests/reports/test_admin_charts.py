"""The admin's inline SVG charts: the brief's main charts, each chart's ids its own, and nothing but
drawing elements in the page (no database)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Rect

from reports import admin_results, charts, svg
from tests.reports.pdf_tools import example_result, load_fixture

SVG = "{http://www.w3.org/2000/svg}"


def example_catalog() -> dict[str, object]:
    return load_fixture("catalog_example.json")


def test_each_chart_clips_to_its_own_rectangle_not_the_first_charts() -> None:
    charts = admin_results.main_charts(example_result(), example_catalog())
    ids: list[str] = []
    for index, chart in enumerate(charts):
        root = ET.fromstring(chart.svg)
        own = [value for element in root.iter() if (value := element.get("id"))]
        assert own
        assert all(value.startswith(f"chart-{index}-") for value in own)
        references = re.findall(r"url\(#([\w-]+)\)", chart.svg)
        assert references
        assert set(references) <= set(own)  # a chart never points at another chart's clip path
        ids += own
    assert len(ids) == len(set(ids))


def test_charts_are_the_briefs_main_charts_one_cost_curve_per_period() -> None:
    result = example_result()
    titles = [chart.title for chart in admin_results.main_charts(result, example_catalog())]
    periods = result["api"]["periods"]
    assert titles == [
        "API list spend per month",
        "List spend per contract period",
        *(f"Period {p['index'] + 1}: cost against commitment" for p in periods),
        "API list spend by feature",
        "Plan cost per engineer-month against typical usage",
        "Sensitivity of the total expected cost",
    ]


def test_a_hostile_feature_name_is_chart_text_not_markup() -> None:
    result = example_result()
    name = '</text><script>alert(1)</script><image href="x"/>'
    result["api"]["features"][0]["name"] = name
    chart = next(c for c in admin_results.main_charts(result, example_catalog()) if "feature" in c.title)
    root = ET.fromstring(chart.svg)
    assert {element.tag.removeprefix(SVG) for element in root.iter()} <= svg.ALLOWED_ELEMENTS | {"title"}
    texts = [element.text or "" for element in root.iter(f"{SVG}text")]
    shown = [text for text in texts if text.startswith("</text>")]  # cut to the label width, never dropped
    assert len(shown) == 1
    assert name.startswith(shown[0].removesuffix("…"))
    assert "<script" not in chart.svg
    assert "<image" not in chart.svg


@pytest.mark.parametrize(
    "injected",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)"><text>x</text></a>',
        '<image href="file:///etc/passwd" width="1" height="1"/>',
        "<foreignObject><div>x</div></foreignObject>",
        '<rect x="0" y="0" width="1" height="1" onload="alert(1)"/>',
        '<rect x="0" y="0" width="1" height="1" style="fill: url(http://evil.example/x)"/>',
    ],
)
def test_svg_outside_the_allow_list_is_refused(monkeypatch: pytest.MonkeyPatch, injected: str) -> None:
    # Stands in for a future ReportLab that emits more than drawing elements: the page must not get it.
    forged = f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{injected}</svg>'
    monkeypatch.setattr(renderSVG, "drawToString", lambda drawing: forged)
    with pytest.raises(svg.UnsafeSvg):
        svg.drawing_svg(Drawing(10, 10), id_prefix="chart-0", title="forged")


def test_svg_keeps_the_drawing_and_carries_its_title_as_text() -> None:
    drawing = Drawing(40, 20)
    drawing.add(Rect(5, 5, 30, 10))
    root = ET.fromstring(svg.drawing_svg(drawing, id_prefix="chart-7", title="A <box>"))
    assert root.get("aria-label") == "A <box>"
    assert [element.text for element in root.iter(f"{SVG}title")] == ["A <box>"]
    assert len(list(root.iter(f"{SVG}rect"))) == 2  # the clip rectangle and the drawn one


def test_svg_names_fonts_a_browser_has_instead_of_the_briefs_registered_names() -> None:
    markup = svg.drawing_svg(charts.monthly_spend_fan(example_result()), id_prefix="c", title="t")
    assert "BriefSans" not in markup
    assert "font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; font-weight: bold" in markup  # the title
    assert "font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; font-size" in markup  # axis labels
