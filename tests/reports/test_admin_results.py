"""A run's admin page (progress, then results and charts), its brief, and "Run forecast" on scenarios.

Also the inline SVG: each chart's ids are its own, and nothing but drawing elements survives into the page.
"""

from __future__ import annotations

import copy
import html
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Rect

from forecasting.models import ForecastRun
from forecasting.services import execution as execution_module
from procurement.models import Organization, Role, Scenario
from procurement.services import save_scenario
from reports import admin_results, charts, svg
from reports.formatting import display_text, money, percent
from reports.result_view import NAME_CHARS, baseline_savings
from reports.services import brief_pdf_for
from tests.forecasting.runs import BLOCK_TRIALS, fast_document
from tests.reports.run_rows import (
    example_catalog,
    example_result,
    member,
    organization,
    succeeded_run,
    unfinished_run,
)
from tests.reports.test_injection import HOSTILE_NAMES

SVG = "{http://www.w3.org/2000/svg}"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _run_url(name: str, run: ForecastRun) -> str:
    return reverse(f"admin:forecasting_forecastrun_{name}", args=[run.pk])


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


# --- the SVG charts, without a database ---------------------------------------------------------------


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
        "Plan cost per engineer-month against usage",
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


# --- the run's admin page ----------------------------------------------------------------------------


@pytest.fixture
def acme(db: None) -> Organization:
    return organization("Acme Robotics, Inc.")


def test_running_run_page_shows_progress_and_polls_its_status(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.RUNNING, blocks_done=2)
    page = _client(member(acme, Role.VIEWER)).get(_run_url("change", run)).content.decode()
    assert '<progress id="forecast-progress-bar" max="100" value="40">' in page
    assert "40% · 2 of 5 blocks of trials" in page
    assert f'data-status-url="{_run_url("status", run)}"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page  # refresh without scripts
    assert "Download brief" not in page
    assert 'class="brief-chart"' not in page


def test_a_queued_run_page_says_a_worker_starts_it(acme: Organization) -> None:
    """With the embedded default's filesystem broker a run waits for `make serve`'s worker: say so."""
    client = _client(member(acme, Role.VIEWER))
    queued = unfinished_run(acme, status=ForecastRun.Status.QUEUED, blocks_done=0)
    page = client.get(_run_url("change", queued)).content.decode()
    assert 'id="forecast-queued-help"' in page
    assert "<code>make serve</code> starts one" in page
    running = unfinished_run(acme, status=ForecastRun.Status.RUNNING, blocks_done=1)
    assert 'id="forecast-queued-help"' not in client.get(_run_url("change", running)).content.decode()


def test_status_url_reports_the_runs_progress_as_json(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.RUNNING, blocks_done=3)
    response = _client(member(acme, Role.VIEWER)).get(_run_url("status", run))
    assert response.status_code == 200
    assert response.json() == {
        "id": run.pk,
        "status": "running",
        "status_label": "Running",
        "progress": pytest.approx(0.6),
        "blocks_done": 3,
        "blocks_total": 5,
        "finished": False,
    }


def test_succeeded_run_page_shows_the_summary_numbers_and_inline_charts(acme: Organization) -> None:
    run = succeeded_run(acme)
    result = example_result()
    page = _client(member(acme, Role.VIEWER)).get(_run_url("change", run)).content.decode()
    total = result["total"]
    assert f'<strong id="total-expected-cost">{money(total["expected_cost"])}</strong>' in page
    assert f'<span id="total-p5">{money(total["cost"]["p5"])}</span>' in page
    assert f'<span id="total-p95">{money(total["cost"]["p95"])}</span>' in page
    for period in result["api"]["periods"]:
        recommended = period["recommended"]
        assert f'<td class="number">{money(recommended["commitment"])}</td>' in page
        assert f'<td class="number">{percent(recommended["discount"])} off list</td>' in page
    for team in result["seats"]["teams"]:
        assert f"<td>{escape(team['name'])}</td>" in page
    for baseline in baseline_savings(result):
        assert f'<td class="number">{money(baseline.saving)}</td>' in page
    assert page.count('class="brief-chart"') == 3 + len(result["api"]["periods"]) + 2
    assert page.count(f'href="{_run_url("brief", run)}"') == 2  # the object tool and the button below


def test_failed_run_page_shows_its_reason_and_no_download(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.FAILED)
    page = _client(member(acme)).get(_run_url("change", run)).content.decode()
    assert "Forecast failed" in page
    assert "Worker lost three times: out of memory" in page
    assert "Download brief" not in page


