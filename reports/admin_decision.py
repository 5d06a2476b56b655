"""The top of a run's admin page, the decision: headline cards (what to sign, what it saves, the seat order,
the risks), the negotiation sheet, the recommended range and walk-away points, the token levers and blended
vs separated (issue 14: the run page says what page 1 of the brief says).

Pure, like `reports.admin_results`: the typed result (docs/result.md), the run's catalog snapshot and
scenario snapshot in, plain text out (the template escapes it). Every figure is the result's own, summed or
picked, never re-estimated; amounts are formatted by `reports.formatting` as the brief formats them, and plan
names come from the catalog as on the brief's page 1 (`reports.brief_data.seat_order`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from forecasting.engine.contract import ApiPeriod, Ask, ForecastResult, Negotiation, WalkAway
from reports import brief_data
from reports.brief_data import catalog_plan_name, seat_order
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
from reports.result_view import LEVER_LABELS, baseline_savings, humanize, money_list, periods
from reports.seat_prices import uncertain_price_line

TEXT_CHARS = 240  # an ask's words in one cell (the engine writes them under 120), as in the brief
TITLE_CHARS = 80
NOT_PRICED = "not priced"
TINY_DISCOUNT = (
    0.001  # a least discount below 0.1% (shown "<0.1%") reads "any discount pays", as in the brief
)
MIN_MONTHLY_SEATS = 0.05  # an expected month-to-month count below this shows as 0 (seats(): one decimal)
OVERAGE_PRICE = {"list": "at list price", "committed_rate": "at the committed rate"}


@dataclass(frozen=True)
class Card:
    """One headline card: a title, its figure in large type, a caption under it and detail lines."""

    key: str  # the card's element id is `card-<key>`
    title: str
    figure: str
    caption: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class AskRow:
    title: str
    opening: str
    opening_value: str
    target: str
    target_value: str
    walk_away: str
    trade: str
    basis: str


@dataclass(frozen=True)
class RangeRow:
    period: int
    starts: str
    range: str
    picked: str
    low_end: str
    high_end: str


@dataclass(frozen=True)
class LeverRow:
    label: str
    meaning: str
    saving: str
    commitments: str


@dataclass(frozen=True)
class BlendedRow:
    label: str
    commitments: str
    expected_cost: str
    expected_unused: str


@dataclass(frozen=True)
class Decision:
    cards: tuple[Card, ...]
    # The negotiation section (None: a run without the extra analyses, or stored before the section).
    has_negotiation: bool
    value_per_point: str  # "" when not known
    asks: tuple[AskRow, ...]
    range_rule: str
    range_tolerance: str
    ranges: tuple[RangeRow, ...]
    walk_away: tuple[str, ...]
    levers: tuple[LeverRow, ...]
    planned: tuple[str, ...]  # the planned levers' lines; empty when none are planned
    blended: tuple[BlendedRow, ...]
    blended_verdict: str


def decision(
    result: ForecastResult, catalog: Mapping[str, Any], scenario: Mapping[str, Any] | None = None
) -> Decision:
    """Everything above the charts on a succeeded run's page."""
    negotiation = negotiation_of(result)
    per_point = negotiation["value_per_discount_point"] if negotiation else None
    blended, verdict = _blended(result)
    return Decision(
        cards=(
            commitment_card(result),
            saving_card(result),
            seat_card(result, catalog),
            risk_card(result, scenario),
        ),
        has_negotiation=negotiation is not None,
        value_per_point=money(per_point) if per_point is not None else "",
        asks=tuple(_ask_row(ask) for ask in negotiation["asks"]) if negotiation else (),
        range_rule=display_text(negotiation["rule"], max_chars=600) if negotiation else "",
        range_tolerance=tolerance_text(negotiation["tolerance"]) if negotiation else "",
        ranges=_ranges(result, negotiation),
        walk_away=walk_away_lines(negotiation) if negotiation else (),
        levers=tuple(
            LeverRow(
                *_lever_text(lever["lever"]),
                money(lever["expected_saving"]),
                money_list(lever["commitments"]),
            )
            for lever in result["token_levers"]
        ),
        planned=planned_lines(result),
        blended=blended,
        blended_verdict=verdict,
    )


