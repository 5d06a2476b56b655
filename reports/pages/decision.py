"""Page 1, the decision: what to sign, the seat order, what it saves, the risks in dollars, the recommended
range, the top three asks and the walk-away points. Every figure is the result's own (docs/result.md),
summed or picked, never re-estimated."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, KeepInFrame, Table, TableStyle

from forecasting.engine.contract import ApiPeriod, Ask, ForecastResult, Negotiation, WalkAway
from reports import brief_data
from reports.brief_data import BriefData, SeatOrderLine, catalog_plan_name, seat_order
from reports.formatting import (
    display_text,
    money,
    money_range,
    month,
    percent,
    plain_number,
    price,
    seats,
    signable_money,
)
from reports.layout import Cell, Strong, bullet, gap, para, table
from reports.pages.negotiation import concession_ask
from reports.result_view import LEVER_LABELS, baseline_savings, catalog_text, money_list, periods, ranked
from reports.seat_prices import uncertain_price_line

TITLE_CHARS = 200  # organization and scenario names on the cover
TOP_ASKS = 3
TINY_DISCOUNT = 0.001  # below 0.1% (shown as "<0.1%") the least discount is read as "any discount pays"


def negotiation_of(result: ForecastResult) -> Negotiation | None:
    """The result's negotiation section; None for a run without the extra analyses (or stored before it)."""
    return result.get("negotiation")


def priced_asks(result: ForecastResult) -> list[Ask]:
    """The sheet's asks with a positive target value, largest first."""
    negotiation = negotiation_of(result)
    asks = [a for a in negotiation["asks"] if (a["target_value"] or 0.0) > 0] if negotiation else []
    return sorted(asks, key=lambda a: -(a["target_value"] or 0.0))


def story(data: BriefData) -> list[Flowable]:
    """One page, always: a long name or many periods shrink the page's content to fit (KeepInFrame)."""
    result = data.result
    content: list[Flowable] = [
        para(display_text(data.organization_name, max_chars=TITLE_CHARS), style="cover_title"),
        *_facts(data),
        para("What to sign", style="h1"),
        _headline(data),
        *_planned(result),
        _sign_table(result),
        para("Seat order (all teams)", style="h2_tight"),
        _seat_order(data),
        *_uncertain_prices(data),
        para("What it saves (API path, whole term)", style="h2_tight"),
        _baselines(result),
        para("Main risks", style="h2_tight"),
        *_risks(data),
        para("Recommended range", style="h2_tight"),
        *_range(result),
        gap(2),
        _two_columns(
            [para(f"Top {TOP_ASKS} asks", style="h2_tight"), *_top_asks(result)],
            [para("Walk-away points", style="h2_tight"), *_walk_away(result)],
        ),
    ]
    return [KeepInFrame(0, 0, content, mode="shrink")]


def _facts(data: BriefData) -> list[Flowable]:
    """Two short lines: what this is, and which run (kept apart so a long scenario name never splits the
    run's figures across lines)."""
    simulation = data.result["simulation"]
    return [
        para(
            "Claude commitment negotiation brief · scenario "
            f"{display_text(data.scenario_name, max_chars=TITLE_CHARS)} · forecast finished "
            f"{display_text(data.generated_on, max_chars=40)}",
            style="facts",
        ),
        para(
            f"run {display_text(data.run_id, max_chars=40)} · seed {plain_number(simulation['seed'])} · "
            f"{plain_number(simulation['trials'])} trials · engine "
            f"{display_text(simulation['engine_version'], max_chars=30)} · prices "
            f"{catalog_text(data.result['catalog'])}",
            style="facts",
        ),
    ]


def overage_rule(data: BriefData) -> str | None:
    """`list` or `committed_rate` from the scenario as run; None when the scenario is not known."""
    return brief_data.overage_rule(data.scenario)


