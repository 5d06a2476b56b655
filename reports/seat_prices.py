"""Which catalog row priced each plan of a seat decision, and whether that price is uncertain.

The catalog marks doubt in a row's `source` with the tags of docs/pricing.md: "[UNCERTAIN]" for a price
that is conflicting or not verifiable officially, "[3P]" for a third-party figure; `is_assumption` marks a
row whose capacity (or another number) is this project's assumption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from forecasting.engine.contract import Team
from reports.formatting import as_number, money, price
from reports.result_view import plan_label

PRICE_MATCH_USD = 0.005  # a catalog row priced the decision when its seat price equals the one used


def _seat_price(row: Mapping[str, Any]) -> float | None:
    return as_number(row.get("annual_monthly_usd")) or as_number(row.get("monthly_usd"))


def price_row(catalog: Mapping[str, Any], plan: str, seat_price_usd: float) -> Mapping[str, Any] | None:
    """The catalog row of `plan` whose seat price is the one the decision used (latest when several)."""
    rows = [
        row
        for row in catalog.get("plans", [])
        if row.get("key") == plan and abs((_seat_price(row) or 0.0) - seat_price_usd) <= PRICE_MATCH_USD
    ]
    return max(rows, key=lambda row: str(row.get("valid_from", ""))) if rows else None


def is_uncertain(row: Mapping[str, Any] | None) -> bool:
    return row is not None and "UNCERTAIN" in str(row.get("source", "")).upper()


def _tag(row: Mapping[str, Any]) -> str:
    source = str(row.get("source", "")).upper()
    if "UNCERTAIN" in source:
        return "third-party, uncertain" if "3P" in source else "uncertain"
    return "official" if "OFFICIAL" in source else "unverified"


def _used_rows(
    teams: Sequence[Team], catalog: Mapping[str, Any], used_only: bool
) -> dict[str, Mapping[str, Any]]:
    """Plan -> the uncertain catalog row a team's decision compared (with engineers on it if `used_only`)."""
    rows: dict[str, Mapping[str, Any]] = {}
    for team in teams:
        curve = team.get("plan_cost_curve")
        shares = {row["plan"]: row["share"] for row in team["mix"]}
        for line in curve["plans"] if curve else []:
            if used_only and shares.get(line["plan"], 0.0) <= 0.0:
                continue
            row = price_row(catalog, line["plan"], line["seat_price_usd"])
            if row is not None and is_uncertain(row):
                rows.setdefault(line["plan"], row)
    return rows


def uncertain_prices(teams: Sequence[Team], catalog: Mapping[str, Any]) -> list[str]:
    """`Team premium $100` for each uncertain seat price the teams' decisions put engineers on."""
    return [
        f"{plan_label(plan)} {price(_seat_price(row))}"
        for plan, row in _used_rows(teams, catalog, True).items()
    ]


def uncertain_price_line(teams: Sequence[Team], catalog: Mapping[str, Any]) -> str:
    """One short line for a summary: each uncertain price the decisions use, with the catalog's others."""
    parts = []
    for plan, row in _used_rows(teams, catalog, True).items():
        others = [
            f"{price(_seat_price(other))} {_tag(other)}"
            for other in catalog.get("plans", [])
            if other.get("key") == plan and other is not row
        ]
        also = f"; catalog also lists {', '.join(others)}" if others else ""
        parts.append(f"{plan_label(plan)} {price(_seat_price(row))} per seat-month ({_tag(row)}{also})")
    return f"Uncertain price used: {'; '.join(parts)}." if parts else ""


def uncertain_price_notes(
    teams: Sequence[Team], catalog: Mapping[str, Any], *, used_only: bool = True
) -> list[str]:
    """One sentence per uncertain seat price a decision used (a plan with engineers on it), with the
    catalog's other prices for that plan."""
    notes = []
    for plan, row in _used_rows(teams, catalog, used_only).items():
        others = [
            f"{price(_seat_price(other))} from {str(other.get('valid_from', ''))[:7]} ({_tag(other)})"
            for other in catalog.get("plans", [])
            if other.get("key") == plan and other is not row
        ]
        billing = (
            f"{price(row.get('annual_monthly_usd'))} per seat-month billed annually, "
            f"{price(row.get('monthly_usd'))} monthly"
            if as_number(row.get("annual_monthly_usd")) is not None
            else f"{price(row.get('monthly_usd'))} per seat-month"
        )
        against = f"; the catalog also lists {', '.join(others)}" if others else ""
        notes.append(
            f"{plan_label(plan)} is priced at {billing} (catalog row from "
            f"{str(row.get('valid_from', ''))[:7]}, {_tag(row)}){against}."
        )
    return notes


def capacity_note(teams: Sequence[Team]) -> str:
    """The plan capacities the decisions used (labelled assumptions in the catalog)."""
    seen: dict[str, float] = {}
    for team in teams:
        curve = team.get("plan_cost_curve")
        for line in curve["plans"] if curve else []:
            if line["capacity_usd"] > 0:
                seen.setdefault(line["plan"], line["capacity_usd"])
    parts = [f"{plan_label(plan)} {money(capacity)}" for plan, capacity in seen.items()]
    return f"Plan capacities used (assumptions): {', '.join(parts)} a month." if parts else ""