def negotiation_of(result: ForecastResult) -> Negotiation | None:
    """The result's negotiation section; None without the extra analyses (or a result stored before it)."""
    return cast(Mapping[str, Any], result).get("negotiation")


def commitment_card(result: ForecastResult) -> Card:
    """What to sign: the commitment per period and over the term, the discount band it earns and the
    recommended range around it."""
    rows = periods(result)
    amounts = [p["recommended"]["commitment"] for p in rows]
    total = sum(amounts)
    if not rows or total <= 0:
        return Card("commitment", "Commit to API spend", money(0), "no commitment beats paying list", ())
    flat = len(rows) > 1 and len({round(a, 2) for a in amounts}) == 1
    # What to sign is printed to the dollar (a whole amount on the scenario's grid), never rounded.
    exact = signable_money
    figure = exact(amounts[0]) if flat or len(rows) == 1 else " then ".join(exact(a) for a in amounts)
    each = f"in each of {len(rows)} periods, " if flat else ""
    months = plain_number(sum(p["months"] for p in rows))
    caption = f"{each}{exact(total)} in total over {months} months"
    return Card("commitment", "Commit to API spend", figure, caption, _band_lines(result, rows))


def _band_lines(result: ForecastResult, rows: Sequence[ApiPeriod]) -> tuple[str, ...]:
    """The discount band and the recommended range of each period (one line each when periods agree)."""
    negotiation = negotiation_of(result)
    floors = {w["index"]: w["band_floor"] for w in negotiation["walk_away"]} if negotiation else {}
    bands = [_band_text(p["recommended"]["discount"], floors.get(p["index"])) for p in rows]
    out = _per_period("Discount band", bands)
    if negotiation is not None:
        ranges = [money_range(r["low"]["commitment"], r["high"]["commitment"]) for r in negotiation["ranges"]]
        within = tolerance_text(negotiation["tolerance"])
        out += _per_period(f"Range within {within} of the least cost", ranges)
    return tuple(out)


def _per_period(label: str, values: Sequence[str]) -> list[str]:
    """`label: value` once when every period has the same value, else one line per period."""
    if len(set(values)) <= 1:
        return [f"{label}: {values[0]}"] if values else []
    return [f"{label}, period {i}: {value}" for i, value in enumerate(values, start=1)]


def _band_text(discount: float, floor: float | None) -> str:
    if discount <= 0:
        return "none (list price)"
    return f"{percent(discount)} off list" + (f" from {money(floor)}" if floor is not None else "")


# Baselines as a card names them ("against ..."); the tables below use BASELINE_LABELS.
BASELINE_PHRASES = {
    "no_commitment": "paying list",
    "run_rate": "committing today's run rate",
    "median": "committing the median forecast",
}


def saving_card(result: ForecastResult) -> Card:
    """What it saves on the API path over the term: against paying list, and against the best baseline
    (the cheaper of the run-rate and median commitments)."""
    baselines = baseline_savings(result)
    against_list = next(b for b in baselines if b.name == "no_commitment")
    others = sorted((b for b in baselines if b.name != "no_commitment"), key=lambda b: b.expected_cost)
    lines = [
        f"{money(b.saving)} against {BASELINE_PHRASES[b.name]} ({money_list(list(b.commitments))})"
        + (", the best baseline" if i == 0 else "")
        for i, b in enumerate(others)
    ]
    return Card(
        "saving",
        "Saving",
        money(against_list.saving),
        "expected, against paying list (API path, whole term)",
        tuple(lines),
    )