def _headline(data: BriefData) -> Flowable:
    result = data.result
    rows = periods(result)
    total = result["total"]
    committed = sum(p["recommended"]["commitment"] for p in rows)
    order = seat_order(result, data.catalog)
    annual = sum(line.annual_seats for line in order)
    renewals = _renewal_totals(order)
    per = " then ".join(signable_money(p["recommended"]["commitment"]) for p in rows) if rows else "nothing"
    flat = len({round(p["recommended"]["commitment"], 2) for p in rows}) == 1 and len(rows) > 1
    amount = (
        f"{signable_money(rows[0]['recommended']['commitment'])} in each of {len(rows)} periods"
        if flat
        else per
    )
    return para(
        "Commit ",
        Strong(amount),
        f" ({signable_money(committed)} in total) to API spend and buy ",
        Strong(f"{seats(annual)} annual seats"),
        (
            f" for the first seat year ({renewals} from the renewal{'s' if ',' in renewals else ''})"
            if renewals
            else ""
        ),
        ", with month-to-month seats as demand needs them. Total expected cost over the term: ",
        Strong(money(total["expected_cost"])),
        f" (90% of trials between {money_range(total['cost']['p5'], total['cost']['p95'])}; median "
        f"{money(total['cost']['p50'])}); API path {money(result['api']['expected_cost'])}, seats "
        f"{money(result['seats']['expected_cost'])}.",
        style="lead",
    )


def _planned(result: ForecastResult) -> list[Flowable]:
    planned = result.get("planned_levers")
    if planned is None:
        return []
    starts = "; ".join(
        f"{LEVER_LABELS[item['lever']][0]} from {month(item['start_month'])}" for item in planned["levers"]
    )
    return [
        para(
            Strong("Sized on the planned levers"),
            f" ({starts}). On today's spend the commitment would be "
            f"{money_list(planned['unoptimised_commitments'])}, costing "
            f"{money(planned['cost_of_committing_before_levers_land'])} more once they land; if none lands, "
            f"this recommendation costs {money(planned['cost_if_levers_slip'])} more.",
            style="small",
        )
    ]


def _sign_table(result: ForecastResult) -> Flowable:
    rows: list[list[Cell]] = []
    for period in periods(result):
        rec = period["recommended"]
        rows.append(
            [
                f"{period['index'] + 1}",
                month(period["start_month"]),
                plain_number(period["months"]),
                signable_money(rec["commitment"]),
                f"{percent(rec['discount'])} off list",
                money(rec["expected_cost"]),
                percent(rec["probability_unused"]),
                money(rec["expected_overage"]),
                money(rec["p95_cost"]),
            ]
        )
    all_periods = periods(result)
    rows.append(
        [
            Strong("Term"),
            "",
            plain_number(sum(p["months"] for p in all_periods)),
            Strong(signable_money(sum(p["recommended"]["commitment"] for p in all_periods))),
            "",
            Strong(money(sum(p["recommended"]["expected_cost"] for p in all_periods))),
            "",
            money(sum(p["recommended"]["expected_overage"] for p in all_periods)),
            "",
        ]
    )
    header = [
        "Period",
        "Starts",
        "Months",
        "Commitment",
        "Discount band",
        "Expected API cost",
        "Chance some goes unused",
        "Expected overage",
        "95th pct API cost",
    ]
    return table(header, rows, [34, 50, 36, 62, 62, 66, 66, 66, 70], right=range(2, 9), padding=1.5)


def _seat_order(data: BriefData) -> Flowable:
    lines = seat_order(data.result, data.catalog)
    rows: list[list[Cell]] = []
    for line in lines:
        used = price(line.seat_price_usd) if line.seat_price_usd is not None else "—"
        monthly = price(line.monthly_price_usd) if line.monthly_price_usd is not None else "—"
        rows.append(
            [
                catalog_plan_name(data.catalog, line.plan),
                line.years_text(),
                seats(line.expected_monthly_seats),
                f"{used} annual / {monthly} monthly" if line.annual_seats > 0 else f"{monthly} monthly",
            ]
        )
    rows.append(
        [
            Strong("All plans"),
            Strong(" / ".join(f"{n:,.0f}" for n in _year_sums(lines))),
            Strong(seats(sum(line.expected_monthly_seats for line in lines))),
            f"seat cost {money(data.result['seats']['expected_cost'])} expected",
        ]
    )
    header = [
        "Plan",
        "Annual seats (per seat year)" if len(_year_sums(lines)) > 1 else "Annual seats (for the term)",
        "Month-to-month seats (expected average)",
        "Seat price used, per seat-month",
    ]
    return table(header, rows, [130, 110, 130, 142], right=(1, 2), padding=1.5)


