"""The result as an Excel workbook (docs/result.md), for the people who live in spreadsheets.

One sheet each for the decision (what to sign, what it saves, the seat order, the risks, the recommended
range and walk-away points), the API periods, the seats, the asks (the negotiation sheet), the contract
concessions, the token levers and the sensitivity. Every number is the stored result's own, unrounded,
written as a number cell with a display format (dollars, percent), so a reader can sum and chart it;
nothing is recomputed here except what a sheet labels as derived (sums over periods or teams, a
concession's share of the total). Built with openpyxl from the typed result, like the brief, so the same
run always gives the same workbook content.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from forecasting.engine.contract import ForecastResult
from reports.brief_data import overage_rule, seat_order
from reports.plan_names import catalog_plan_names
from reports.result_view import BASELINE_LABELS, driver_label, humanize, plan_label, sensitivity_case

USD = '"$"#,##0'
SHARE = "0.0%"
# The price overage is billed at, by the scenario's `contract.api.overage` (docs/scenario.md).
OVERAGE_AT = {"list": " at list price", "committed_rate": " at the committed rate"}
SHEETS = ("Decision", "Periods", "Seats", "Asks", "Concessions", "Levers", "Sensitivity")
_BOLD = Font(bold=True)
_WIDTH_CAP = 60  # characters: a long description wraps instead of widening its column past this


def result_workbook(
    result: ForecastResult,
    *,
    organization_name: str = "",
    scenario_name: str = "",
    run_id: Any = "",
    catalog: Mapping[str, Any] | None = None,
    scenario: Mapping[str, Any] | None = None,
) -> bytes:
    """The workbook's .xlsx bytes. With the run's `catalog` snapshot, plans are named as the catalog names
    them (as the brief and the run page do); with the `scenario` as run, overage is labelled with its price
    (list or the committed rate), and left unqualified when that is not known."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    with catalog_plan_names(catalog):
        _decision(
            book.create_sheet("Decision"),
            result,
            (organization_name, scenario_name, run_id),
            catalog or {},
            OVERAGE_AT.get(overage_rule(scenario) or "", ""),
        )
        _periods(book.create_sheet("Periods"), result)
        _seats(book.create_sheet("Seats"), result)
        _asks(book.create_sheet("Asks"), result)
        _concessions(book.create_sheet("Concessions"), result)
        _levers(book.create_sheet("Levers"), result)
        _sensitivity(book.create_sheet("Sensitivity"), result)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _decision(
    sheet: Worksheet,
    result: ForecastResult,
    names: tuple[str, str, Any],
    catalog: Mapping[str, Any],
    overage_at: str,
) -> None:
    organization, scenario, run_id = names
    api, seats, total = result["api"], result["seats"], result["total"]
    rows: list[tuple[str, Any, str | None]] = [
        ("Organization", organization, None),
        ("Scenario", scenario, None),
        ("Run", str(run_id), None),
        ("Price catalog", f"{result['catalog']['slug']} (as of {result['catalog']['as_of']})", None),
        ("Trials", result["simulation"]["trials"], "#,##0"),
        ("Seed", result["simulation"]["seed"], "0"),
        ("Total expected cost over the term", total["expected_cost"], USD),
        ("Total cost, 5th percentile", total["cost"]["p5"], USD),
        ("Total cost, 95th percentile", total["cost"]["p95"], USD),
        ("API expected cost over the term", api["expected_cost"], USD),
        ("Seats expected cost over the term", seats["expected_cost"], USD),
    ]
    for period in api["periods"]:
        point = period["recommended"]
        label = f"Period {period['index'] + 1} ({period['start_month']}, {period['months']} months)"
        rows += [
            (f"{label}: commit", point["commitment"], USD),
            (f"{label}: discount", point["discount"], SHARE),
            (f"{label}: chance some commitment goes unused", point["probability_unused"], SHARE),
            (f"{label}: expected overage{overage_at}", point["expected_overage"], USD),
        ]
    blended = result["blended_vs_separated"]
    if blended is not None:
        rows.append(("Saving of separate commitments over one blended one", blended["expected_saving"], USD))
    rows += _decision_sums(result, catalog)
    negotiation = result.get("negotiation")
    if negotiation is not None:
        for r, w in zip(negotiation["ranges"], negotiation["walk_away"], strict=True):
            label = f"Period {r['index'] + 1}"
            rows += [
                (f"{label}: recommended range, low end", r["low"]["commitment"], USD),
                (f"{label}: recommended range, high end", r["high"]["commitment"], USD),
                (f"{label}: walk away below (band floor)", w["band_floor"], USD),
                (
                    f"{label}: walk away above (committing costs more than list)",
                    w["above_list_commitment"],
                    USD,
                ),
            ]
        rows += [
            (
                "Recommended range: tolerance on the term's expected API cost",
                negotiation["tolerance"],
                "0.00%",
            ),
            (
                "Least discount at which the recommendation still beats list",
                negotiation["least_discount"],
                "0.00%",
            ),
            ("Value of one more percentage point of discount", negotiation["value_per_discount_point"], USD),
        ]
    _table(sheet, ("Item", "Value"), [(label, value) for label, value, _ in rows])
    for row, (_, _, number_format) in enumerate(rows, start=2):
        if number_format:
            sheet.cell(row=row, column=2).number_format = number_format


