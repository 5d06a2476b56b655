"""Blended vs separated, token levers, and what to ask for (each concession in dollars, ranked)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable, KeepTogether

from reports.formatting import as_number, display_text, money, percent
from reports.layout import Strong, gap, para, table
from reports.result_view import LEVER_LABELS, band_floor_phrase, humanize, lever_label, money_list, ranked

DEFAULT_ROLLOVER = "25%"  # DESIGN 6.5: the rollover concession is "25% of unused"


def story(result: Mapping[str, Any]) -> list[Flowable]:
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


BLENDED_ROWS = ("commitment", "commitments", "discount", "expected_cost", "expected_unused")


def _blended(result: Mapping[str, Any]) -> list[Flowable]:
    comparison = result.get("blended_vs_separated") or {}
    blended, separated = comparison.get("blended") or {}, comparison.get("separated") or {}
    intro = para(
        "A spreadsheet adds the seat forecast and the API forecast and commits to the total. Seats are "
        "paid at seat prices and never draw on an API commitment, and the two paths grow for different "
        "reasons, so the blended number leaves money unused. The brief sizes each path on its own."
    )
    # Known rows first in reading order, then any others sorted: stored JSON may return keys in any order.
    found = {*blended, *separated}
    keys = [k for k in BLENDED_ROWS if k in found] + sorted(found - set(BLENDED_ROWS))
    if not keys:
        return [intro, para("This result has no blended comparison.")]
    rows = [[humanize(key), _value(key, blended.get(key)), _value(key, separated.get(key))] for key in keys]
    out: list[Flowable] = [
        intro,
        table(["", "Blended (one number)", "Separated (this brief)"], rows, [170, 120, 120], right=(1, 2)),
    ]
    cost_gap = _difference(blended, separated, "expected_cost")
    unused_gap = _difference(blended, separated, "expected_unused")
    if cost_gap is not None and cost_gap >= 0:
        unused = (
            f" and cuts expected unused commitment by {money(unused_gap)}" if unused_gap is not None else ""
        )
        out += [
            gap(4),
            para("Separating the paths saves ", Strong(money(cost_gap)), f" in expected cost{unused}."),
        ]
    elif cost_gap is not None:
        out += [
            gap(4),
            para("In this forecast the blended number is cheaper by ", Strong(money(-cost_gap)), "."),
        ]
    return out


def _value(key: str, value: Any) -> str:
    """Money for amounts, percentages for rates; the key names carry the unit (DESIGN 7)."""
    if any(word in key for word in ("probability", "discount", "share", "rate")):
        return percent(value)
    if as_number(value) is not None or isinstance(value, list | tuple):
        return money_list(value)
    return "—" if value is None else humanize(value)


def _difference(a: Mapping[str, Any], b: Mapping[str, Any], key: str) -> float | None:
    x, y = as_number(a.get(key)), as_number(b.get(key))
    return None if x is None or y is None else x - y


def _levers(result: Mapping[str, Any]) -> list[Flowable]:
    levers = list(result.get("token_levers", []))
    intro = para(
        "Each lever is rerun on the same random numbers with the targets set on the features, one lever "
        "at a time and all together. The saving is in expected API cost over the term, with the "
        "commitment re-sized on the cheaper usage."
    )
    if not levers:
        return [intro, para("No feature sets a lever target.")]
    with_commitment = any(_resized(lever) is not None for lever in levers)
    rows = []
    for lever in levers:
        label, meaning = lever_label(lever.get("lever"))
        if str(lever.get("lever")) not in LEVER_LABELS and lever.get("description"):
            meaning = display_text(lever["description"], max_chars=300)
        row = [label, meaning, money(lever.get("expected_saving"))]
        if with_commitment:
            row.append(money_list(_resized(lever)))
        rows.append(row)
    header = ["Lever", "What changes", "Expected saving"] + (
        ["Re-sized commitment"] if with_commitment else []
    )
    widths = [95, 237, 80] + ([100] if with_commitment else [])
    return [intro, table(header, rows, widths if with_commitment else [110, 292, 110], right=(2, 3))]


def _resized(lever: Mapping[str, Any]) -> Any:
    """The re-sized commitment: one number (`commitment`) or one per period (`commitments`)."""
    return lever.get("commitments", lever.get("commitment"))


def _asks(result: Mapping[str, Any]) -> list[Flowable]:
    concessions = ranked(result.get("concessions", []))
    intro = para(
        "Each ask re-optimises the commitment under the changed contract on the same simulated spend, so "
        "the figures are what the concession is worth to you in expected cost over the term. Ask for "
        "the top of the list first; a concession worth little is a good one to trade away."
    )
    if not concessions:
        return [intro, para("This result lists no concessions.")]
    rows = []
    for rank, concession in enumerate(concessions, start=1):
        title, ask = concession_ask(concession.get("name"), result)
        rows.append([str(rank), Strong(title), ask, money(concession.get("expected_saving"))])
    return [
        intro,
        KeepTogether(
            table(["#", "Ask", "In plain words", "Expected saving"], rows, [20, 120, 292, 80], right=(0, 3))
        ),
    ]


def concession_ask(name: Any, result: Mapping[str, Any]) -> tuple[str, str]:
    """A concession's short title and the sentence a negotiator can say, matched on its key words."""
    key = str(name).lower()
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


def result_description(result: Mapping[str, Any], name: Any) -> str:
    """The engine's own description of a concession, if it gives one."""
    for concession in result.get("concessions", []):
        if concession.get("name") == name and concession.get("description"):
            return display_text(concession["description"], max_chars=300)
    return ""
