"""The negotiation sheet (every ask: opening, target, walk-away, value, trade), then blended vs separated
and the token levers. A result without a negotiation section (no extra analyses, or stored before it) shows
its concessions ranked instead, under "What to ask for"."""

from __future__ import annotations

import re
from typing import Any

from reportlab.platypus import Flowable, KeepTogether

from forecasting.engine.contract import Ask, ForecastResult
from reports.formatting import display_text, money, month
from reports.layout import Cell, Strong, gap, para, table
from reports.result_view import LEVER_LABELS, band_floor_phrase, humanize, money_list, ranked

DEFAULT_ROLLOVER = "25%"  # docs/decisions.md#concessions: the rollover concession is "25% of unused"
ASK_CHARS = 240  # an ask's words in one cell; the engine writes them under 120
NOT_PRICED = "not priced"


def story(result: ForecastResult) -> list[Flowable]:
    negotiation = result.get("negotiation")
    asks: list[Flowable] = (
        [para("Negotiation sheet", style="h1"), *_sheet(result)]
        if negotiation is not None
        else [para("What to ask for", style="h1"), *_asks(result)]
    )
    return [*asks, gap(6), para("Token levers", style="h2"), *_levers(result), *_planned(result)]


def _lever_name(key: Any) -> str:
    return LEVER_LABELS[key][0] if key in LEVER_LABELS else humanize(key)


def blended_story(result: ForecastResult) -> list[Flowable]:
    """Blended vs separated, shown after the seats: it is about keeping seat spend out of the commitment."""
    return [KeepTogether([para("Blended vs separated", style="h2"), *_blended(result)])]


def ask_value(ask: Ask, key: str = "target_value") -> str:
    """An ask's dollar value as shown: `$246K`, or "not priced" when the model cannot price it."""
    value = ask.get(key)
    return NOT_PRICED if value is None else money(value)


def _sheet(result: ForecastResult) -> list[Flowable]:
    negotiation = result["negotiation"]
    assert negotiation is not None
    per_point = negotiation["value_per_discount_point"]
    intro = (
        "Each term of the contract: what to open with, the target to settle on, where to walk away and what "
        "could be given for it. Values are expected savings over the term against the recommendation."
    )
    if per_point is not None:
        intro += f" One more percentage point of discount on every band is worth {money(per_point)}."
    rows: list[list[Cell]] = []
    for ask in negotiation["asks"]:
        rows.append(
            [
                Strong(display_text(ask["title"], max_chars=80)),
                f"{display_text(ask['opening'], max_chars=ASK_CHARS)} ({ask_value(ask, 'opening_value')})",
                display_text(ask["target"], max_chars=ASK_CHARS),
                ask_value(ask),
                display_text(ask["walk_away"], max_chars=ASK_CHARS),
                display_text(ask["trade"], max_chars=ASK_CHARS),
            ]
        )
    header = ["Term", "Opening ask (value)", "Target", "Value at target", "Walk away at", "Trade for it"]
    basis: list[str | Strong] = [Strong("How each value was found. ")]
    for ask in negotiation["asks"]:
        text = display_text(ask["basis"], max_chars=ASK_CHARS).rstrip(".")
        if ask["target_value"] is None and not text.lower().startswith(NOT_PRICED):
            text = f"Not priced: {text}"
        basis += [Strong(f"{display_text(ask['title'], max_chars=80)}: "), f"{text}. "]
    return [
        para(intro),
        table(header, rows, [80, 106, 88, 46, 102, 90], right=(3,), padding=1.2, font_size=7),
        gap(3),
        para(*basis, style="small"),
    ]


def _blended(result: ForecastResult) -> list[Flowable]:
    comparison = result["blended_vs_separated"]
    intro = (
        "A spreadsheet commits to API and seat spend added together; seats never draw on an API "
        "commitment, so the blended number leaves money unused. The brief sizes each path on its own."
    )
    if comparison is None:  # a run without the extra analyses
        return [para(intro), para("This result has no blended comparison.")]
    blended, separated = comparison["blended"], comparison["separated"]
    cost_gap = comparison["expected_saving"]
    unused_gap = blended["expected_unused"] - separated["expected_unused"]
    if cost_gap >= 0:
        verdict: list[str | Strong] = [
            " Separating the paths saves ",
            Strong(money(cost_gap)),
            f" in expected cost and cuts expected unused commitment by {money(unused_gap)}.",
        ]
    else:
        verdict = [" In this forecast the blended number is cheaper by ", Strong(money(-cost_gap)), "."]
    rows: list[list[Cell]] = [
        [
            "Blended (one number)",
            money_list(blended["commitments"]),
            money(blended["expected_cost"]),
            money(blended["expected_unused"]),
        ],
        [
            "Separated (this brief)",
            money_list(separated["commitments"]),
            money(separated["expected_cost"]),
            money(separated["expected_unused"]),
        ],
    ]
    header = ["Sizing", "Commitments", "Expected cost", "Expected unused"]
    return [para(intro, *verdict), table(header, rows, [130, 120, 90, 90], right=(1, 2, 3), padding=1.5)]


