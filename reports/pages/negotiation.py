"""Blended vs separated, token levers, and what to ask for (each concession in dollars, ranked)."""

from __future__ import annotations

import re

from reportlab.platypus import Flowable, KeepTogether

from forecasting.engine.contract import ForecastResult
from reports.formatting import display_text, money
from reports.layout import Cell, Strong, gap, para, table
from reports.result_view import LEVER_LABELS, band_floor_phrase, humanize, money_list, ranked

DEFAULT_ROLLOVER = "25%"  # docs/decisions.md#concessions: the rollover concession is "25% of unused"


def story(result: ForecastResult) -> list[Flowable]:
    return [
        para("Blended vs separated", style="h1"),
        *_blended(result),
        gap(8),
        para("Token levers", style="h1"),
        *_levers(result),
        gap(8),
        para("What to ask for", style="h1"),
        *_asks(result),
    ]


def _blended(result: ForecastResult) -> list[Flowable]:
    comparison = result["blended_vs_separated"]
    intro = para(
        "A spreadsheet adds the seat forecast and the API forecast and commits to the total. Seats are "
        "paid at seat prices and never draw on an API commitment, and the two paths grow for different "
        "reasons, so the blended number leaves money unused. The brief sizes each path on its own."
    )
    if comparison is None:  # a run without the extra analyses
        return [intro, para("This result has no blended comparison.")]
    blended, separated = comparison["blended"], comparison["separated"]
    rows: list[list[Cell]] = [
        ["Commitments", money_list(blended["commitments"]), money_list(separated["commitments"])],
        ["Expected cost", money(blended["expected_cost"]), money(separated["expected_cost"])],
        ["Expected unused", money(blended["expected_unused"]), money(separated["expected_unused"])],
    ]
    out: list[Flowable] = [
        intro,
        table(["", "Blended (one number)", "Separated (this brief)"], rows, [170, 120, 120], right=(1, 2)),
    ]
    cost_gap = comparison["expected_saving"]
    unused_gap = blended["expected_unused"] - separated["expected_unused"]
    if cost_gap >= 0:
        out += [
            gap(4),
            para(
                "Separating the paths saves ",
                Strong(money(cost_gap)),
                f" in expected cost and cuts expected unused commitment by {money(unused_gap)}.",
            ),
        ]
    else:
        out += [
            gap(4),
            para("In this forecast the blended number is cheaper by ", Strong(money(-cost_gap)), "."),
        ]
    return out


def _levers(result: ForecastResult) -> list[Flowable]:
    levers = result["token_levers"]
    intro = para(
        "Each lever is rerun on the same random numbers with the targets set on the features, one lever "
        "at a time and all together. The saving is in expected API cost over the term, with the "
        "commitment re-sized on the cheaper usage."
    )
    if not levers:
        return [intro, para("No feature sets a lever target.")]
    rows: list[list[Cell]] = []
    for lever in levers:
        label, meaning = LEVER_LABELS[lever["lever"]]
        rows.append([label, meaning, money(lever["expected_saving"]), money_list(lever["commitments"])])
    header = ["Lever", "What changes", "Expected saving", "Re-sized commitment"]
    return [intro, table(header, rows, [95, 237, 80, 100], right=(2, 3))]


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
