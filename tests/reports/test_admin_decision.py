"""A succeeded run's admin page opens with the decision (issue 14): headline cards, the negotiation sheet,
the recommended range and walk-away points, the levers, blended vs separated; the charts after them; the
stored result only behind a link (`result.json`, same permission and organization scoping as the page).

The result is the engine's own for the example scenario (fixed seed). Every expected figure is computed
here from the result's raw numbers (sums over periods, teams and plans) and formatted with
`reports.formatting`, never pasted.
"""

from __future__ import annotations

import copy
import html
import json
import re
from typing import Any

import pytest
from django.test import Client

from forecasting.models import ForecastRun
from procurement.models import Organization, Role
from reports.admin_decision import commitment_card
from reports.brief_data import stored_result
from reports.formatting import money, money_range, percent, price, seats, signable_money
from tests.procurement.admin_forms import logged_in
from tests.reports.admin_pages import run_url
from tests.reports.run_rows import (
    example_catalog,
    example_result,
    member,
    organization,
    succeeded_run,
    unfinished_run,
)


@pytest.fixture
def acme(db: None) -> Organization:
    return organization("Acme Robotics, Inc.")


def _page(client: Client, run: ForecastRun) -> str:
    response = client.get(run_url("change", run))
    assert response.status_code == 200
    return response.content.decode()


def _card(page: str, key: str) -> dict[str, Any]:
    """A headline card's figure, caption and lines as text (unescaped)."""
    found = re.search(rf'<div class="decision-card" id="card-{key}">(.*?)</div>', page, re.S)
    assert found, f"no card {key}"
    body = found.group(1)

    def texts(pattern: str) -> list[str]:
        return [html.unescape(re.sub(r"\s+", " ", t)).strip() for t in re.findall(pattern, body, re.S)]

    return {
        "figure": texts(r'<p class="figure">(.*?)</p>')[0],
        "caption": texts(r'<p class="caption">(.*?)</p>')[0],
        "lines": texts(r"<li>(.*?)</li>"),
    }


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_cards_state_the_decision_from_the_results_numbers(acme: Organization) -> None:
    result = example_result()
    catalog = example_catalog()
    for row in catalog["plans"]:  # the seat card names plans as the catalog does
        row["display_name"] = f"Claude {row['key'].replace('_', ' ').title()}"
    run = succeeded_run(acme, result=result)
    run.catalog_snapshot = catalog
    run.save()
    page = _page(logged_in(member(acme, Role.VIEWER)), run)
    periods = result["api"]["periods"]
    recommended = [p["recommended"] for p in periods]
    assert len(periods) == 2

    commitment = _card(page, "commitment")
    amounts = [r["commitment"] for r in recommended]
    if len({round(a, 2) for a in amounts}) == 1:
        assert commitment["figure"] == signable_money(amounts[0])
        assert f"in each of {len(periods)} periods" in commitment["caption"]
    else:
        assert commitment["figure"] == " then ".join(signable_money(a) for a in amounts)
    assert (
        f"{signable_money(sum(amounts))} in total over {sum(p['months'] for p in periods)} months"
        in commitment["caption"]
    )
    negotiation = result["negotiation"]
    assert negotiation is not None
    floor = negotiation["walk_away"][0]["band_floor"]
    band = f"{percent(recommended[0]['discount'])} off list from {money(floor)}"
    assert any(band in line for line in commitment["lines"]), commitment["lines"]
    first = negotiation["ranges"][0]
    span = money_range(first["low"]["commitment"], first["high"]["commitment"])
    assert any(span in line for line in commitment["lines"]), commitment["lines"]

    saving = _card(page, "saving")
    by_baseline = {
        name: sum(p["baselines"][name]["expected_cost"] for p in periods)
        for name in ("no_commitment", "run_rate", "median")
    }
    cost = sum(r["expected_cost"] for r in recommended)
    assert saving["figure"] == money(by_baseline["no_commitment"] - cost)
    best = min(("run_rate", "median"), key=lambda name: by_baseline[name])
    assert saving["lines"][0].startswith(money(by_baseline[best] - cost) + " against")
    assert saving["lines"][0].endswith("the best baseline")

    seat_card = _card(page, "seats")
    annual: dict[str, float] = {}
    by_year: dict[str, list[float]] = {}
    monthly: dict[str, float] = {}
    for team in result["seats"]["teams"]:
        for share in team["mix"]:
            if share["plan"] != "api":
                annual[share["plan"]] = annual.get(share["plan"], 0) + share["annual_seats"]
                years = by_year.setdefault(share["plan"], [0.0] * len(share["annual_seats_by_year"]))
                for i, n in enumerate(share["annual_seats_by_year"]):
                    years[i] += n
                monthly[share["plan"]] = monthly.get(share["plan"], 0) + share["expected_monthly_seats"]
    assert seat_card["figure"] == f"{seats(sum(annual.values()))} annual"
    assert f"plus {seats(sum(monthly.values()))} month-to-month seats" in seat_card["caption"]
    for plan, count in annual.items():
        if count > 0:
            name = f"Claude {plan.replace('_', ' ').title()}"
            years = by_year[plan]
            shown = " / ".join(seats(n) for n in years) if len(set(years)) > 1 else seats(count)
            assert any(line.startswith(f"{name}: {shown} annual at $") for line in seat_card["lines"])
    assert not [line for line in seat_card["lines"] if re.match(r"(pro|max_5x|max_20x|team_premium):", line)]

    risk = _card(page, "risk")
    assert risk["figure"] == money(sum(r["expected_overage"] for r in recommended))
    for period, line in zip(periods, risk["lines"], strict=False):
        rec = period["recommended"]
        assert line == (
            f"Period {period['index'] + 1}: {percent(rec['probability_unused'])} chance some commitment goes "
            f"unused · {money(rec['expected_overage'])} expected overage"
        )
    assert money(result["total"]["cost"]["p95"]) in risk["lines"][-1]


