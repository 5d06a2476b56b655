"""Seats: per team the plan mix and seat counts, annual vs monthly, idle seats, extra and blocked usage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable, KeepTogether

from forecasting.engine.contract import ForecastResult, Team
from reports import charts
from reports.formatting import display_text, money, money_range, percent, seats
from reports.layout import Cell, Strong, gap, para, table
from reports.result_view import NAME_CHARS, mix_rows, plan_label


def story(result: ForecastResult, catalog: Mapping[str, Any]) -> list[Flowable]:
    teams = list(result["seats"]["teams"])
    out: list[Flowable] = [
        para("Seats (Claude Code)", style="h1"),
        para(
            "Each engineer goes to the plan that is cheapest for their usage level; the break-even usage "
            "levels between plans set the shares. Annual seats are bought for the term at the annual price "
            "where a plan has one, the rest monthly as demand needs them. Idle-seat cost is paid for annual "
            "seats nobody uses; extra usage is usage beyond a plan’s limit billed at API rates; blocked "
            "usage is usage a plan refuses, valued as lost work."
        ),
        _summary(result),
        gap(10),
        KeepTogether(
            [
                charts.plan_break_even(catalog),
                para(
                    "Lines use the catalog’s seat prices (annual-billed where offered) and plan capacities; "
                    "capacities are labelled assumptions (see the last page). Dashed lines: plans that block "
                    "usage above their limit, valued at one dollar per API dollar.",
                    style="small",
                ),
            ]
        ),
        gap(6),
    ]
    out += [KeepTogether(_team_block(team)) for team in teams]
    return out


def _summary(result: ForecastResult) -> Flowable:
    rows: list[list[Cell]] = []
    for team in result["seats"]["teams"]:
        cost = team["cost"]
        rows.append(
            [
                display_text(team["name"], max_chars=NAME_CHARS),
                money(team["expected_cost"]),
                money_range(cost["p5"], cost["p95"]),
                money(team["expected_idle_seat_cost"]),
                money(team["expected_extra_usage"]),
                money(team["expected_blocked_usage"]),
            ]
        )
    total = result["seats"]
    rows.append(
        [
            Strong("All teams"),
            Strong(money(total["expected_cost"])),
            money_range(total["cost"]["p5"], total["cost"]["p95"]),
            "",
            "",
            "",
        ]
    )
    return table(
        ["Team", "Expected cost", "5th–95th percentile", "Idle-seat cost", "Extra usage", "Blocked usage"],
        rows,
        [122, 70, 110, 70, 70, 70],
        right=range(1, 6),
    )


def _team_block(team: Team) -> list[Flowable]:
    rows = []
    for row in mix_rows(team):
        is_api = row["plan"] == "api"
        monthly = seats(row["expected_monthly_seats"])
        rows.append(
            [
                plan_label(row["plan"]),
                percent(row["share"]),
                "—" if is_api else seats(row["annual_seats"]),
                f"{monthly} engineers" if is_api else monthly,
            ]
        )
    block: list[Flowable] = [
        para(display_text(team["name"], max_chars=NAME_CHARS), style="h2"),
        table(
            ["Plan", "Share of active engineers", "Annual seats", "Monthly seats (expected)"],
            rows,
            [150, 120, 100, 142],
            right=(1, 2, 3),
        ),
    ]
    notes = _break_even_text(team) + _best_single_plan(team)
    if notes:
        block += [gap(2), para(notes, style="small")]
    return block


def _break_even_text(team: Team) -> str:
    points = [
        f"{plan_label(b['from_plan'])} → {plan_label(b['to_plan'])} at {money(b['monthly_usage_usd'])}"
        for b in team["break_even"]
    ]
    return f"Break-even usage per engineer-month: {'; '.join(points)}. " if points else ""


def _best_single_plan(team: Team) -> str:
    best = team["best_single_plan"]
    return (
        f"Best single plan for everyone: {plan_label(best['plan'])} at "
        f"{money(best['expected_cost_per_engineer_month'])} per active engineer-month."
    )
