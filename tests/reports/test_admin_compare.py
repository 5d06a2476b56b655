"""Comparing forecast runs in the admin: the figures as stored, the differences to the first run, refusals,
and the link from a run's page to the comparison with the scenario's previous run."""

from __future__ import annotations

import copy
import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from forecasting.models import ForecastRun
from forecasting.services import start_forecast
from procurement.models import Organization, Role, Scenario
from procurement.services import save_scenario
from reports import compare
from reports.brief_data import stored_result
from reports.compare import ComparedRun, comparison, money_change, points_change, relative_change
from reports.formatting import money, percent, plain_number
from tests.factories import ScenarioFactory
from tests.forecasting.runs import BLOCK_TRIALS, fast_document
from tests.procurement.admin_forms import logged_in
from tests.reports.run_rows import (
    FINISHED_AT,
    example_result,
    member,
    organization,
    succeeded_run,
    unfinished_run,
)

CHANGELIST = reverse("admin:forecasting_forecastrun_changelist")
COMPARE = reverse("admin:forecasting_forecastrun_compare")


def _run_url(run: ForecastRun) -> str:
    return reverse("admin:forecasting_forecastrun_change", args=[run.pk])


def _compare_url(*runs: ForecastRun) -> str:
    return COMPARE + "?" + "&".join(f"runs={run.pk}" for run in runs)


