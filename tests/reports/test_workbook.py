"""The result workbook (reports/workbook.py): built from a result the engine produced (fixed seed), opened
with openpyxl, every number equal to the result JSON's; downloaded through the API and the admin by
members only."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from forecasting.engine.contract import to_json
from forecasting.engine.forecast import run_forecast
from procurement.models import Organization
from reports.api import XLSX
from reports.brief_data import stored_result
from reports.result_view import driver_label, humanize, plan_label
from reports.workbook import SHEETS, result_workbook
from tests.engine.test_forecast import small_input
from tests.procurement.admin_forms import logged_in
from tests.reports.run_rows import succeeded_run


@pytest.fixture(scope="module")
def engine_result() -> dict[str, Any]:
    """A result as a run stores it: the engine's output through the contract's to_json (seed 7)."""
    data: dict[str, Any] = json.loads(json.dumps(to_json(run_forecast(small_input(trials=1_000)))))
    return data


def rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    """A sheet's rows below its header."""
    return [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def xl(value: Any) -> Any:
    """A result value as the workbook can hold it: a float to 1e-12 relative (openpyxl writes about 15
    significant digits, the xlsx format's precision); other values exactly."""
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-12)
    if isinstance(value, tuple | list):
        return type(value)(xl(v) for v in value)
    return value


def test_every_sheet_holds_the_results_own_numbers(engine_result: dict[str, Any]) -> None:
    result = stored_result(engine_result)
    book = load_workbook(io.BytesIO(result_workbook(result, organization_name="Acme", run_id=7)))
    assert tuple(book.sheetnames) == SHEETS
    decision = dict(rows(book["Decision"]))
    assert decision["Organization"] == "Acme"
    assert decision["Total expected cost over the term"] == xl(result["total"]["expected_cost"])
    assert decision["Total cost, 95th percentile"] == xl(result["total"]["cost"]["p95"])
    assert decision["Seats expected cost over the term"] == xl(result["seats"]["expected_cost"])
    periods = result["api"]["periods"]
    assert len(periods) == 2  # small_input: 12 months in periods of 6
    for p in periods:
        label = f"Period {p['index'] + 1} ({p['start_month']}, {p['months']} months)"
        assert decision[f"{label}: commit"] == xl(p["recommended"]["commitment"])
        assert decision[f"{label}: chance some commitment goes unused"] == xl(
            p["recommended"]["probability_unused"]
        )
    by_period = rows(book["Periods"])
    assert [r[0] for r in by_period] == [1, 2]
    for row, p in zip(by_period, periods, strict=True):
        assert row[3:8] == xl(
            (
                p["spend"]["mean"],
                p["spend"]["p5"],
                p["spend"]["p50"],
                p["spend"]["p95"],
                p["recommended"]["commitment"],
            )
        )
        assert row[13] == xl(p["baselines"]["no_commitment"]["expected_cost"])
    seats = rows(book["Seats"])
    expected_seats = [
        (team["name"], plan_label(s["plan"]), s["share"], s["annual_seats"], s["expected_monthly_seats"])
        for team in result["seats"]["teams"]
        for s in team["mix"]
    ]
    assert [r[:5] for r in seats] == [xl(row) for row in expected_seats]
    assert [r[:3] for r in rows(book["Concessions"])] == [
        xl((humanize(c["name"]), c["description"], c["expected_saving"])) for c in result["concessions"]
    ]
    assert [r[2] for r in rows(book["Levers"])] == [
        xl(lever["expected_saving"]) for lever in result["token_levers"]
    ]
    labels = {driver_label(s["driver"]) for s in result["sensitivity"]}
    sensitivity = [r for r in rows(book["Sensitivity"]) if r[0] in labels]
    assert [r[3:5] for r in sensitivity] == [
        xl((s["expected_cost_low"], s["expected_cost_high"])) for s in result["sensitivity"]
    ]
    # the derived columns are what the brief shows: the headline plus each case's change on the subsample
    baseline = result["sensitivity_baseline"]
    assert baseline is not None
    shift = result["total"]["expected_cost"] - baseline["expected_cost"]
    assert abs(shift) > 1  # the subsample's baseline (fast seat path) differs from the headline here
    assert [r[7:9] for r in sensitivity] == [
        xl((s["expected_cost_low"] + shift, s["expected_cost_high"] + shift)) for s in result["sensitivity"]
    ]
    assert book["Periods"]["H2"].number_format == '"$"#,##0'  # numbers stay numbers, shown as dollars


@pytest.mark.django_db
def test_the_run_page_links_the_workbook_and_serves_it(
    editor: Any, organization: Organization, engine_result: dict[str, Any]
) -> None:
    run = succeeded_run(organization, result=engine_result)
    client = logged_in(editor)
    page = client.get(f"/admin/forecasting/forecastrun/{run.pk}/change/").content.decode()
    url = f"/admin/forecasting/forecastrun/{run.pk}/result.xlsx"
    assert f'href="{url}"' in page
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(download.content)).sheetnames == list(SHEETS)