def test_the_page_reads_decision_first_then_charts_and_has_no_raw_json(acme: Organization) -> None:
    run = succeeded_run(acme)
    page = _page(logged_in(member(acme, Role.VIEWER)), run)
    order = [
        'id="decision-cards"',
        'id="negotiation-sheet"',
        'id="recommended-range"',
        'id="walk-away"',
        'id="token-levers"',
        'id="blended-vs-separated"',
        'class="brief-chart"',
        'id="recommended-commitments"',
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions), dict(zip(order, positions, strict=True))
    # The stored result is not on the page, only a link to it (the object tool, the fieldset, the button).
    assert '"negotiation"' not in page
    assert "&quot;negotiation&quot;" not in page
    assert "&quot;expected_overage&quot;" not in page
    assert '"expected_overage":' not in page
    assert "Result JSON</h2>" not in page
    assert page.count(f'href="{run_url("result_json", run)}"') == 3
    assert len(page) < 400_000  # the charts' SVG is most of it; the stored result alone is ~90 KB of JSON


def test_the_negotiation_sheet_lists_every_ask_in_the_results_order(acme: Organization) -> None:
    result = example_result()
    run = succeeded_run(acme, result=result)
    page = _page(logged_in(member(acme, Role.VIEWER)), run)
    negotiation = result["negotiation"]
    assert negotiation is not None
    sheet = page[
        page.index('id="negotiation-sheet"') : page.index("</table>", page.index('id="negotiation-sheet"'))
    ]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", sheet, re.S)
    assert [html.unescape(title) for title, _ in rows] == [a["title"] for a in negotiation["asks"]]
    priced = [a for a in negotiation["asks"] if a["target_value"] is not None]
    assert len(priced) >= 3
    for (_, cells), ask in zip(rows, negotiation["asks"], strict=True):
        shown = html.unescape(cells)
        value = "not priced" if ask["target_value"] is None else money(ask["target_value"])
        assert f'<td class="number target-value">{value}</td>' in shown
        assert ask["walk_away"] in shown
        assert ask["target"] in shown
    text = _text(page)
    if negotiation["value_per_discount_point"] is not None:
        assert f"every band is worth {money(negotiation['value_per_discount_point'])}" in text
    for point in negotiation["walk_away"]:
        if point["band_floor"] is not None:
            assert f"Below {money(point['band_floor'])}" in text
        if point["above_list_commitment"] is not None:
            assert f"Above {money(point['above_list_commitment'])}" in text
    least = negotiation["least_discount"]
    assert least is not None
    reading = "any discount pays" if least < 0.001 else "below it the recommended commitment no longer beats"
    assert f"Least discount {percent(least)}: {reading}" in text
    for lever in result["token_levers"]:
        assert f'<td class="number">{money(lever["expected_saving"])}</td>' in page
    blended = result["blended_vs_separated"]
    assert blended is not None
    assert f"saves {money(blended['expected_saving'])} in expected cost" in text