def seat_card(result: ForecastResult, catalog: Mapping[str, Any]) -> Card:
    """The seat order over every team, by plan (catalog names), with the seat prices the decision used."""
    lines = seat_order(result, catalog)
    annual = sum(line.annual_seats for line in lines)
    monthly = sum(line.expected_monthly_seats for line in lines)
    details = []
    for line in lines:
        name = display_text(catalog_plan_name(catalog, line.plan), max_chars=TITLE_CHARS)
        parts = [f"{line.years_text()} annual{_at(line.seat_price_usd)}"] if line.annual_seats > 0 else []
        if line.expected_monthly_seats >= MIN_MONTHLY_SEATS or not parts:
            parts.append(f"{seats(line.expected_monthly_seats)} monthly{_at(line.monthly_price_usd)}")
        details.append(f"{name}: {' · '.join(parts)}")
    details.append(f"{money(result['seats']['expected_cost'])} expected seat cost over the term")
    uncertain = uncertain_price_line(result["seats"]["teams"], catalog)
    if uncertain:
        details.append(uncertain)
    return Card(
        "seats",
        "Seat order",
        f"{seats(annual)} annual",
        f"seats for the term, plus {seats(monthly)} month-to-month seats expected on average "
        "(prices per seat-month)",
        tuple(details),
    )


def _at(value: float | None) -> str:
    return f" at {price(value)}" if value is not None else ""


def risk_card(result: ForecastResult, scenario: Mapping[str, Any] | None = None) -> Card:
    """The risks in dollars: expected overage, the chance some commitment goes unused, a bad year."""
    rows = periods(result)
    overage = sum(p["recommended"]["expected_overage"] for p in rows)
    at = OVERAGE_PRICE.get(overage_rule(scenario) or "", "")
    lines = [
        f"Period {p['index'] + 1}: {percent(p['recommended']['probability_unused'])} chance some commitment "
        f"goes unused · {money(p['recommended']['expected_overage'])} expected overage"
        for p in rows
    ]
    total = result["total"]
    lines.append(
        f"95th percentile total cost {money(total['cost']['p95'])} (1 trial in 20), against "
        f"{money(total['expected_cost'])} expected"
    )
    caption = "expected overage over the term" + (f", {at}" if at else "")
    return Card("risk", "Risk", money(overage), caption, tuple(lines))


def overage_rule(scenario: Mapping[str, Any] | None) -> str | None:
    """`list` or `committed_rate` from the scenario as run (`contract.api.overage`); None when not known."""
    return brief_data.overage_rule(scenario)


def ask_value(value: float | None) -> str:
    return NOT_PRICED if value is None else money(value)


def _ask_row(ask: Ask) -> AskRow:
    basis = display_text(ask["basis"], max_chars=TEXT_CHARS)
    if ask["target_value"] is None and not basis.lower().startswith(NOT_PRICED):
        basis = f"Not priced: {basis}"
    return AskRow(
        title=display_text(ask["title"], max_chars=TITLE_CHARS),
        opening=display_text(ask["opening"], max_chars=TEXT_CHARS),
        opening_value=ask_value(ask["opening_value"]),
        target=display_text(ask["target"], max_chars=TEXT_CHARS),
        target_value=ask_value(ask["target_value"]),
        walk_away=display_text(ask["walk_away"], max_chars=TEXT_CHARS),
        trade=display_text(ask["trade"], max_chars=TEXT_CHARS),
        basis=basis,
    )


def tolerance_text(value: float) -> str:
    """`0.25%`: the range's tolerance to its stated precision (percent() would round it to 0.2%)."""
    return f"{value * 100:g}%"


def _ranges(result: ForecastResult, negotiation: Negotiation | None) -> tuple[RangeRow, ...]:
    if negotiation is None:
        return ()
    starts = {p["index"]: month(p["start_month"]) for p in periods(result)}
    return tuple(
        RangeRow(
            period=r["index"] + 1,
            starts=starts.get(r["index"], ""),
            range=money_range(r["low"]["commitment"], r["high"]["commitment"]),
            picked=money(r["recommended"]["commitment"]),
            low_end=f"{percent(r['low']['probability_unused'])} chance unused · "
            f"{money(r['low']['expected_overage'])} overage",
            high_end=f"{percent(r['high']['probability_unused'])} chance unused · "
            f"{money(r['high']['expected_overage'])} overage",
        )
        for r in negotiation["ranges"]
    )