def test_the_decision_and_asks_sheets_hold_the_negotiation_section(engine_result: dict[str, Any]) -> None:
    """The Decision sheet's range, walk-away points and sums, and the Asks sheet (the negotiation sheet),
    against the result JSON: sums recomputed here from the periods and teams, values to 1e-12."""
    result = stored_result(engine_result)
    negotiation = result["negotiation"]
    assert negotiation is not None
    book = load_workbook(io.BytesIO(result_workbook(result)))
    decision = dict(rows(book["Decision"]))
    periods = result["api"]["periods"]
    for r, w in zip(negotiation["ranges"], negotiation["walk_away"], strict=True):
        label = f"Period {r['index'] + 1}"
        assert decision[f"{label}: recommended range, low end"] == xl(r["low"]["commitment"])
        assert decision[f"{label}: recommended range, high end"] == xl(r["high"]["commitment"])
        assert decision[f"{label}: walk away below (band floor)"] == xl(w["band_floor"])
        assert decision[f"{label}: walk away above (committing costs more than list)"] == xl(
            w["above_list_commitment"]
        )
        assert (
            r["low"]["commitment"]
            <= periods[r["index"]]["recommended"]["commitment"]
            <= r["high"]["commitment"]
        )
    assert decision["Least discount at which the recommendation still beats list"] == xl(
        negotiation["least_discount"]
    )
    assert decision["Value of one more percentage point of discount"] == xl(
        negotiation["value_per_discount_point"]
    )
    committed = sum(p["recommended"]["commitment"] for p in periods)
    assert decision["API commitment over the term (sum of periods)"] == xl(committed)
    cost = sum(p["recommended"]["expected_cost"] for p in periods)
    list_cost = sum(p["baselines"]["no_commitment"]["expected_cost"] for p in periods)
    assert decision["Expected API saving against no commitment (pay list) (sum of periods)"] == xl(
        list_cost - cost
    )
    assert decision["Expected overage over the term (sum of periods)"] == xl(
        sum(p["recommended"]["expected_overage"] for p in periods)
    )
    annual: dict[str, float] = {}
    for team in result["seats"]["teams"]:
        for share in team["mix"]:
            if share["plan"] != "api":
                annual[share["plan"]] = annual.get(share["plan"], 0) + share["annual_seats"]
    shown = {k: v for k, v in decision.items() if str(k).startswith("Annual seats: ")}
    for plan, count in annual.items():  # every plan with annual seats, none with a wrong count
        key = f"Annual seats: {plan_label(plan)} (sum of teams)"
        assert shown.get(key, 0) == count
    assert sum(shown.values()) == sum(annual.values())

    asks = rows(book["Asks"])
    assert [a[0] for a in asks] == [a["term"] for a in negotiation["asks"]]
    for row, ask in zip(asks, negotiation["asks"], strict=True):
        assert row == xl(
            (
                ask["term"],
                ask["title"],
                ask["opening"],
                ask["opening_value"],
                ask["target"],
                ask["target_value"],
                ask["walk_away"],
                ask["trade"],
                ask["basis"],
            )
        )
    priced = [a[5] for a in asks if a[5] is not None]
    assert priced == sorted(priced, reverse=True)  # largest first, as the result orders them
    assert book["Asks"]["F2"].number_format == '"$"#,##0'


def test_a_result_without_the_negotiation_section_gives_an_empty_asks_sheet(
    engine_result: dict[str, Any],
) -> None:
    data = json.loads(json.dumps(engine_result))
    data["negotiation"] = None
    book = load_workbook(io.BytesIO(result_workbook(stored_result(data))))
    assert rows(book["Asks"]) == []
    assert not [k for k in dict(rows(book["Decision"])) if "recommended range" in str(k)]


def test_plans_are_named_as_the_runs_catalog_names_them(engine_result: dict[str, Any]) -> None:
    """Given the run's catalog, every plan cell and seat-order label uses the catalog's name (as the brief
    and the run page do); without it, the built-in labels."""
    result = stored_result(engine_result)
    plans = sorted({s["plan"] for team in result["seats"]["teams"] for s in team["mix"]})
    names = {plan: f"Catalog name {i} of {plan.upper()}" for i, plan in enumerate(plans)}
    catalog = {"plans": [{"key": plan, "display_name": name} for plan, name in names.items()]}
    book = load_workbook(io.BytesIO(result_workbook(result, catalog=catalog)))
    shown = {row[1] for row in rows(book["Seats"])}
    assert shown == {names[s["plan"]] for team in result["seats"]["teams"] for s in team["mix"]}
    seat_labels = [label for label, _ in rows(book["Decision"]) if str(label).startswith("Annual seats: ")]
    assert seat_labels
    assert all(any(name in label for name in names.values()) for label in seat_labels)
    everywhere = " ".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )
    assert not [plan for plan in plans if f"Annual seats: {plan_label(plan)} " in everywhere]
    plain = load_workbook(io.BytesIO(result_workbook(result)))
    assert {row[1] for row in rows(plain["Seats"])} <= {plan_label(plan) for plan in plans}


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("list", "expected overage at list price"),
        ("committed_rate", "expected overage at the committed rate"),
    ],
)
def test_overage_is_labelled_with_the_price_the_scenario_bills_it_at(
    engine_result: dict[str, Any], rule: str, words: str
) -> None:
    result = stored_result(engine_result)
    scenario = {"contract": {"api": {"overage": rule}}}
    labels = [
        str(r[0])
        for r in rows(load_workbook(io.BytesIO(result_workbook(result, scenario=scenario)))["Decision"])
    ]
    overage = [label for label in labels if "expected overage" in label and label.startswith("Period ")]
    assert len(overage) == len(result["api"]["periods"])
    assert all(label.endswith(words) for label in overage)
    # without the scenario the price is not known, and the label does not claim one
    unknown = [str(r[0]) for r in rows(load_workbook(io.BytesIO(result_workbook(result)))["Decision"])]
    assert [label for label in unknown if label.startswith("Period ") and label.endswith("expected overage")]
    assert not [label for label in unknown if " at list price" in label or "committed rate" in label]
