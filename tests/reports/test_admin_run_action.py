""" "Run forecast" on the scenario changelist: a queued run, the organization's run limit, viewers refused,
and with in-process tasks the run's outcome said as the run's page says it."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from forecasting.models import ForecastRun
from forecasting.services import execution as execution_module
from procurement.models import Organization, Role, Scenario
from procurement.services import save_scenario
from reports.formatting import money
from tests.forecasting.runs import BLOCK_TRIALS, fast_document
from tests.procurement.admin_forms import logged_in
from tests.reports.admin_pages import run_url
from tests.reports.run_rows import member, organization, unfinished_run


@pytest.fixture
def acme(db: None) -> Organization:
    return organization("Acme Robotics, Inc.")


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
    response = _run_forecast(logged_in(editor), scenario)
    run = ForecastRun.objects.get()
    assert (run.scenario, run.status, run.created_by) == (scenario, ForecastRun.Status.QUEUED, editor)
    assert run.trials == minimal_document["simulation"]["trials"]
    assert response.redirect_chain[-1] == (run_url("change", run), 302)
    page = response.content.decode()
    # published only after a commit this test's transaction never makes: the run is still queued
    assert f'Forecast started: <a href="{run_url("change", run)}">{escape(str(run))}</a>.' in page
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
    page = _run_forecast(logged_in(member(acme, Role.EDITOR)), scenario).content.decode()
    assert ForecastRun.objects.count() == 1
    assert "was not started" in page
    assert "already has 1 forecast runs queued or running (the limit is 1)" in page


def test_viewers_cannot_run_a_forecast(acme: Organization, minimal_document: dict[str, Any]) -> None:
    scenario = save_scenario(acme, minimal_document)
    _run_forecast(logged_in(member(acme, Role.VIEWER)), scenario)
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


def _run_in_process(scenario: Scenario) -> tuple[ForecastRun, str]:
    """An editor runs the scenario's forecast from the changelist: the run, and its page opened after."""
    response = _run_forecast(logged_in(member(scenario.organization, Role.EDITOR)), scenario)
    run = ForecastRun.objects.get()
    assert response.redirect_chain == [(run_url("change", run), 302)]
    return run, response.content.decode()


@EAGER
def test_run_forecast_in_process_says_finished_as_the_runs_page_does(fast_scenario: Scenario) -> None:
    run, page = _run_in_process(fast_scenario)
    assert run.status == ForecastRun.Status.SUCCEEDED
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
    run, page = _run_in_process(fast_scenario)
    assert run.status == ForecastRun.Status.FAILED
    reason = "The forecast failed (ValueError): the engine broke"
    assert _messages(page) == [("error", f"Forecast failed: {run}: {reason}")]
    assert _page_subtitle(page) == str(run) == f"{fast_scenario.name} #{run.pk} (failed)"
    assert "<h2>Forecast failed</h2>" in page


@EAGER
def test_run_forecast_of_two_scenarios_stays_on_the_list_and_reports_both(fast_scenario: Scenario) -> None:
    second = save_scenario(fast_scenario.organization, {**fast_document(), "name": "Second plan"})
    editor = member(fast_scenario.organization, Role.EDITOR)
    response = _run_forecast(logged_in(editor), fast_scenario, second)
    runs = list(ForecastRun.objects.order_by("pk"))
    assert [run.status for run in runs] == ["succeeded", "succeeded"]
    assert response.redirect_chain == [(reverse("admin:procurement_scenario_changelist"), 302)]
    [(level, text)] = _messages(response.content.decode())
    assert level == "success"
    assert text.startswith("Forecasts finished: ")
    named = text.removeprefix("Forecasts finished: ").removesuffix(".").split(", ")
    assert sorted(named) == sorted(str(run) for run in runs)
