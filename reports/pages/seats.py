"""Seats: per team the plan mix and seat counts, annual vs monthly, idle seats, extra and blocked usage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether

from forecasting.engine.contract import ForecastResult, Team
from reports import charts
from reports.formatting import display_text, money, money_range, percent, seats
from reports.layout import Cell, Strong, gap, para, table
from reports.result_view import NAME_CHARS, mix_rows, plan_label, seat_totals
from reports.seat_prices import capacity_note, uncertain_price_notes, uncertain_prices

BREAK_EVEN_HEIGHT = 250.0  # points: the chart and the seats summary share the section's first page
TABLE_START_PT = 120.0  # points: room for the heading and at least five rows of the per-plan table
BREAK_EVEN_DEFINITION = (
    "A break-even is the typical monthly usage of an engineer (their median month at the start of the term, "
    "in API-equivalent dollars) at which two plans have the same expected cost per engineer-month. The "
    "expected cost counts month-to-month swings, usage growth over the term and uncertain plan limits, so "
    "a break-even sits below the usage where the list prices alone cross."
)


def story(
    result: ForecastResult, catalog: Mapping[str, Any], before_table: Sequence[Flowable] = ()
) -> list[Flowable]:
    """The seats section; `before_table` (blended vs separated) fills the foot of its first page, ahead of
    the per-plan table, which starts where at least a few of its rows fit."""
    teams = list(result["seats"]["teams"])
    blocked = has_blocked_usage(result)
    valued = has_valued_column(result)
    shown = charts.charted_team(result)
    chart_note = [
        "Lines: expected cost per engineer-month of each plan the team may use; dots: its break-evens, the "
        "figures in the team's note under the seats table. Other teams’ curves differ with their usage "
        "spread and growth; their break-evens are in their notes.",
        "* uncertain price.",
        "“Blocked above”: usage beyond the limit is refused (not paid)." if blocked else "",
        capacity_note(teams),
    ]
    out: list[Flowable] = [
        para("Seats (Claude Code)", style="h1"),
        para(
            "Each engineer goes to the plan that is cheapest for their usage level; the break-even levels "
            "between plans set the shares. Annual seats are bought for the term at the annual price "
            "where a plan has one, the rest monthly as demand needs them. Idle-seat cost is paid for annual "
            "seats nobody uses; extra usage is usage beyond a plan’s limit billed at API rates"
            + (_blocked_text(result, valued=valued) if blocked else ".")
            + " "
            + BREAK_EVEN_DEFINITION
        ),
        *[
            para(f"Uncertain price in the plan comparison: {note}", style="small")
            for note in uncertain_price_notes(teams, catalog, used_only=False)
        ],
        _summary(result, blocked=blocked, valued=valued),
        gap(10),
    ]
    if shown is not None:
        out += [
            KeepTogether(
                [
                    charts.plan_break_even(result, catalog, height=BREAK_EVEN_HEIGHT),
                    para(" ".join(n for n in chart_note if n), style="small"),
                ]
            ),
            gap(6),
        ]
    out += [
        *before_table,
        CondPageBreak(TABLE_START_PT),  # never the heading and a row or two alone at a page's foot
        para("Seats per team and plan", style="h2"),
        _teams_table(teams),
        gap(4),
        *_team_notes(teams, catalog),
    ]
    return out


def has_blocked_usage(result: ForecastResult) -> bool:
    """Whether any team has blocked usage worth a column (none when no allowed plan blocks). Read unvalued:
    a `blocked_usage_value` of 0 does not hide usage that was refused."""
    return any(team["expected_blocked_usage_usd"] >= 0.5 for team in result["seats"]["teams"])


def has_valued_column(result: ForecastResult) -> bool:
    """Whether the valued blocked usage differs from the usage (`blocked_usage_value` is not 1)."""
    return any(
        abs(team["expected_blocked_value"] - team["expected_blocked_usage_usd"]) >= 0.5
        for team in result["seats"]["teams"]
    )


def _blocked_value(result: ForecastResult) -> float | None:
    """The value per refused dollar, read back from the team blocking the most (None: nothing blocked)."""
    team = max(result["seats"]["teams"], key=lambda t: t["expected_blocked_usage_usd"], default=None)
    if team is None or team["expected_blocked_usage_usd"] < 0.5:
        return None
    return team["expected_blocked_value"] / team["expected_blocked_usage_usd"]


def _blocked_text(result: ForecastResult, *, valued: bool) -> str:
    value = _blocked_value(result)
    refused = "; blocked usage is usage a plan’s limit refuses, in API-equivalent dollars: it is not paid. "
    if value is not None and value < 0.005:
        return (
            refused
            + "The scenario values it at $0, so the expected cost, on which the plans are chosen, is the "
            "cash paid."
        )
    rate = "" if value is None else f" at ${value:,.2f} per dollar"
    cash = "the valued blocked usage" if valued else "the blocked usage"
    return (
        refused + f"The expected cost, on which the plans are chosen, counts it as lost work{rate}, so the "
        f"cash paid is the expected cost less {cash}."
    )


def _summary(result: ForecastResult, *, blocked: bool, valued: bool = False) -> Flowable:
    rows: list[list[Cell]] = []
    for team in result["seats"]["teams"]:
        cost = team["cost"]
        annual, monthly = seat_totals(team)
        rows.append(
            [
                display_text(team["name"], max_chars=NAME_CHARS),
                seats(annual),
                seats(monthly),
                money(team["expected_cost"]),
                money_range(cost["p5"], cost["p95"]),
                money(team["expected_idle_seat_cost"]),
                money(team["expected_extra_usage"]),
                *([money(team["expected_blocked_usage_usd"])] if blocked else []),
                *([money(team["expected_blocked_value"])] if blocked and valued else []),
            ]
        )
    total, teams = result["seats"], result["seats"]["teams"]
    rows.append(
        [
            Strong("All teams"),
            Strong(seats(sum(seat_totals(t)[0] for t in result["seats"]["teams"]))),
            Strong(seats(sum(seat_totals(t)[1] for t in result["seats"]["teams"]))),
            Strong(money(total["expected_cost"])),
            money_range(total["cost"]["p5"], total["cost"]["p95"]),
            "",
            "",
            *([Strong(money(sum(t["expected_blocked_usage_usd"] for t in teams)))] if blocked else []),
            *([Strong(money(sum(t["expected_blocked_value"] for t in teams)))] if blocked and valued else []),
        ]
    )
    headers = [
        "Team",
        "Annual seats",
        "Monthly seats (expected)",
        "Expected cost",
        "5th–95th percentile",
        "Idle-seat cost",
        "Extra usage",
    ]
    widths = [112, 50, 62, 60, 100, 60, 68]
    if blocked and valued:
        headers = [*headers, "Blocked usage", "Blocked, valued"]
        widths = [84, 40, 52, 54, 74, 48, 52, 54, 54]
    elif blocked:
        headers, widths = [*headers, "Blocked usage"], [92, 44, 56, 56, 80, 52, 60, 72]
    return table(headers, rows, widths, right=range(1, len(headers)), padding=1.5)


def _teams_table(teams: list[Team]) -> Flowable:
    """Every team's plans in one table: the team named on its first row."""
    rows: list[list[Cell]] = []
    starts: list[int] = []
    for team in teams:
        starts.append(len(rows))
        for i, row in enumerate(mix_rows(team)):
            is_api = row["plan"] == "api"
            monthly = seats(row["expected_monthly_seats"])
            rows.append(
                [
                    Strong(display_text(team["name"], max_chars=NAME_CHARS)) if i == 0 else "",
                    plan_label(row["plan"]),
                    percent(row["share"]),
                    "—" if is_api else ", ".join(seats(n) for n in row["annual_seats_by_year"]),
                    "—" if is_api else monthly,
                ]
            )
    header = ["Team", "Plan", "Share of active engineers", "Annual seats by year", "Monthly seats (expected)"]
    return table(header, rows, [140, 110, 102, 70, 90], right=(2, 3, 4), padding=1.2, groups=starts)