# A stored result can hold no NUL: PostgreSQL's jsonb refuses \u0000 (and the scenario validator refuses
# control characters in names, so no run can produce one); the PDF tests still cover NUL in names.
STORABLE_NAMES = [name for name in HOSTILE_NAMES if "\x00" not in name]


def test_hostile_names_are_escaped_in_the_run_page(acme: Organization) -> None:
    result = example_result()
    template = result["seats"]["teams"][0]
    result["seats"]["teams"] = [{**copy.deepcopy(template), "name": name} for name in STORABLE_NAMES]
    for feature, name in zip(result["api"]["features"], STORABLE_NAMES, strict=False):
        feature["name"] = name
    acme.name = '<script>alert("org")</script>'
    acme.save()
    run = succeeded_run(acme, scenario_name='<img src="/etc/passwd" onerror="alert(1)"/>', result=result)
    page = _client(member(acme)).get(_run_url("change", run)).content.decode()

    parsed = _tags(page)
    tag_names = {tag for tag, _ in parsed.tags}
    assert not tag_names & {
        "img",
        "image",
        "iframe",
        "object",
        "embed",
        "foreignobject",
        "font",
        "ondraw",
        "para",
    }
    for _, attributes in parsed.tags:
        assert not [name for name in attributes if name.startswith("on")]
        for value in attributes.values():
            assert not re.search(r"javascript:|evil\.example|/etc/|file:", value or "")
    assert not [script for script in parsed.scripts if "alert" in script]
    for name in STORABLE_NAMES:  # each team row shows the name as the brief does, escaped once
        assert f"<td>{escape(display_text(name, max_chars=NAME_CHARS))}</td>" in page
    literal = [n for n in STORABLE_NAMES if len(n) <= NAME_CHARS and n.isprintable() and n.isascii()]
    assert len(literal) >= 15
    assert all(display_text(name, max_chars=NAME_CHARS) == name for name in literal)


def test_another_organizations_run_is_not_found(acme: Organization) -> None:
    run = succeeded_run(organization("Globex"))
    client = _client(member(acme, Role.ADMIN))
    assert client.get(_run_url("status", run)).status_code == 404
    assert client.get(_run_url("brief", run)).status_code == 404
    change = client.get(_run_url("change", run), follow=True)
    assert "Globex" not in change.content.decode()
    assert "doesn’t exist" in change.content.decode()


def test_download_brief_gives_the_runs_pdf(acme: Organization) -> None:
    run = succeeded_run(acme)
    response = _client(member(acme, Role.VIEWER)).get(_run_url("brief", run))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="brief-run-{run.pk}.pdf"'
    run.refresh_from_db()  # as stored (PostgreSQL's jsonb reorders object keys)
    assert response.content == brief_pdf_for(run)


def test_download_of_a_running_runs_brief_returns_to_the_run_with_a_message(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.QUEUED, blocks_done=0)
    response = _client(member(acme)).get(_run_url("brief", run), follow=True)
    assert response.redirect_chain == [(_run_url("change", run), 302)]
    assert "This forecast run is queued (0% done)" in response.content.decode()


# --- "Run forecast" on the scenario changelist --------------------------------------------------------


def _run_forecast(client: Client, *scenarios: Scenario) -> Any:
    return client.post(
        reverse("admin:procurement_scenario_changelist"),
        {"action": "run_forecast", "_selected_action": [s.pk for s in scenarios]},
        follow=True,
    )


def test_run_forecast_action_creates_a_queued_run_and_opens_it(
    acme: Organization, minimal_document: dict[str, Any]
) -> None:
    scenario = save_scenario(acme, minimal_document)
    editor = member(acme, Role.EDITOR)
    response = _run_forecast(_client(editor), scenario)
    run = ForecastRun.objects.get()
    assert (run.scenario, run.status, run.created_by) == (scenario, ForecastRun.Status.QUEUED, editor)
    assert run.trials == minimal_document["simulation"]["trials"]
    assert response.redirect_chain[-1] == (_run_url("change", run), 302)
    page = response.content.decode()
    # published only after a commit this test's transaction never makes: the run is still queued
    assert f'Forecast started: <a href="{_run_url("change", run)}">{escape(str(run))}</a>.' in page
    assert str(run).endswith("(queued)")
    assert _page_subtitle(page) == str(run)
    assert not [text for _, text in _messages(page) if "finished" in text]


