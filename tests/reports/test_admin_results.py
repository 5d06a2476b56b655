"""A run's admin page: progress while it works, then its results and charts, and its brief download."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import pytest
from django.utils.html import escape

from forecasting.models import ForecastRun
from procurement.models import Organization, Role
from reports.brief_data import stored_result
from reports.formatting import display_text, money, percent
from reports.result_view import NAME_CHARS, baseline_savings
from reports.services import brief_pdf_for
from tests.procurement.admin_forms import logged_in
from tests.reports.admin_pages import run_url
from tests.reports.run_rows import example_result, member, organization, succeeded_run, unfinished_run
from tests.reports.test_injection import HOSTILE_NAMES


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


@pytest.fixture
def acme(db: None) -> Organization:
    return organization("Acme Robotics, Inc.")


def test_running_run_page_shows_progress_and_polls_its_status(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.RUNNING, blocks_done=2)
    page = logged_in(member(acme, Role.VIEWER)).get(run_url("change", run)).content.decode()
    assert '<progress id="forecast-progress-bar" max="100" value="40">' in page
    assert "40% · 2 of 5 blocks of trials" in page
    assert f'data-status-url="{run_url("status", run)}"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page  # refresh without scripts
    assert "Download brief" not in page
    assert 'class="brief-chart"' not in page


def test_a_queued_run_page_says_a_worker_starts_it(acme: Organization) -> None:
    """With the embedded default's filesystem broker a run waits for `make serve`'s worker: say so."""
    client = logged_in(member(acme, Role.VIEWER))
    queued = unfinished_run(acme, status=ForecastRun.Status.QUEUED, blocks_done=0)
    page = client.get(run_url("change", queued)).content.decode()
    assert 'id="forecast-queued-help"' in page
    assert "<code>make serve</code> starts one" in page
    running = unfinished_run(acme, status=ForecastRun.Status.RUNNING, blocks_done=1)
    assert 'id="forecast-queued-help"' not in client.get(run_url("change", running)).content.decode()


def test_status_url_reports_the_runs_progress_as_json(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.RUNNING, blocks_done=3)
    response = logged_in(member(acme, Role.VIEWER)).get(run_url("status", run))
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
    page = logged_in(member(acme, Role.VIEWER)).get(run_url("change", run)).content.decode()
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
    for baseline in baseline_savings(stored_result(result)):
        assert f'<td class="number">{money(baseline.saving)}</td>' in page
    assert page.count('class="brief-chart"') == 3 + len(result["api"]["periods"]) + 2
    assert page.count(f'href="{run_url("brief", run)}"') == 2  # the object tool and the button below


def test_failed_run_page_shows_its_reason_and_no_download(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.FAILED)
    page = logged_in(member(acme)).get(run_url("change", run)).content.decode()
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
    page = logged_in(member(acme)).get(run_url("change", run)).content.decode()

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
    client = logged_in(member(acme, Role.ADMIN))
    assert client.get(run_url("status", run)).status_code == 404
    assert client.get(run_url("brief", run)).status_code == 404
    change = client.get(run_url("change", run), follow=True)
    assert "Globex" not in change.content.decode()
    assert "doesn’t exist" in change.content.decode()


def test_download_brief_gives_the_runs_pdf(acme: Organization) -> None:
    run = succeeded_run(acme)
    response = logged_in(member(acme, Role.VIEWER)).get(run_url("brief", run))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="brief-run-{run.pk}.pdf"'
    run.refresh_from_db()  # as stored (PostgreSQL's jsonb reorders object keys)
    assert response.content == brief_pdf_for(run)


def test_download_of_a_running_runs_brief_returns_to_the_run_with_a_message(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.QUEUED, blocks_done=0)
    response = logged_in(member(acme)).get(run_url("brief", run), follow=True)
    assert response.redirect_chain == [(run_url("change", run), 302)]
    assert "This forecast run is queued (0% done)" in response.content.decode()