def test_planned_levers_are_shown_when_the_result_has_them(acme: Organization) -> None:
    result = example_result()
    result["planned_levers"] = None
    client = logged_in(member(acme, Role.VIEWER))
    assert 'id="planned-levers"' not in _page(client, succeeded_run(acme, result=copy.deepcopy(result)))
    first = result["api"]["periods"][0]["recommended"]["commitment"]
    result["planned_levers"] = {
        "levers": [{"lever": "cache_hit_rate", "start_month": "2027-07"}],
        "unoptimised_commitments": [first * 1.25, first * 1.25],
        "unoptimised_expected_cost": result["api"]["expected_cost"] + 12_345.0,
        "cost_of_committing_before_levers_land": 12_345.0,
        "expected_cost_if_levers_slip": result["api"]["expected_cost"] + 67_890.0,
        "cost_if_levers_slip": 6_789.0,
    }
    text = _text(_page(client, succeeded_run(acme, result=result)))
    assert "Prompt caching from Jul 2027" in text
    assert f"would be {money(first * 1.25)} / {money(first * 1.25)}, costing $12.3K more" in text
    assert "costs $6,789 more than committing on today's spend" in text


def test_a_result_without_a_negotiation_section_still_shows_its_cards(acme: Organization) -> None:
    result = example_result()
    result["negotiation"] = None
    result.pop("planned_levers", None)  # a result stored before both sections
    page = _page(logged_in(member(acme, Role.VIEWER)), succeeded_run(acme, result=result))
    assert 'id="no-negotiation"' in page
    assert 'id="negotiation-sheet"' not in page
    commitment = _card(page, "commitment")
    assert commitment["figure"] == signable_money(result["api"]["periods"][0]["recommended"]["commitment"])
    assert not [line for line in commitment["lines"] if line.startswith("Range")]


def test_result_json_is_the_stored_result_for_members_only(acme: Organization) -> None:
    run = succeeded_run(acme)
    viewer = logged_in(member(acme, Role.VIEWER))
    response = viewer.get(run_url("result_json", run))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    run.refresh_from_db()
    assert json.loads(response.content) == run.result

    globex_run = succeeded_run(organization("Globex"))
    assert viewer.get(run_url("result_json", globex_run)).status_code == 404
    outsider = logged_in(member(organization("Initech"), Role.ADMIN))
    assert outsider.get(run_url("result_json", run)).status_code == 404
    anonymous = Client().get(run_url("result_json", run))
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_result_json_of_an_unfinished_run_returns_to_the_run(acme: Organization) -> None:
    run = unfinished_run(acme, status=ForecastRun.Status.RUNNING, blocks_done=1)
    client = logged_in(member(acme, Role.VIEWER))
    response = client.get(run_url("result_json", run), follow=True)
    assert response.redirect_chain == [(run_url("change", run), 302)]
    assert "its result can be downloaded once the run has succeeded" in response.content.decode()
    assert f'href="{run_url("result_json", run)}"' not in _page(client, run)


def test_seat_prices_shown_are_the_ones_the_decision_used(acme: Organization) -> None:
    """Each seat line's price is the seat price the team's plan curve compared (annual where annual seats
    are bought), not a list price looked up separately."""
    result = example_result()
    page = _page(logged_in(member(acme, Role.VIEWER)), succeeded_run(acme, result=result))
    used = {
        line["plan"]: line["seat_price_usd"]
        for team in result["seats"]["teams"]
        if team["plan_cost_curve"]
        for line in team["plan_cost_curve"]["plans"]
    }
    lines = _card(page, "seats")["lines"]
    annual_plans = {
        s["plan"] for team in result["seats"]["teams"] for s in team["mix"] if s["annual_seats"] > 0
    } - {"api"}
    assert annual_plans
    for plan in annual_plans:
        assert any(f"annual at {price(used[plan])}" in line for line in lines), (plan, lines)


def test_a_ramped_commitment_is_shown_period_by_period() -> None:
    """Pure: different amounts per period read `A then B`, with each period's band; no commitment at all
    says that paying list wins."""
    result = stored_result(example_result())
    first, second = result["api"]["periods"]
    second["recommended"] = {**second["recommended"], "commitment": 1_000_000.0, "discount": 0.15}
    card = commitment_card(result)
    assert card.figure == f"{signable_money(first['recommended']['commitment'])} then $1,000,000"
    total = first["recommended"]["commitment"] + 1_000_000.0
    assert (
        card.caption == f"{signable_money(total)} in total over {first['months'] + second['months']} months"
    )
    negotiation = result["negotiation"]
    assert negotiation is not None
    floors = [money(w["band_floor"]) for w in negotiation["walk_away"]]
    assert [line for line in card.lines if line.startswith("Discount band")] == [
        f"Discount band, period 1: {percent(first['recommended']['discount'])} off list from {floors[0]}",
        f"Discount band, period 2: {percent(0.15)} off list from {floors[1]}",
    ]
    for period in result["api"]["periods"]:
        period["recommended"] = {**period["recommended"], "commitment": 0.0, "discount": 0.0}
    nothing = commitment_card(result)
    assert nothing.figure == "$0"
    assert nothing.caption == "no commitment beats paying list"