def _decision_sums(result: ForecastResult, catalog: Mapping[str, Any]) -> list[tuple[str, Any, str | None]]:
    """The decision's derived figures: sums over periods (commitment, savings, overage) and the seat order
    summed over teams by plan, as the run page's cards show them."""
    periods = result["api"]["periods"]
    recommended = sum(p["recommended"]["expected_cost"] for p in periods)
    rows: list[tuple[str, Any, str | None]] = [
        (
            "API commitment over the term (sum of periods)",
            sum(p["recommended"]["commitment"] for p in periods),
            USD,
        ),
    ]
    for name, label in BASELINE_LABELS.items():
        baseline = sum(p["baselines"][name]["expected_cost"] for p in periods)
        rows.append(
            (
                f"Expected API saving against {label[:1].lower()}{label[1:]} (sum of periods)",
                baseline - recommended,
                USD,
            )
        )
    rows.append(
        (
            "Expected overage over the term (sum of periods)",
            sum(p["recommended"]["expected_overage"] for p in periods),
            USD,
        )
    )
    for line in seat_order(result, {}):
        rows += [
            (f"Annual seats: {plan_label(line.plan)} (sum of teams)", line.annual_seats, "#,##0"),
            (
                f"Expected monthly seats: {plan_label(line.plan)} (sum of teams)",
                line.expected_monthly_seats,
                "0.0",
            ),
        ]
    return rows


def _periods(sheet: Worksheet, result: ForecastResult) -> None:
    header = (
        "Period",
        "Start month",
        "Months",
        "Spend mean",
        "Spend p5",
        "Spend p50",
        "Spend p95",
        "Commitment",
        "Discount",
        "Expected cost",
        "Chance unused",
        "Expected unused",
        "Expected overage",
        "No commitment: expected cost",
        "Run rate: commitment",
        "Run rate: expected cost",
    )
    rows = []
    for p in result["api"]["periods"]:
        rec, base = p["recommended"], p["baselines"]
        rows.append(
            (
                p["index"] + 1,
                p["start_month"],
                p["months"],
                p["spend"]["mean"],
                p["spend"]["p5"],
                p["spend"]["p50"],
                p["spend"]["p95"],
                rec["commitment"],
                rec["discount"],
                rec["expected_cost"],
                rec["probability_unused"],
                rec["expected_unused"],
                rec["expected_overage"],
                base["no_commitment"]["expected_cost"],
                base["run_rate"]["commitment"],
                base["run_rate"]["expected_cost"],
            )
        )
    _table(sheet, header, rows)
    _formats(sheet, {USD: (4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16), SHARE: (9, 11)}, len(rows))


def _seats(sheet: Worksheet, result: ForecastResult) -> None:
    header = (
        "Team",
        "Plan",
        "Share of active engineers",
        "Annual seats",
        "Expected monthly seats",
        "Team expected cost over the term",
        "Idle seat cost",
        "Extra usage",
        "API-billed usage",
        "Team cash cost over the term (paid)",
        "Blocked usage (API-equivalent, refused, not paid)",
        "Blocked usage valued as lost work (in the expected cost)",
    )
    rows = []
    for team in result["seats"]["teams"]:
        for share in team["mix"]:
            rows.append(
                (
                    team["name"],
                    plan_label(share["plan"]),
                    share["share"],
                    share["annual_seats"],
                    share["expected_monthly_seats"],
                    team["expected_cost"],
                    team["expected_idle_seat_cost"],
                    team["expected_extra_usage"],
                    team["expected_api_billed_usage"],
                    team["expected_cash_cost"],
                    team["expected_blocked_usage_usd"],
                    team["expected_blocked_value"],
                )
            )
    _table(sheet, header, rows)
    _formats(sheet, {SHARE: (3,), "0.0": (5,), USD: (6, 7, 8, 9, 10, 11, 12)}, len(rows))