def test_run_forecast_action_shows_the_organizations_run_limit(
    acme: Organization, minimal_document: dict[str, Any]
) -> None:
    acme.max_active_runs = 1
    acme.save()
    unfinished_run(acme, status=ForecastRun.Status.RUNNING)
    scenario = save_scenario(acme, minimal_document)
    page = _run_forecast(_client(member(acme, Role.EDITOR)), scenario).content.decode()
    assert ForecastRun.objects.count() == 1
    assert "was not started" in page
    assert "already has 1 forecast runs queued or running (the limit is 1)" in page


def test_viewers_cannot_run_a_forecast(acme: Organization, minimal_document: dict[str, Any]) -> None:
    scenario = save_scenario(acme, minimal_document)
    _run_forecast(_client(member(acme, Role.VIEWER)), scenario)
    assert not ForecastRun.objects.exists()


def _page_subtitle(page: str) -> str:
    """The change page's title line under "View forecast run": the run as str() gives it."""
    found = re.search(r'<div id="content"[^>]*>\s*<h1>[^<]*</h1>\s*<h2>([^<]*)</h2>', page)
    assert found, "the change page has a title and subtitle"
    return html.unescape(found.group(1))


def _messages(page: str) -> list[tuple[str, str]]:
    """(level, text) of each message of the messages framework on the page."""
    found = re.findall(r'<li class="(\w+)">(.*?)</li>', page.split('<ul class="messagelist">', 1)[-1])
    return [(level, html.unescape(re.sub(r"<[^>]+>", "", text))) for level, text in found]


# With in-process tasks a run is computed while the action runs: the transaction of `start_forecast` has to
# commit for its task to be published, so these tests use real transactions.
EAGER = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def fast_scenario(in_process_celery: None, settings: Any) -> Scenario:
    settings.FORECAST_BLOCK_TRIALS = BLOCK_TRIALS
    return save_scenario(organization("Acme Robotics, Inc."), fast_document())


@EAGER
def test_run_forecast_in_process_says_finished_as_the_runs_page_does(fast_scenario: Scenario) -> None:
    editor = member(fast_scenario.organization, Role.EDITOR)
    response = _run_forecast(_client(editor), fast_scenario)
    run = ForecastRun.objects.get()
    assert run.status == ForecastRun.Status.SUCCEEDED
    assert response.redirect_chain == [(_run_url("change", run), 302)]
    page = response.content.decode()
    assert _messages(page) == [("success", f"Forecast finished: {run}.")]
    assert _page_subtitle(page) == str(run) == f"{fast_scenario.name} #{run.pk} (succeeded)"
    assert "queued" not in page.split('<ul class="messagelist">', 1)[1].split("</ul>", 1)[0]
    assert run.result is not None
    assert f'<strong id="total-expected-cost">{money(run.result["total"]["expected_cost"])}</strong>' in page


@EAGER
def test_run_forecast_in_process_says_failed_with_the_reason(
    fast_scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> dict[str, Any]:
        raise ValueError("the engine broke")

    monkeypatch.setattr(execution_module, "_forecast", broken)
    editor = member(fast_scenario.organization, Role.EDITOR)
    response = _run_forecast(_client(editor), fast_scenario)
    run = ForecastRun.objects.get()
    assert run.status == ForecastRun.Status.FAILED
    assert response.redirect_chain == [(_run_url("change", run), 302)]
    page = response.content.decode()
    reason = "The forecast failed (ValueError): the engine broke"
    assert _messages(page) == [("error", f"Forecast failed: {run}: {reason}")]
    assert _page_subtitle(page) == str(run) == f"{fast_scenario.name} #{run.pk} (failed)"
    assert "<h2>Forecast failed</h2>" in page


@EAGER
def test_run_forecast_of_two_scenarios_stays_on_the_list_and_reports_both(fast_scenario: Scenario) -> None:
    second = save_scenario(fast_scenario.organization, {**fast_document(), "name": "Second plan"})
    editor = member(fast_scenario.organization, Role.EDITOR)
    response = _run_forecast(_client(editor), fast_scenario, second)
    runs = list(ForecastRun.objects.order_by("pk"))
    assert [run.status for run in runs] == ["succeeded", "succeeded"]
    assert response.redirect_chain == [(reverse("admin:procurement_scenario_changelist"), 302)]
    [(level, text)] = _messages(response.content.decode())
    assert level == "success"
    assert text.startswith("Forecasts finished: ")
    named = text.removeprefix("Forecasts finished: ").removesuffix(".").split(", ")
    assert sorted(named) == sorted(str(run) for run in runs)