def _year_sums(lines: list[SeatOrderLine]) -> list[float]:
    """Annual seats over every plan, per seat year (one entry when the count never changes)."""
    per_line = [line.annual_seats_by_year or (line.annual_seats,) for line in lines]
    years = max((len(y) for y in per_line), default=1)
    sums = [sum(y[min(i, len(y) - 1)] for y in per_line) for i in range(years)]
    return sums if len(set(sums)) > 1 else sums[:1]


def _renewal_totals(lines: list[SeatOrderLine]) -> str:
    """`171` (or `171, 180`): the annual seats bought at each renewal, empty when they never change."""
    sums = _year_sums(lines)
    return ", ".join(f"{n:,.0f}" for n in sums[1:]) if len(sums) > 1 else ""


def _uncertain_prices(data: BriefData) -> list[Flowable]:
    line = uncertain_price_line(data.result["seats"]["teams"], data.catalog)
    return [para(line, style="small")] if line else []


def _baselines(result: ForecastResult) -> Flowable:
    rows = []
    for baseline in baseline_savings(result):
        commitments = " / ".join(money(c) for c in baseline.commitments)
        rows.append([baseline.label, commitments, money(baseline.expected_cost), money(baseline.saving)])
    return table(
        ["Against", "Its commitment per period", "Its expected API cost", "Saving with the recommendation"],
        rows,
        [190, 110, 96, 116],
        right=(2, 3),
        padding=1.5,
    )


def _blended_line(result: ForecastResult) -> list[Flowable]:
    comparison = result["blended_vs_separated"]
    if comparison is None or comparison["expected_saving"] <= 0:
        return []
    return [
        para(
            "Sizing the API commitment on API spend alone, rather than on one number for API and seats "
            f"together, saves {money(comparison['expected_saving'])} more.",
            style="small",
        )
    ]


def _risks(data: BriefData) -> list[Flowable]:
    result = data.result
    rows = periods(result)
    out: list[Flowable] = []
    if rows:
        worst = max(rows, key=lambda p: p["recommended"]["expected_overage"])
        at = {"list": " at list price", "committed_rate": " at the committed rate"}.get(
            overage_rule(data) or "", ""
        )
        out.append(
            bullet(
                Strong(f"Overage: {money(worst['recommended']['expected_overage'])}"),
                f" expected{at} in period {worst['index'] + 1} ({_when(worst)}), spend above the "
                f"commitment; its 95th percentile API cost is {money(worst['recommended']['p95_cost'])}.",
            )
        )
        unused = "; ".join(
            f"{percent(p['recommended']['probability_unused'])} in period {p['index'] + 1} "
            f"(expected unused {money(p['recommended']['expected_unused'])})"
            for p in rows
        )
        out.append(bullet(Strong("Chance some commitment goes unused: "), f"{unused}."))
    total = result["total"]["cost"]
    out.append(
        bullet(
            Strong(f"A bad year: {money(total['p95'])}"),
            " total cost in 1 trial in 20 (the 95th percentile), against "
            f"{money(result['total']['expected_cost'])} expected.",
        )
    )
    return out


def _when(period: ApiPeriod) -> str:
    return f"from {month(period['start_month'])}"


