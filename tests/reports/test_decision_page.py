"""Page 1 of the brief is the decision (issue 14): what to sign, the seat order, the saving, the risks, the
recommended range, three asks with dollars and the walk-away points, each as the result states it.

Every expected string is formatted here from the result (the engine's, fixed seed), never pasted from a
rendered page, so a figure the page dropped or changed fails the test.
"""

from __future__ import annotations

import copy

import pytest

from forecasting.engine.contract import ForecastResult
from reports.brief import render_brief
from reports.brief_data import catalog_plan_name, seat_order, stored_result
from reports.formatting import money, percent, price, seats, signable_money
from reports.pages.decision import priced_asks
from reports.result_view import baseline_savings
from tests.reports.fixture_result import example_document
from tests.reports.pdf_tools import example_data, line_with, page_texts, squash


@pytest.fixture(scope="module")
def page_1() -> str:
    return page_texts(render_brief(example_data(scenario=example_document())), [0])[0]


@pytest.fixture(scope="module")
def result() -> ForecastResult:
    return example_data().result


def test_page_1_states_the_commitment_per_period_and_in_total(page_1: str, result: ForecastResult) -> None:
    periods = result["api"]["periods"]
    for period in periods:
        rec = period["recommended"]
        line_with(
            page_1,
            signable_money(rec["commitment"]),
            f"{percent(rec['discount'])} off list",
            money(rec["expected_cost"]),
            percent(rec["probability_unused"]),
            money(rec["expected_overage"]),
        )
    total = sum(p["recommended"]["commitment"] for p in periods)
    line_with(
        page_1, "Term", signable_money(total), money(sum(p["recommended"]["expected_cost"] for p in periods))
    )
    assert squash(f"({signable_money(total)} in total)") in squash(page_1)
    # What to sign is printed to the dollar: the amount on the grid, not a rounded $2.07M.
    for period in periods:
        assert float(period["recommended"]["commitment"]).is_integer()
        assert squash(signable_money(period["recommended"]["commitment"])) in squash(page_1)


def test_page_1_states_the_seat_order_by_plan_name_with_the_prices_used(
    page_1: str, result: ForecastResult
) -> None:
    catalog = example_data().catalog
    lines = seat_order(result, catalog)
    assert len(lines) >= 2
    # Summed over teams from the result's own mix rows, independently of seat_order.
    for line in lines:
        annual = sum(
            r["annual_seats"] for t in result["seats"]["teams"] for r in t["mix"] if r["plan"] == line.plan
        )
        monthly = sum(
            r["expected_monthly_seats"]
            for t in result["seats"]["teams"]
            for r in t["mix"]
            if r["plan"] == line.plan
        )
        assert line.seat_price_usd is not None
        line_with(
            page_1,
            catalog_plan_name(catalog, line.plan),
            seats(annual),
            seats(monthly),
            price(line.seat_price_usd),
        )
        if "_" in line.plan:
            assert line.plan not in page_1  # named, never by its key (issue 14)
    all_annual = sum(
        r["annual_seats"] for t in result["seats"]["teams"] for r in t["mix"] if r["plan"] != "api"
    )
    assert squash(f"{seats(all_annual)} annual seats") in squash(page_1)


def test_page_1_states_the_saving_against_list_and_each_baseline(page_1: str, result: ForecastResult) -> None:
    periods = result["api"]["periods"]
    recommended = sum(p["recommended"]["expected_cost"] for p in periods)
    no_commitment = sum(p["baselines"]["no_commitment"]["expected_cost"] for p in periods)
    line_with(page_1, "No commitment (pay list)", money(no_commitment), money(no_commitment - recommended))
    for baseline in baseline_savings(result):
        line_with(page_1, baseline.label.split(" (")[0], money(baseline.saving))


def test_page_1_states_the_risks_in_dollars_and_in_plain_words(page_1: str, result: ForecastResult) -> None:
    periods = result["api"]["periods"]
    worst = max(periods, key=lambda p: p["recommended"]["expected_overage"])
    text = squash(page_1)
    assert squash(f"Overage: {money(worst['recommended']['expected_overage'])} expected") in text
    assert squash(f"in period {worst['index'] + 1}") in text
    assert "Chancesomecommitmentgoesunused:" in text
    for period in periods:
        assert (
            squash(f"{percent(period['recommended']['probability_unused'])} in period {period['index'] + 1}")
            in text
        )
    assert "P(unused)" not in page_1  # issue 14: plain words
    assert squash(f"A bad year: {money(result['total']['cost']['p95'])}") in text


