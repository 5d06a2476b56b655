"""Seats: per team the plan mix and seat counts, annual vs monthly, idle seats, extra and blocked usage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable, KeepTogether

from reports import charts
from reports.formatting import as_number, display_text, money, money_range, percent, seats
from reports.layout import Cell, Strong, gap, para, table
from reports.result_view import NAME_CHARS, mix_rows, plan_label


def story(result: Mapping[str, Any], catalog: Mapping[str, Any]) -> list[Flowable]:
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


def _summary(result: Mapping[str, Any]) -> Flowable:
    rows: list[list[Cell]] = []
    for team in result["seats"]["teams"]:
        cost = team.get("cost", {})
        rows.append(
            [
                display_text(team["name"], max_chars=NAME_CHARS),
                money(team.get("expected_cost")),
                money_range(cost.get("p5"), cost.get("p95")),
                money(team.get("expected_idle_seat_cost")),
                money(team.get("expected_extra_usage")),
                money(team.get("expected_blocked_usage")),
            ]
        )
    total = result["seats"]
    rows.append(
        [
            Strong("All teams"),
            Strong(money(total.get("expected_cost"))),
            money_range(total.get("cost", {}).get("p5"), total.get("cost", {}).get("p95")),
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


def _team_block(team: Mapping[str, Any]) -> list[Flowable]:
    rows = []
    for row in mix_rows(team):
        is_api = row.get("plan") == "api"
        rows.append(
            [
                plan_label(row.get("plan")),
                percent(row.get("share")),
                "—" if is_api else seats(row.get("annual_seats")),
                f"{seats(row.get('expected_monthly_seats'))} engineers"
                if is_api
                else seats(row.get("expected_monthly_seats")),
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


def _break_even_text(team: Mapping[str, Any]) -> str:
    points = [
        f"{plan_label(b.get('from_plan'))} → {plan_label(b.get('to_plan'))} "
        f"at {money(b.get('monthly_usage_usd'))}"
        for b in team.get("break_even", [])
    ]
    return f"Break-even usage per engineer-month: {'; '.join(points)}. " if points else ""


def _best_single_plan(team: Mapping[str, Any]) -> str:
    stored = team.get("best_single_plan") or {}
    if as_number(stored.get("expected_cost_per_engineer_month")) is not None:
        return (
            f"Best single plan for everyone: {plan_label(stored.get('plan'))} at "
            f"{money(stored['expected_cost_per_engineer_month'])} per active engineer-month."
        )
    costs = [
        c
        for c in team.get("plan_costs", [])
        if as_number(c.get("expected_cost_per_engineer_month")) is not None
    ]
    if not costs:
        return ""
    best = min(costs, key=lambda c: float(c["expected_cost_per_engineer_month"]))
    return (
        f"Best single plan for everyone: {plan_label(best.get('plan'))} at "
        f"{money(best['expected_cost_per_engineer_month'])} per active engineer-month."
    )