def _range(result: ForecastResult) -> list[Flowable]:
    negotiation = negotiation_of(result)
    if negotiation is None:
        return [para("This result has no recommended range (a run without the extra analyses).")]
    rows: list[list[Cell]] = []
    for r in negotiation["ranges"]:
        low, high, rec = r["low"], r["high"], r["recommended"]
        rows.append(
            [
                str(r["index"] + 1),
                money_range(low["commitment"], high["commitment"]),
                money(rec["commitment"]),
                f"{percent(low['probability_unused'])} unused · {money(low['expected_overage'])} overage",
                f"{percent(high['probability_unused'])} unused · {money(high['expected_overage'])} overage",
            ]
        )
    header = [
        "Period",
        "Range",
        "Picked",
        "Low end: chance some unused · expected overage",
        "High end: chance some unused · expected overage",
    ]
    return [
        para(
            f"Commitments within {tolerance_text(negotiation['tolerance'])} of the least expected API cost "
            "over the term. " + display_text(negotiation["rule"], max_chars=600),
            style="small",
        ),
        table(header, rows, [34, 98, 50, 165, 165], right=(2,), padding=1.5),
    ]


def tolerance_text(value: float) -> str:
    """`0.25%`: the range's tolerance to its stated precision (percent() would round it to 0.2%)."""
    return f"{value * 100:g}%"


def _top_asks(result: ForecastResult) -> list[Flowable]:
    asks = priced_asks(result)[:TOP_ASKS]
    if negotiation_of(result) is None:  # an older result: the concessions, as before
        concessions = [c for c in ranked(result["concessions"]) if c["expected_saving"] > 0][:TOP_ASKS]
        return [
            bullet(Strong(concession_ask(c["name"], result)[0]), f": {money(c['expected_saving'])}")
            for c in concessions
        ] or [para("No contract ask is worth money in this forecast.")]
    if not asks:
        return [para("No ask is worth money in this forecast.")]
    out: list[Flowable] = [
        bullet(
            Strong(f"{display_text(a['title'], max_chars=80)}: {money(a['target_value'])}"),
            f" — target: {display_text(a['target'], max_chars=120)}.",
        )
        for a in asks
    ]
    out.append(
        para("Expected saving over the term at the target. Every ask: the negotiation sheet.", style="small")
    )
    return out


def _walk_away(result: ForecastResult) -> list[Flowable]:
    negotiation = negotiation_of(result)
    if negotiation is None:
        return [para("This result has no walk-away points (a run without the extra analyses).")]
    out: list[Flowable] = []
    for label, points in _grouped(negotiation["walk_away"]):
        floor, ceiling = points["band_floor"], points["above_list_commitment"]
        if floor is not None:
            out.append(bullet(Strong(f"Below {money(floor)}"), f" ({label}) the discount band is lost."))
        if ceiling is not None:
            out.append(
                bullet(
                    Strong(f"Above {money(ceiling)}"),
                    f" ({label}) committing costs more than paying list.",
                )
            )
    least = negotiation["least_discount"]
    if least is not None:
        meaning = (
            " — any discount pays: committing the recommended amounts beats paying list even at a tiny one."
            if least < TINY_DISCOUNT
            else " — below it, the recommended commitment no longer beats paying list."
        )
        out.append(bullet(Strong(f"Least discount: {percent(least)}"), meaning))
    return out or [para("No commitment is recommended, so there is nothing to walk away from.")]


def _grouped(walk_away: Sequence[WalkAway]) -> list[tuple[str, WalkAway]]:
    """One line for all periods when they share their walk-away points, else one per period."""
    if not walk_away:
        return []
    keys = {(w["band_floor"], w["above_list_commitment"]) for w in walk_away}
    if len(keys) == 1:
        return [("each period" if len(walk_away) > 1 else "the period", walk_away[0])]
    return [(f"period {w['index'] + 1}", w) for w in walk_away]


def _two_columns(left: list[Flowable], right: list[Flowable]) -> Flowable:
    grid = Table([[left, right]], colWidths=[262, 250], hAlign="LEFT")
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 10),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return grid