def test_page_1_states_the_recommended_range_with_its_risk_at_each_end(
    page_1: str, result: ForecastResult
) -> None:
    negotiation = result["negotiation"]
    assert negotiation is not None
    assert squash("within 0.25% of the least") in squash(page_1)  # the tolerance to its precision, not "0.2%"
    for r in negotiation["ranges"]:
        line_with(
            page_1,
            f"{money(r['low']['commitment'])}–{money(r['high']['commitment'])}",
            money(r["recommended"]["commitment"]),
            f"{percent(r['low']['probability_unused'])} unused",
            f"{percent(r['high']['probability_unused'])} unused",
        )


def test_page_1_lists_the_top_three_priced_asks_with_their_dollars(
    page_1: str, result: ForecastResult
) -> None:
    negotiation = result["negotiation"]
    assert negotiation is not None
    priced = sorted(
        (a for a in negotiation["asks"] if a["target_value"] is not None and a["target_value"] > 0),
        key=lambda a: -(a["target_value"] or 0.0),
    )
    assert len(priced) >= 3
    assert priced_asks(result)[:3] == priced[:3]
    text = squash(page_1)
    positions = [text.index(squash(f"{a['title']}: {money(a['target_value'])}")) for a in priced[:3]]
    assert positions == sorted(positions)  # largest first
    for ask in priced[3:]:
        assert squash(f"{ask['title']}: {money(ask['target_value'])}") not in text


def test_page_1_states_the_walk_away_points(page_1: str, result: ForecastResult) -> None:
    negotiation = result["negotiation"]
    assert negotiation is not None
    text = squash(page_1)
    for point in negotiation["walk_away"]:
        assert point["band_floor"] is not None
        assert point["above_list_commitment"] is not None
        assert squash(f"Below {money(point['band_floor'])}") in text
        assert squash(f"Above {money(point['above_list_commitment'])}") in text
    assert negotiation["least_discount"] is not None
    assert squash(f"Least discount: {percent(negotiation['least_discount'])}") in text


def test_page_1_names_the_organization_and_scenario(page_1: str) -> None:
    data = example_data()
    assert data.organization_name in page_1
    assert data.scenario_name in page_1


def test_a_result_without_the_negotiation_section_still_gives_a_decision_page(result: ForecastResult) -> None:
    older = copy.deepcopy(dict(result))
    del older["negotiation"]  # stored before the section existed
    page = page_texts(render_brief(example_data(result=stored_result(older))), [0])[0]
    assert "no recommended range" in page
    for period in result["api"]["periods"]:
        assert signable_money(period["recommended"]["commitment"]) in page


def test_page_1_states_the_planned_levers_beside_the_unoptimised_answer(
    page_1: str, result: ForecastResult
) -> None:
    planned = result["planned_levers"]
    assert planned is not None  # the example plans prompt caching part-way through the term
    text = squash(page_1)
    assert squash(" / ".join(money(c) for c in planned["unoptimised_commitments"])) in text
    assert (
        squash(f"costing {money(planned['cost_of_committing_before_levers_land'])} more once they land")
        in text
    )
    assert squash(f"costs {money(planned['cost_if_levers_slip'])} more") in text
    without = copy.deepcopy(dict(result))
    without["planned_levers"] = None
    plain = page_texts(render_brief(example_data(result=stored_result(without))), [0])[0]
    assert "planned levers" not in plain


def test_page_1_gives_the_annual_seats_of_each_seat_year(page_1: str, result: ForecastResult) -> None:
    """Annual seats are re-chosen at each renewal: page 1 sums each seat year's counts over the teams."""
    years = max(len(r["annual_seats_by_year"]) for t in result["seats"]["teams"] for r in t["mix"])
    sums = [
        sum(r["annual_seats_by_year"][min(i, len(r["annual_seats_by_year"]) - 1)]
            for t in result["seats"]["teams"] for r in t["mix"] if r["plan"] != "api")
        for i in range(years)
    ]  # fmt: skip
    first = sum(r["annual_seats"] for t in result["seats"]["teams"] for r in t["mix"] if r["plan"] != "api")
    assert sums[0] == first
    text = squash(page_1)
    assert squash(f"buy {first:,} annual seats") in text
    if len(set(sums)) > 1:
        assert squash(" / ".join(f"{n:,}" for n in sums)) in text
        assert squash(f"({', '.join(f'{n:,}' for n in sums[1:])} from the renewal") in text
