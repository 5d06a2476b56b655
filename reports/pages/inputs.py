"""Key inputs (issue 14, item 6): the contract terms, the teams' headcount and adoption paths and usage, the
features' volumes and growth, and the catalog's uncertain prices, each with where it came from; and a short
glossary of the brief's words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.platypus import Flowable, KeepTogether

from reports.brief_data import BriefData
from reports.formatting import as_number, display_text, money, month, percent, plain_number, seats
from reports.layout import Cell, Strong, para, table
from reports.result_view import NAME_CHARS, catalog_text, humanize, plan_label
from reports.seat_prices import capacity_note, uncertain_price_notes

SCENARIO = "scenario"
PRESET = "preset"
ASSUMPTION = "catalog assumption"
CATALOG_OFFICIAL = "catalog"
GLOSSARY_PLANS = ("pro", "max_20x", "team_premium")  # the seat plans the glossary names as examples

GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "Commitment",
        "An amount of API spend agreed in advance for a contract period, paid whether used or not, in "
        "return for a discount on the spend it covers.",
    ),
    ("Discount band", "The discount a commitment earns; a larger commitment reaches a deeper band."),
    (
        "Overage",
        "Spend above the commitment in a period, billed at list price unless the contract says otherwise.",
    ),
    (
        "Unused commitment",
        "The part of a commitment the period's spend did not use: paid for and lost, unless it rolls over.",
    ),
    ("Rollover", "A share of unused commitment carried into the next period instead of being lost."),
    ("Ramp", "A different commitment in each period, so the commitment can grow with usage."),
    (
        "Expected cost",
        "The average cost over all simulated trials (commitment, overage and seats as they apply).",
    ),
    (
        "95th percentile (p95)",
        "A cost exceeded in 1 trial in 20: a bad but plausible year. The 5th percentile is the good one.",
    ),
    (
        "Chance some commitment goes unused",
        "The share of trials in which the period's spend falls short of its commitment.",
    ),
    (
        "Seat plan",
        "A Claude Code subscription per engineer ({plans}); usage beyond a plan's limit is "
        "billed at API rates. Annual seats are bought for the term; month-to-month seats as needed.",
    ),
    (
        "Break-even",
        "The typical monthly usage at which two seat plans cost the same per engineer-month.",
    ),
)


def story(data: BriefData) -> list[Flowable]:
    scenario = data.scenario
    out: list[Flowable] = [
        para("Key inputs", style="h1"),
        para(
            "Where each input came from: ",
            Strong("scenario"),
            " (typed in), ",
            Strong("fitted from usage import"),
            " (fitted to usage data and applied), ",
            Strong("preset"),
            " (a usage preset of the price catalog), ",
            Strong("catalog assumption"),
            " (this project's figure, not a published one).",
        ),
    ]
    if not isinstance(scenario, Mapping):
        out.append(
            para(
                "The scenario as run is not stored with this brief, so its inputs are not shown; the "
                "catalog's prices follow."
            )
        )
    else:
        out += [
            para("Contract terms (source: scenario)", style="h2"),
            _contract(scenario),
            para("Teams: headcount, adoption and usage", style="h2"),
            _teams(scenario, data),
            para("Features: API volume and growth", style="h2"),
            _features(scenario, data),
        ]
    out += [KeepTogether([para("Prices", style="h2"), *_prices(data)])]
    return out


def glossary() -> list[Flowable]:
    examples = ", ".join(plan_label(key) for key in GLOSSARY_PLANS)  # named as the run's catalog names them
    rows: list[list[Cell]] = [[term, meaning.replace("{plans}", examples)] for term, meaning in GLOSSARY]
    return [KeepTogether([para("Glossary", style="h2"), table(None, rows, [130, 382], padding=1.5)])]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def _share(value: Any) -> str:
    return percent(value)


def _growth(mean: Any, sd: Any) -> str:
    spread = as_number(sd)
    text = f"{percent(mean)}"
    return f"{text} ± {percent(spread)}" if spread else text


def _contract(scenario: Mapping[str, Any]) -> Flowable:
    contract = _mapping(scenario.get("contract"))
    api, seat_terms = _mapping(contract.get("api")), _mapping(contract.get("seats"))
    bands = "; ".join(
        f"{percent(band.get('discount'))} from {money(band.get('min_commitment'))}"
        for band in _rows(api.get("discount_bands"))
    )
    overage = {"list": "at list price", "committed_rate": "at the committed (discounted) rate"}.get(
        str(api.get("overage")), display_text(api.get("overage"), max_chars=40)
    )
    cap = as_number(api.get("max_unused_probability"))
    rows: list[list[Cell]] = [
        [
            "Term",
            f"{plain_number(scenario.get('term_months'))} months from {month(scenario.get('start_month'))}, "
            f"in commitment periods of {plain_number(api.get('commitment_period_months'))} months",
        ],
        ["Discount bands (per full period)", bands or "—"],
        ["Overage", f"Spend above the commitment is billed {overage}"],
        [
            "Rollover, ramp, limits",
            f"{percent(api.get('rollover_share'))} of unused commitment rolls over; "
            + ("a different commitment per period is allowed" if api.get("ramp_allowed") else "no ramp")
            + "; "
            + ("no cap" if cap is None else f"at most {percent(cap)}")
            + " on the chance some commitment goes unused; API-billed Claude Code usage "
            + ("counts" if api.get("claude_code_api_usage_counts", True) else "does not count")
            + " toward the commitment",
        ],
        [
            "Seats",
            "annual seats are fixed for the term (annual prices)"
            if seat_terms.get("annual_term", True)
            else "month to month only (no annual seats)",
        ],
    ]
    return table(None, rows, [150, 362], padding=1.5)


def team_source(team: Mapping[str, Any], data: BriefData) -> str:
    fitted = data.input_sources.get(f"team:{team.get('name')}")
    if fitted:
        return fitted
    preset = team.get("usage_preset")
    if preset:
        row = next((p for p in data.catalog.get("usage_presets", []) if p.get("key") == preset), None)
        assumed = row is not None and "ASSUMPTION" in str(row.get("source", "")).upper()
        return f"{PRESET} {humanize(preset)}" + (f" ({ASSUMPTION})" if assumed else "")
    return SCENARIO


def _preset_usage(team: Mapping[str, Any], data: BriefData) -> tuple[Any, Any]:
    preset = team.get("usage_preset")
    if preset:
        row: Mapping[str, Any] = next(
            (p for p in data.catalog.get("usage_presets", []) if p.get("key") == preset), {}
        )
        return row.get("median_usd"), row.get("p90_usd")
    return team.get("usage_median_usd"), team.get("usage_p90_usd")


def _teams(scenario: Mapping[str, Any], data: BriefData) -> Flowable:
    rows: list[list[Cell]] = []
    for team in _rows(scenario.get("teams")):
        median, p90 = _preset_usage(team, data)
        rows.append(
            [
                display_text(team.get("name"), max_chars=NAME_CHARS),
                f"{seats(team.get('headcount_now'))} → {seats(team.get('headcount_end'))}",
                f"{_share(team.get('adoption_now'))} → {_share(team.get('adoption_end'))}",
                f"{money(median)} / {money(p90)}",
                _growth(team.get("usage_growth"), team.get("usage_growth_sd")),
                team_source(team, data),
            ]
        )
    header = [
        "Team",
        "Engineers now → end",
        "Active now → end",
        "Usage per active engineer-month: median / 90th pct",
        "Usage growth a month",
        "Source",
    ]
    return table(header, rows, [100, 62, 62, 88, 60, 140], right=(1, 2, 3, 4), padding=1.5)


def _model_names(mix: Any, catalog: Mapping[str, Any]) -> str:
    names = {
        str(m.get("key")): str(m.get("display_name") or m.get("key"))
        for m in catalog.get("models", [])
        if isinstance(m, Mapping)
    }
    parts = sorted(_mapping(mix).items(), key=lambda item: -(as_number(item[1]) or 0.0))
    return ", ".join(
        f"{display_text(names.get(key, key), max_chars=40).removeprefix('Claude ')} {percent(share)}"
        for key, share in parts
    )


def _features(scenario: Mapping[str, Any], data: BriefData) -> Flowable:
    rows: list[list[Cell]] = []
    for feature in _rows(scenario.get("features")):
        launch = as_number(feature.get("launch_month")) or 0
        start = f" from month {plain_number(launch + 1)}" if launch else ""
        rows.append(
            [
                display_text(feature.get("name"), max_chars=NAME_CHARS),
                f"{plain_number(feature.get('requests_per_month'))}{start}",
                _growth(feature.get("growth"), feature.get("growth_sd")),
                f"{plain_number(feature.get('input_tokens'))} / {plain_number(feature.get('output_tokens'))}",
                _model_names(feature.get("model_mix"), data.catalog),
                f"{percent(feature.get('cache_hit_rate'))} / {percent(feature.get('batch_share'))}",
                data.input_sources.get(f"feature:{feature.get('name')}", SCENARIO),
            ]
        )
    header = [
        "Feature",
        "Requests a month",
        "Growth a month",
        "Tokens in / out",
        "Models",
        "Cache hits / Batch",
        "Source",
    ]
    return table(header, rows, [100, 62, 50, 66, 128, 58, 48], right=(1, 2, 3, 5), padding=1.5)


def _prices(data: BriefData) -> list[Flowable]:
    teams = data.result["seats"]["teams"]
    out: list[Flowable] = [
        para(
            f"Price catalog {catalog_text(data.catalog)}: API prices per model, seat prices per plan and "
            "usage presets, each row with its source in the appendix. API list prices are the published ones."
        )
    ]
    notes: Sequence[str] = uncertain_price_notes(teams, data.catalog)
    out += [para(Strong("Uncertain price used: "), note) for note in notes]
    capacity = capacity_note(teams)
    if capacity:
        out.append(para(Strong("Catalog assumption: "), capacity, " Anthropic publishes no dollar limits."))
    return out