def _team_notes(teams: list[Team], catalog: Mapping[str, Any]) -> list[Flowable]:
    """Each team's break-evens and best single plan, and the uncertain prices its mix used: said once
    for all teams when they all used the same ones, else in each team's note."""
    used = {t["name"]: tuple(uncertain_prices([t], catalog)) for t in teams}
    shared = set(used.values())
    common = next(iter(shared)) if len(shared) == 1 else ()
    notes: list[Flowable] = []
    if common:
        notes.append(
            para(
                f"Every team's mix uses the uncertain price of {', '.join(common)} (see above).",
                style="small",
            )
        )
    for t in teams:
        own = "" if common else _uncertain(t, catalog)
        name = Strong(display_text(t["name"], max_chars=NAME_CHARS))
        notes.append(para(name, ". ", _break_even_text(t) + _best_single_plan(t) + own, style="small"))
    return notes


def _break_even_text(team: Team) -> str:
    points = [
        f"{plan_label(b['from_plan'])} → {plan_label(b['to_plan'])} at {money(b['monthly_usage_usd'])}"
        for b in team["break_even"]
    ]
    return f"Break-even typical usage per month: {'; '.join(points)}. " if points else ""


def _uncertain(team: Team, catalog: Mapping[str, Any]) -> str:
    used = uncertain_prices([team], catalog)
    return f" Uses the uncertain price of {', '.join(used)} (see above)." if used else ""


def _best_single_plan(team: Team) -> str:
    best = team["best_single_plan"]
    return (
        f"Best single plan for everyone: {plan_label(best['plan'])} at "
        f"{money(best['expected_cost_per_engineer_month'])} per active engineer-month."
    )