def _levers(result: ForecastResult) -> list[Flowable]:
    levers = result["token_levers"]
    intro = para(
        "Each lever is rerun on the same trials with the features' targets, one at a time and all together: "
        "the saving in expected API cost over the term, with the commitment re-sized on the cheaper usage."
    )
    if not levers:
        return [intro, para("No feature sets a lever target.")]
    rows: list[list[Cell]] = []
    for lever in levers:
        label, meaning = LEVER_LABELS[lever["lever"]]
        rows.append([label, meaning, money(lever["expected_saving"]), money_list(lever["commitments"])])
    header = ["Lever", "What changes", "Expected saving", "Re-sized commitment"]
    return [intro, table(header, rows, [95, 237, 80, 100], right=(2, 3), padding=1.5)]


def _planned(result: ForecastResult) -> list[Flowable]:
    """The levers the scenario plans, and the unoptimised answer beside the recommendation (null: none)."""
    line = planned_levers_text(result)
    return [gap(3), para(Strong("Planned levers. "), line)] if line else []


def planned_levers_text(result: ForecastResult) -> str:
    """One paragraph: which levers are planned from when, the unoptimised commitments and their cost, and
    what committing against the levers risks if they slip; empty without planned levers."""
    planned = result.get("planned_levers")
    if planned is None:
        return ""
    starts = "; ".join(
        f"{LEVER_LABELS[item['lever']][0]} from {month(item['start_month'])}" for item in planned["levers"]
    )
    recommended = money_list([p["recommended"]["commitment"] for p in result["api"]["periods"]])
    return (
        f"The scenario plans {starts}; the recommendation ({recommended}) is sized on the spend with them, "
        f"{money(result['api']['expected_cost'])} expected API cost. Sized on today's spend instead, the "
        f"commitment would be {money_list(planned['unoptimised_commitments'])} and cost "
        f"{money(planned['cost_of_committing_before_levers_land'])} more once the levers land "
        f"({money(planned['unoptimised_expected_cost'])}). If no planned lever lands, the recommendation "
        f"costs {money(planned['expected_cost_if_levers_slip'])}, {money(planned['cost_if_levers_slip'])} "
        "more than committing on today's spend."
    )


def _asks(result: ForecastResult) -> list[Flowable]:
    concessions = ranked(result["concessions"])
    intro = para(
        "Each ask re-optimises the commitment under the changed contract on the same simulated spend, so "
        "the figures are what the concession is worth to you in expected cost over the term. Ask for "
        "the top of the list first; a concession worth little is a good one to trade away."
    )
    if not concessions:
        return [intro, para("This result lists no concessions.")]
    rows = []
    for rank, concession in enumerate(concessions, start=1):
        title, ask = concession_ask(concession["name"], result)
        rows.append([str(rank), Strong(title), ask, money(concession["expected_saving"])])
    return [
        intro,
        KeepTogether(
            table(["#", "Ask", "In plain words", "Expected saving"], rows, [20, 120, 292, 80], right=(0, 3))
        ),
    ]


def concession_ask(name: str, result: ForecastResult) -> tuple[str, str]:
    """A concession's short title and the sentence a negotiator can say, matched on its key words."""
    key = name.lower()
    if "rollover" in key or "roll_over" in key:
        found = re.search(r"(\d+)", key)
        share = f"{found.group(1)}%" if found else DEFAULT_ROLLOVER
        return (
            "Roll over unused commitment",
            f"Ask that {share} of any unused commitment carries into the next period instead of being "
            "forfeited.",
        )
    if "overage" in key:
        return (
            "Overage at the committed rate",
            "Ask that spend above the commitment is billed at the discounted rate, not at list price.",
        )
    if "ramp" in key:
        return (
            "Ramped commitment",
            "Ask to commit a different amount in each period, so the commitment can grow with usage.",
        )
    if "band" in key or "threshold" in key:
        phrase = band_floor_phrase(result, 0.8)
        detail = f" ({phrase})" if phrase else ""
        return ("Lower discount thresholds", f"Ask for each discount band to start 20% lower{detail}.")
    if "seat" in key:
        return (
            "Seats removable quarterly",
            "Ask that annual seats can be reduced every quarter instead of staying for the whole term.",
        )
    description = result_description(result, name)
    return humanize(name), description or "Worth asking for: re-optimised on the same forecast."


def result_description(result: ForecastResult, name: str) -> str:
    """The engine's own description of a concession, if it gives one."""
    for concession in result["concessions"]:
        if concession["name"] == name and concession["description"]:
            return display_text(concession["description"], max_chars=300)
    return ""