def _asks(sheet: Worksheet, result: ForecastResult) -> None:
    """The negotiation sheet (docs/result.md#negotiation), in the result's order: largest target value
    first, unpriced asks (no value) last. Empty below its header for a result without the section."""
    negotiation = result.get("negotiation")
    header = (
        "Term",
        "Ask",
        "Opening ask",
        "Opening value (expected saving over the term)",
        "Target",
        "Target value (expected saving over the term)",
        "Walk away at",
        "Trade for it",
        "How the value was found",
    )
    rows = [
        (
            a["term"],
            a["title"],
            a["opening"],
            a["opening_value"],
            a["target"],
            a["target_value"],
            a["walk_away"],
            a["trade"],
            a["basis"],
        )
        for a in (negotiation["asks"] if negotiation is not None else [])
    ]
    _table(sheet, header, rows)
    _formats(sheet, {USD: (4, 6)}, len(rows))


def _concessions(sheet: Worksheet, result: ForecastResult) -> None:
    total = result["total"]["expected_cost"]
    rows = [
        (
            humanize(c["name"]),
            c["description"],
            c["expected_saving"],
            c["expected_saving"] / total if total else None,
        )
        for c in result["concessions"]
    ]
    _table(sheet, ("Concession", "What it is", "Expected saving over the term", "Share of total cost"), rows)
    _formats(sheet, {USD: (3,), SHARE: (4,)}, len(rows))


def _levers(sheet: Worksheet, result: ForecastResult) -> None:
    periods = len(result["api"]["periods"])
    header = (
        "Lever",
        "What it is",
        "Expected saving over the term",
        *(f"Commitment period {i + 1}" for i in range(periods)),
    )
    rows = [
        (humanize(lever["lever"]), lever["description"], lever["expected_saving"], *lever["commitments"])
        for lever in result["token_levers"]
    ]
    _table(sheet, header, rows)
    _formats(sheet, {USD: tuple(range(3, 4 + periods))}, len(rows))


def _sensitivity(sheet: Worksheet, result: ForecastResult) -> None:
    header = (
        "Driver",
        "Low case",
        "High case",
        "Expected cost, low case",
        "Expected cost, high case",
        "Commitment period 1, low case",
        "Commitment period 1, high case",
        "As in the brief: expected cost, low case",
        "As in the brief: expected cost, high case",
    )
    # The last two columns are derived: the brief centres the tornado on the headline and shows each case
    # as the headline plus its change on the subsample (result_view.sensitivity_case).
    rows = [
        (
            driver_label(r["driver"]),
            r["low"],
            r["high"],
            r["expected_cost_low"],
            r["expected_cost_high"],
            r["commitment_low"],
            r["commitment_high"],
            *sensitivity_case(result, r, "expected_cost"),
        )
        for r in result["sensitivity"]
    ]
    _table(sheet, header, rows)
    _formats(sheet, {USD: (4, 5, 6, 7, 8, 9)}, len(rows))
    baseline = result["sensitivity_baseline"]
    if baseline is not None:
        start = len(rows) + 3
        sheet.cell(row=start, column=1, value="Baseline of the cases (same trials)").font = _BOLD
        for offset, (label, value) in enumerate(
            (
                ("Trials", baseline["trials"]),
                ("Expected cost", baseline["expected_cost"]),
                ("Commitment period 1", baseline["commitment"]),
            )
        ):
            sheet.cell(row=start + 1 + offset, column=1, value=label)
            cell = sheet.cell(row=start + 1 + offset, column=2, value=value)
            cell.number_format = "#,##0" if label == "Trials" else USD


def _table(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header row in bold, frozen, then the rows; columns sized to their content (capped, wrapped)."""
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.iter_cols(min_row=1, max_row=sheet.max_row), start=1):
        longest = max((len(_shown(cell.value)) for cell in column), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest, 10) + 2, _WIDTH_CAP)
        if longest > _WIDTH_CAP:
            for cell in column[1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _formats(sheet: Worksheet, formats: dict[str, tuple[int, ...]], rows: int) -> None:
    for number_format, columns in formats.items():
        for column in columns:
            for row in range(2, rows + 2):
                sheet.cell(row=row, column=column).number_format = number_format


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1 else f"{value:.1%}"
    return "" if value is None else str(value)