def walk_away_lines(negotiation: Negotiation) -> tuple[str, ...]:
    """The walk-away points in words: the band floor, where committing stops beating list, the least
    discount that still pays (one line for all periods when they agree)."""
    out: list[str] = []
    for label, points in _grouped(negotiation["walk_away"]):
        floor, ceiling = points["band_floor"], points["above_list_commitment"]
        if floor is not None:
            out.append(f"Below {money(floor)} ({label}) the discount band is lost.")
        if ceiling is not None:
            out.append(f"Above {money(ceiling)} ({label}) committing costs more than paying list.")
    least = negotiation["least_discount"]
    if least is not None:
        out.append(
            f"Least discount {percent(least)}: any discount pays, committing the recommended amounts beats "
            "paying list even at a tiny one."
            if least < TINY_DISCOUNT
            else f"Least discount {percent(least)}: below it the recommended commitment no longer beats list."
        )
    return tuple(out) or ("No commitment is recommended, so there is nothing to walk away from.",)


def _grouped(walk_away: Sequence[WalkAway]) -> list[tuple[str, WalkAway]]:
    if not walk_away:
        return []
    if len({(w["band_floor"], w["above_list_commitment"]) for w in walk_away}) == 1:
        return [("each period" if len(walk_away) > 1 else "the period", walk_away[0])]
    return [(f"period {w['index'] + 1}", w) for w in walk_away]


def _lever_text(key: Any) -> tuple[str, str]:
    return LEVER_LABELS[key] if key in LEVER_LABELS else (humanize(key), "")


def planned_lines(result: ForecastResult) -> tuple[str, ...]:
    """The levers the scenario plans and what committing against them risks; empty when none (the section
    is null, or absent from a result stored before it)."""
    planned = cast(Mapping[str, Any], result).get("planned_levers")
    if not isinstance(planned, Mapping):
        return ()
    starts = "; ".join(
        f"{_lever_text(item.get('lever'))[0]} from {month(item.get('start_month'))}"
        for item in planned.get("levers", [])
        if isinstance(item, Mapping)
    )
    unoptimised = money_list(planned.get("unoptimised_commitments"))
    return (
        f"The recommendation is sized on the spend with the planned levers landing ({starts}).",
        f"Sized on today's spend the commitment would be {unoptimised}, "
        f"costing {money(planned.get('cost_of_committing_before_levers_land'))} more in expected API cost "
        "once the levers land.",
        f"If no planned lever lands, the recommendation costs {money(planned.get('cost_if_levers_slip'))} "
        "more than committing on today's spend would.",
    )


def _blended(result: ForecastResult) -> tuple[tuple[BlendedRow, ...], str]:
    comparison = result["blended_vs_separated"]
    if comparison is None:
        return (), ""
    blended, separated = comparison["blended"], comparison["separated"]
    rows = (
        BlendedRow(
            "Blended (one number for API and seats)",
            money_list(blended["commitments"]),
            money(blended["expected_cost"]),
            money(blended["expected_unused"]),
        ),
        BlendedRow(
            "Separated (the recommendation)",
            money_list(separated["commitments"]),
            money(separated["expected_cost"]),
            money(separated["expected_unused"]),
        ),
    )
    saving = comparison["expected_saving"]
    unused_gap = blended["expected_unused"] - separated["expected_unused"]
    if saving >= 0:
        verdict = (
            f"Sizing the API commitment on API spend alone saves {money(saving)} in expected cost and "
            f"cuts expected unused commitment by {money(unused_gap)}."
        )
    else:
        verdict = f"In this forecast the blended number is cheaper by {money(-saving)}."
    return rows, verdict