class _Table(HTMLParser):
    """The comparison table: the run ids of its columns, and per row (data-figure) each cell's value and
    change texts."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[int] = []
        self.rows: dict[str, list[tuple[str, str]]] = {}
        self._row: str | None = None
        self._span: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "th" and attributes.get("data-run"):
            self.columns.append(int(attributes["data-run"] or 0))
        elif tag == "tr" and attributes.get("data-figure"):
            self._row = attributes["data-figure"]
            self.rows[self._row or ""] = []
        elif tag == "td" and self._row:
            self.rows[self._row].append(("", ""))
        elif tag == "span" and self._row and attributes.get("class") in ("value", "change"):
            self._span = attributes["class"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._span = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row and self._span:
            value, change = self.rows[self._row][-1]
            if self._span == "value":
                value += data
            else:
                change += data
            self.rows[self._row][-1] = (value, change)


def _table(page: str) -> _Table:
    parser = _Table()
    parser.feed(page)
    return parser


def _changed(result: dict[str, Any]) -> dict[str, Any]:
    """The example result with hand-picked changes whose differences are worked out in the tests below."""
    changed = copy.deepcopy(result)
    changed["total"]["expected_cost"] = result["total"]["expected_cost"] * 1.25
    changed["seats"]["expected_cost"] = result["seats"]["expected_cost"] * 0.9
    first = changed["api"]["periods"][0]["recommended"]
    first["commitment"] *= 1.25  # +25%, and back from the changed run: -20%
    first["probability_unused"] += 0.05  # +5.0 pp
    first["expected_cost"] += 50_000.0
    changed["api"]["expected_cost"] = result["api"]["expected_cost"] + 50_000.0  # as the period's cost rose
    changed["simulation"]["seed"] = 8
    return changed


def _first_period(result: dict[str, Any]) -> tuple[float, float]:
    """Period 1's recommended commitment and chance of unused commitment, with room for `_changed`'s +5 pp."""
    recommended = result["api"]["periods"][0]["recommended"]
    commitment, unused = recommended["commitment"], recommended["probability_unused"]
    assert commitment > 0
    assert 0.01 <= unused <= 0.9  # a relative change is defined and the changed chance stays below 1
    return commitment, unused


# --- the figures, without a database ---------------------------------------------------------------------


def test_the_figures_are_the_stored_ones_and_the_differences_are_to_the_first_run() -> None:
    base, other = example_result(), _changed(example_result())
    commitment, unused = _first_period(base)
    table = comparison(
        [
            ComparedRun(1, "Base", None, stored_result(base)),
            ComparedRun(2, "Fit applied", None, stored_result(other)),
        ]
    )
    rows = {row.key: row.cells for row in table.rows}

    total = base["total"]["expected_cost"]
    assert rows["total_expected_cost"][0] == compare.Cell(money(total))
    assert rows["total_expected_cost"][1] == compare.Cell(
        money(total * 1.25), f"+{money(total * 0.25)}", "+25%"
    )
    seats = base["seats"]["expected_cost"]
    assert rows["seats_expected_cost"][1] == compare.Cell(
        money(seats * 0.9), f"−{money(seats * 0.1)}", "−10%"
    )
    api = base["api"]["expected_cost"]
    assert api == pytest.approx(sum(p["recommended"]["expected_cost"] for p in base["api"]["periods"]))
    assert rows["api_expected_cost"][0].value == money(api)
    assert rows["api_expected_cost"][1].change == "+$50.0K"
    assert rows["api_expected_cost"][1].relative == f"+{percent(50_000 / api)}"
    assert rows["period-1-commitment"][0].value == money(commitment)
    assert rows["period-1-commitment"][1] == compare.Cell(
        money(commitment * 1.25), f"+{money(commitment * 0.25)}", "+25%"
    )
    assert rows["period-1-probability-unused"][0].value == percent(unused)
    assert rows["period-1-probability-unused"][1] == compare.Cell(
        percent(unused + 0.05), "+5.0 pp", f"+{percent(0.05 / unused)}"
    )
    for index, period in enumerate(base["api"]["periods"][1:], start=2):  # unchanged periods: no difference
        assert rows[f"period-{index}-commitment"][1] == compare.Cell(
            money(period["recommended"]["commitment"]), "$0", "0%"
        )
        assert rows[f"period-{index}-probability-unused"][1].change == "0 pp"
    trials, seed = plain_number(base["simulation"]["trials"]), str(base["simulation"]["seed"])
    assert seed != "8"  # the changed run's seed differs
    assert [(c.run_id, c.trials, c.seed) for c in table.columns] == [(1, trials, seed), (2, trials, "8")]


def test_a_period_only_one_run_has_shows_a_dash_for_the_other() -> None:
    base, longer = example_result(), example_result()
    extra = copy.deepcopy(longer["api"]["periods"][-1])
    extra["index"] = len(longer["api"]["periods"])
    extra["start_month"] = "2029-01"
    longer["api"]["periods"].append(extra)
    table = comparison(
        [
            ComparedRun(1, "Two years", None, stored_result(base)),
            ComparedRun(2, "Three years", None, stored_result(longer)),
        ]
    )
    rows = {row.key: row for row in table.rows}
    last = f"period-{extra['index'] + 1}-commitment"
    assert rows[last].cells == (
        compare.Cell("—"),
        compare.Cell(money(extra["recommended"]["commitment"]), "—", "—"),
    )
    assert rows[last].detail == "Jan 2029, 12 months"


def test_the_difference_texts() -> None:
    assert money_change(12_345.0) == "+$12.3K"
    assert money_change(-5_000.0) == "−$5,000"
    assert money_change(0.3) == "$0"
    assert money_change(None) == "—"
    assert points_change(0.021) == "+2.1 pp"
    assert points_change(-0.004) == "−0.4 pp"
    assert points_change(0.0) == "0 pp"
    assert relative_change(31.0, 100.0) == "+31%"
    assert relative_change(-1.0, 8.0) == "−12.5%"
    assert relative_change(5.0, 0.0) == "—"  # no share of nothing
    assert relative_change(0.0, 3.0) == "0%"
    assert relative_change(0.0, 0.0) == "0%"  # nothing changed, even from nothing
    assert relative_change(-1.0, 6_080_000.0) == "≈0%"  # not "−0%"
    assert relative_change(400.0, 1_000_000.0) == "≈0%"
    assert relative_change(600.0, 1_000_000.0) == "+0.1%"


def test_two_to_four_runs_only() -> None:
    run = ComparedRun(1, "x", None, stored_result(example_result()))
    with pytest.raises(ValueError):
        comparison([run])
    with pytest.raises(ValueError):
        comparison([run] * 5)
    assert len(comparison([run] * 4).columns) == 4


# --- the admin action and page -------------------------------------------------------------------------


@pytest.fixture
def acme(db: None) -> Organization:
    return organization("Acme Robotics, Inc.")


def _select(client: Client, *runs: ForecastRun, follow: bool = False) -> Any:
    data = {"action": "compare_runs", "_selected_action": [run.pk for run in runs]}
    return client.post(CHANGELIST, data, follow=follow)


def _error_messages(page: str) -> list[str]:
    return [part.split("</li>", 1)[0] for part in page.split('<li class="error">')[1:]]


def test_the_action_opens_the_comparison_oldest_run_first_with_the_stored_numbers(acme: Organization) -> None:
    base = succeeded_run(acme, scenario_name="FY2027 base")
    fitted = succeeded_run(
        acme,
        scenario_name="FY2027 after the usage fit",
        result=_changed(example_result()),
        finished_at=FINISHED_AT + datetime.timedelta(days=1),
    )
    client = logged_in(member(acme, Role.VIEWER))  # reading is enough to compare
    response = _select(client, fitted, base)
    assert response.status_code == 302
    assert response["Location"] == _compare_url(base, fitted)

    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    table = _table(content)
    assert table.columns == [base.pk, fitted.pk]
    one, two = example_result(), _changed(example_result())
    assert table.rows["total_expected_cost"] == [
        (money(one["total"]["expected_cost"]), ""),
        (money(two["total"]["expected_cost"]), f"+{money(one['total']['expected_cost'] * 0.25)} (+25%)"),
    ]
    assert table.rows["seats_expected_cost"] == [
        (money(one["seats"]["expected_cost"]), ""),
        (money(two["seats"]["expected_cost"]), f"−{money(one['seats']['expected_cost'] * 0.1)} (−10%)"),
    ]
    commitment, unused = _first_period(one)
    assert table.rows["period-1-commitment"] == [
        (money(commitment), ""),
        (money(commitment * 1.25), f"+{money(commitment * 0.25)} (+25%)"),
    ]
    assert table.rows["period-1-probability-unused"] == [
        (percent(unused), ""),
        (percent(unused + 0.05), f"+5.0 pp (+{percent(0.05 / unused)})"),
    ]
    for index, period in enumerate(one["api"]["periods"], start=1):
        shown = [value for value, _ in table.rows[f"period-{index}-commitment"]]
        assert shown[0] == money(period["recommended"]["commitment"])
        assert next(v for v, _ in table.rows[f"period-{index}-probability-unused"]) == percent(
            period["recommended"]["probability_unused"]
        )
    assert "FY2027 after the usage fit" in content
    assert "finished 1 Dec 2026, 15:30" in content
    assert "finished 2 Dec 2026, 15:30" in content
    trials = plain_number(one["simulation"]["trials"])
    assert f"{trials} trials, seed {one['simulation']['seed']}" in content
    assert f"{trials} trials, seed 8" in content
    assert f'<a href="{_run_url(base)}">Run #{base.pk}</a> (reference)' in content
    assert "<title>Compare forecast runs" in content


@pytest.mark.parametrize("count", [1, 5])
def test_fewer_than_two_or_more_than_four_runs_are_refused(acme: Organization, count: int) -> None:
    runs = [succeeded_run(acme) for _ in range(count)]
    response = _select(logged_in(member(acme)), *runs, follow=True)
    assert response.redirect_chain == [(CHANGELIST, 302)]  # back to the list
    page = response.content.decode()
    assert _error_messages(page) == [f"Select 2 to 4 forecast runs to compare ({count} selected)."]
    assert 'id="run-comparison"' not in page


@pytest.mark.parametrize("status", [ForecastRun.Status.FAILED, ForecastRun.Status.RUNNING])
def test_a_run_that_did_not_succeed_is_refused(acme: Organization, status: str) -> None:
    done, other = succeeded_run(acme), unfinished_run(acme, status=status)
    response = _select(logged_in(member(acme)), done, other, follow=True)
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert _error_messages(response.content.decode()) == [
        f"Only succeeded runs have results to compare: Still running #{other.pk} ({status})."
    ]


def test_the_page_refuses_a_hand_made_address_the_same_way(acme: Organization) -> None:
    mine, theirs = succeeded_run(acme), succeeded_run(organization("Globex"), scenario_name="Globex plan")
    client = logged_in(member(acme))
    for address, error in [
        (_compare_url(mine, theirs), f"No forecast run with the number {theirs.pk}."),
        (_compare_url(mine), "Select 2 to 4 forecast runs to compare (1 selected)."),
        (_compare_url(mine, mine), "Select 2 to 4 forecast runs to compare (1 selected)."),
        (f"{COMPARE}?runs={mine.pk}&runs=x", "Runs are chosen by their numbers."),
    ]:
        response = client.get(address, follow=True)
        assert response.redirect_chain == [(CHANGELIST, 302)]
        page = response.content.decode()
        assert _error_messages(page) == [error]
        assert "Globex plan" not in page


def test_a_comparison_given_in_another_order_reads_differences_to_its_first_run(acme: Organization) -> None:
    base = succeeded_run(acme)
    fitted = succeeded_run(acme, result=_changed(example_result()))
    page = logged_in(member(acme)).get(_compare_url(fitted, base)).content.decode()
    table = _table(page)
    assert table.columns == [fitted.pk, base.pk]
    commitment, _ = _first_period(example_result())
    assert table.rows["period-1-commitment"] == [
        (money(commitment * 1.25), ""),
        (money(commitment), f"−{money(commitment * 0.25)} (−20%)"),  # 0.25 / 1.25
    ]


def _scenario_run(scenario: Scenario, **fields: Any) -> ForecastRun:
    run = succeeded_run(scenario.organization, scenario_name=scenario.name, **fields)
    run.scenario = scenario
    run.save(update_fields=["scenario"])
    return run


def test_a_succeeded_runs_page_links_to_the_comparison_with_the_scenarios_previous_run(
    acme: Organization,
) -> None:
    scenario = ScenarioFactory.create(organization=acme, name="FY2027")
    first = _scenario_run(scenario)
    failed = unfinished_run(acme, status=ForecastRun.Status.FAILED)
    ForecastRun.objects.filter(pk=failed.pk).update(scenario=scenario)
    second = _scenario_run(scenario, result=_changed(example_result()))
    other_scenario = _scenario_run(ScenarioFactory.create(organization=acme, name="Other"))
    client = logged_in(member(acme, Role.VIEWER))

    link = "Compare with previous run of this scenario"
    page = client.get(_run_url(second)).content.decode()
    assert page.count(link) == 1
    assert f'<a href="{_compare_url(first, second)}" class="compare-previous"'.replace("&", "&amp;") in page
    assert link not in client.get(_run_url(first)).content.decode()  # nothing before the first run
    assert link not in client.get(_run_url(other_scenario)).content.decode()
    assert link not in client.get(_run_url(failed)).content.decode()

    compared = _table(client.get(_compare_url(first, second)).content.decode())
    assert compared.columns == [first.pk, second.pk]
    commitment, _ = _first_period(example_result())
    assert compared.rows["period-1-commitment"][1] == (
        money(commitment * 1.25),
        f"+{money(commitment * 0.25)} (+25%)",
    )


# --- two real runs, computed in-process --------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_real_runs_of_a_scenario_compare_with_the_numbers_they_stored(
    in_process_celery: None, settings: Any
) -> None:
    settings.FORECAST_BLOCK_TRIALS = BLOCK_TRIALS
    acme = organization("Acme Robotics, Inc.")
    editor = member(acme, Role.EDITOR)
    document = fast_document()
    scenario = save_scenario(acme, document)
    first, _ = start_forecast(scenario, user=editor)
    document["features"][0]["requests_per_month"] *= 1.5  # as if a usage fit had raised the traffic
    scenario = save_scenario(acme, document, scenario=scenario)
    second, _ = start_forecast(scenario, user=editor)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("succeeded", "succeeded")
    assert first.result is not None
    assert second.result is not None

    client = logged_in(editor)
    run_page = client.get(_run_url(second)).content.decode()
    assert f'href="{_compare_url(first, second)}"'.replace("&", "&amp;") in run_page
    response = _select(client, second, first)
    assert response["Location"] == _compare_url(first, second)
    table = _table(client.get(response["Location"]).content.decode())

    one, two = first.result, second.result
    total_one, total_two = one["total"]["expected_cost"], two["total"]["expected_cost"]
    assert total_two > total_one  # more traffic costs more
    assert table.rows["total_expected_cost"] == [
        (money(total_one), ""),
        (
            money(total_two),
            f"+{money(total_two - total_one)} (+{percent((total_two - total_one) / total_one)})",
        ),
    ]
    assert table.rows["seats_expected_cost"][0][0] == money(one["seats"]["expected_cost"])
    assert table.rows["seats_expected_cost"][1][0] == money(two["seats"]["expected_cost"])
    for index, (p1, p2) in enumerate(zip(one["api"]["periods"], two["api"]["periods"], strict=True), start=1):
        c1, c2 = p1["recommended"]["commitment"], p2["recommended"]["commitment"]
        assert table.rows[f"period-{index}-commitment"][0] == (money(c1), "")
        assert table.rows[f"period-{index}-commitment"][1][0] == money(c2)
        assert table.rows[f"period-{index}-commitment"][1][1].startswith(money_change(c2 - c1) + " (")
        u1, u2 = p1["recommended"]["probability_unused"], p2["recommended"]["probability_unused"]
        assert table.rows[f"period-{index}-probability-unused"][0] == (percent(u1), "")
        assert table.rows[f"period-{index}-probability-unused"][1][0] == percent(u2)
    api = [sum(p["recommended"]["expected_cost"] for p in r["api"]["periods"]) for r in (one, two)]
    assert [value for value, _ in table.rows["api_expected_cost"]] == [money(api[0]), money(api[1])]
