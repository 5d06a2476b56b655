"""Cover and executive summary: who, which run, and the decisions with their money."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether

from forecasting.engine.contract import ForecastResult
from reports.brief_data import BriefData
from reports.formatting import (
    display_text,
    money,
    money_range,
    month,
    percent,
    plain_number,
    seats,
)
from reports.layout import Cell, Strong, bullet, gap, para, table
from reports.pages.negotiation import concession_ask
from reports.result_view import (
    NAME_CHARS,
    baseline_savings,
    catalog_text,
    mix_text,
    periods,
    ranked,
    seat_totals,
)
from reports.seat_prices import uncertain_price_line

TITLE_CHARS = 200  # organization and scenario names on the cover
# The summary lists plans with at least 1% of a team's engineers (a line a team); the seats pages list all.
SUMMARY_MIN_SHARE = 0.01


def story(data: BriefData) -> list[Flowable]:
    result = data.result
    return [
        para("Claude commitment negotiation brief", style="title"),
        para(display_text(data.organization_name, max_chars=TITLE_CHARS), style="subtitle"),
        _facts(data),
        gap(10),
        para("Executive summary", style="h1"),
        *_headline(result),
        para("Recommended API commitment", style="h2"),
        _commitments(result),
        gap(4),
        para("Expected saving against the baselines (API path, whole term)", style="h2"),
        _baselines(result),
        para("Seats per team", style="h2"),
        _teams(result),
        *_uncertain_prices(data),
        KeepTogether([para("Biggest asks", style="h2"), *_top_asks(result)]),
    ]


def _uncertain_prices(data: BriefData) -> list[Flowable]:
    line = uncertain_price_line(data.result["seats"]["teams"], data.catalog)
    return [para(line, style="small")] if line else []


def _facts(data: BriefData) -> Flowable:
    simulation = data.result["simulation"]
    catalog = data.result["catalog"]
    run = (
        f"run {display_text(data.run_id, max_chars=40)} · seed {plain_number(simulation['seed'])} · "
        f"{plain_number(simulation['trials'])} trials · "
        f"engine {display_text(simulation['engine_version'], max_chars=30)}"
    )
    rows = [
        ["Organization", display_text(data.organization_name, max_chars=TITLE_CHARS)],
        ["Scenario", display_text(data.scenario_name, max_chars=TITLE_CHARS)],
        ["Forecast finished", display_text(data.generated_on, max_chars=40)],
        [
            "Price catalog",
            catalog_text(catalog),
        ],
        ["Forecast", run],
    ]
    return table(None, rows, [110, 402])


def _headline(result: ForecastResult) -> list[Flowable]:
    total = result["total"]
    api = result["api"]
    api_cost = api["expected_cost"]
    out: list[Flowable] = [
        para(
            "Total expected cost over the term: ",
            Strong(money(total["expected_cost"])),
            f" (90% of trials between {money_range(total['cost']['p5'], total['cost']['p95'])}; median "
            f"{money(total['cost']['p50'])}). API path {money(api_cost)} (commitment plus overage), "
            f"seats {money(result['seats']['expected_cost'])}.",
            style="headline",
        )
    ]
    if api["claude_code_api_usage_counts"] and api["claude_code_api_spend"]["mean"] > 0:
        out.append(
            para(
                "Engineers on API billing spend from the API commitment, so their usage is in both parts; "
                "the total counts it once.",
                style="small",
            )
        )
    return out


def _commitments(result: ForecastResult) -> Flowable:
    rows = []
    for period in periods(result):
        rec = period["recommended"]
        rows.append(
            [
                f"{period['index'] + 1}",
                month(period["start_month"]),
                plain_number(period["months"]),
                money(rec["commitment"]),
                f"{percent(rec['discount'])} off list",
                money(rec["expected_cost"]),
                percent(rec["probability_unused"]),
                money(rec["expected_unused"]),
                money(rec["p95_cost"]),
            ]
        )
    header = [
        "Period",
        "Starts",
        "Months",
        "Commitment",
        "Discount band",
        "Expected cost",
        "P(unused)",
        "Expected unused",
        "95th pct cost",
    ]
    return table(header, rows, [36, 52, 38, 62, 62, 64, 50, 64, 64], right=range(2, 9), bold_rows=())


def _baselines(result: ForecastResult) -> Flowable:
    rows = []
    for baseline in baseline_savings(result):
        commitments = " / ".join(money(c) for c in baseline.commitments)
        rows.append([baseline.label, commitments, money(baseline.expected_cost), money(baseline.saving)])
    return table(
        ["Baseline", "Commitment per period", "Expected API cost", "Saving with the recommendation"],
        rows,
        [190, 120, 90, 112],
        right=(2, 3),
    )


def _teams(result: ForecastResult) -> Flowable:
    rows: list[list[Cell]] = []
    for team in result["seats"]["teams"]:
        annual, monthly = seat_totals(team)
        rows.append(
            [
                display_text(team["name"], max_chars=NAME_CHARS),
                mix_text(team, min_share=SUMMARY_MIN_SHARE),
                seats(annual),
                seats(monthly),
                money(team["expected_cost"]),
            ]
        )
    seats_total = result["seats"]
    rows.append([Strong("All teams"), "", "", "", Strong(money(seats_total["expected_cost"]))])
    return table(
        [
            "Team",
            "Plan mix (share of active engineers; under 1% omitted)",
            "Annual seats",
            "Monthly seats (expected)",
            "Expected cost",
        ],
        rows,
        [100, 212, 55, 75, 70],
        right=(2, 3, 4),
    )


def _top_asks(result: ForecastResult) -> list[Flowable]:
    asks = [c for c in ranked(result["concessions"]) if c["expected_saving"] > 0][:3]
    if not asks:
        return [para("No contract concession is worth money in this forecast.")]
    out: list[Flowable] = []
    for concession in asks:
        title, _ = concession_ask(concession["name"], result)
        out.append(bullet(Strong(title), f" worth {money(concession['expected_saving'])} in expected cost."))
    out.append(para("Every ask, in plain words, is on the page “What to ask for”.", style="small"))
    return out
