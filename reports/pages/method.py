"""Sensitivity (tornado charts) and the assumptions and method page (catalog numbers with their sources)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.platypus import Flowable, KeepTogether

from forecasting.engine.contract import ForecastResult
from reports import charts
from reports.formatting import as_number, display_text, money, plain_number, price
from reports.layout import Strong, bullet, gap, para, table, url_para
from reports.result_view import (
    PLAN_LABELS,
    catalog_text,
    driver_label,
    humanize,
    money_list,
    move_amount,
    plan_label,
    sensitivity_case,
)

SOURCE_CHARS = 3_000  # sources are shown in full in the appendix (the catalog's longest is under 1,000)
WARNING_CHARS = 500
# The appendix's tables are reference rows, set smaller and tighter than the body's 7.5 pt tables so the
# appendix (tables and every source) fits one page for a demo-sized catalog.
APPENDIX_FONT = 7.0
APPENDIX_PADDING = 1.2


def sensitivity_story(result: ForecastResult) -> list[Flowable]:
    return [
        para("Sensitivity", style="h1"),
        para(
            "Each driver is moved to a low and a high case (stated in the table), and only the path it "
            "touches is simulated again, on the same random numbers. Wide bars are the numbers worth "
            f"pinning down before signing.{_subsample_note(result)}"
        ),
        charts.tornado(result, metric="expected_cost"),
        gap(4),
        charts.tornado(result, metric="commitment"),
        gap(4),
        _sensitivity_table(result),
    ]


def _subsample_note(result: ForecastResult) -> str:
    baseline = result["sensitivity_baseline"]
    if baseline is None:
        return ""
    trials = baseline["trials"]
    return (
        f" The cases are simulated on the first {plain_number(trials)} trials and shown as changes from the "
        "headline: each figure is the headline plus the case's difference from the same trials with no "
        "driver moved, so the centre line is the headline itself."
    )


def _sensitivity_table(result: ForecastResult) -> Flowable:
    rows = []
    for r in result["sensitivity"]:
        cost_low, cost_high = sensitivity_case(result, r, "expected_cost")
        commitment_low, commitment_high = sensitivity_case(result, r, "commitment")
        rows.append(
            [
                driver_label(r["driver"]),
                f"{move_amount(r['low'])} / {move_amount(r['high'])}",
                money(cost_low),
                money(cost_high),
                money(commitment_low),
                money(commitment_high),
            ]
        )
    return table(
        [
            "Driver",
            "Case (low / high)",
            "Expected cost, low",
            "Expected cost, high",
            "Commitment, low",
            "Commitment, high",
        ],
        rows,
        [104, 148, 66, 66, 64, 64],
        right=range(2, 6),
        padding=1.5,
    )


def method_story(result: ForecastResult, catalog: Mapping[str, Any]) -> list[Flowable]:
    return [
        para("Assumptions and method", style="h1"),
        *_model_text(),
        para("Run", style="h2"),
        _run_table(result, catalog),
        para("Warnings", style="h2"),
        *_warnings(result, catalog),
    ]


def appendix_story(catalog: Mapping[str, Any], *, models_used: Sequence[str] | None = None) -> list[Flowable]:
    """The catalog's prices the brief used, then every row's source in full (URLs never split)."""
    return [
        para("Appendix: prices and their sources", style="h1"),
        para("API model prices (USD per million tokens)", style="h2_tight"),
        *_models_note(catalog, models_used),
        _models_table(catalog, models_used),
        KeepTogether([para("Seat plans", style="h2_tight"), _plans_table(catalog)]),
        KeepTogether(
            [
                para("Usage presets (API-equivalent USD per active engineer-month)", style="h2_tight"),
                _presets_table(catalog),
            ]
        ),
        para("Sources", style="h2_tight"),
        *_sources(catalog, models_used),
    ]


def _sources(catalog: Mapping[str, Any], used: Sequence[str] | None) -> list[Flowable]:
    """Each shown row's source in full, one small paragraph each, in the tables' order; a passage already
    given under an earlier row is named, not repeated (`shared_passages`)."""
    named: list[tuple[str, str]] = [
        (_model_name(model), display_text(model.get("source"), max_chars=SOURCE_CHARS))
        for model in _shown_models(catalog, used)
    ]
    for plan in catalog.get("plans", []):
        name = (
            f"{plan_label(plan.get('key'))} (from {display_text(plan.get('valid_from'), max_chars=10)[:7]})"
        )
        named.append((name, display_text(plan.get("source"), max_chars=SOURCE_CHARS)))
    for preset in catalog.get("usage_presets", []):
        named.append(
            (
                f"{humanize(preset.get('key'))} preset",
                display_text(preset.get("source"), max_chars=SOURCE_CHARS),
            )
        )
    return [
        url_para(Strong(f"{name}: "), text, style="source")
        for name, text in zip([n for n, _ in named], shared_passages(named), strict=True)
    ]


SENTENCE_END = re.compile(r"(?:(?<=[.\]])|(?<=\]:))\s+")  # after a sentence, a tag or a tag's colon
SHARED_CHARS = 40  # a repeated passage shorter than this is left in place (a tag such as "[OFFICIAL].")
QUOTED_WORDS = 4  # a shared passage is named by its first words


def shared_passages(named: Sequence[tuple[str, str]]) -> list[str]:
    """Each `(name, text)`'s text with its sentences already given under an earlier name replaced by a
    pointer: `“Capacity is an ASSUMPTION: Anthropic publishes…” as under Pro (from 2025-01).` A run of
    such sentences first given under the same name becomes one pointer. Nothing is lost: every passage is
    printed once, in full, under the first row that has it."""
    first_seen: dict[str, str] = {}
    out: list[str] = []
    for name, text in named:
        # Each sentence with the earlier row that already printed it ("" when this row prints it).
        owned: list[tuple[str, str]] = []
        for sentence in SENTENCE_END.split(text):
            owner = first_seen.get(sentence, "") if len(sentence) >= SHARED_CHARS else ""
            owned.append((owner if owner != name else "", sentence))
            if not owner:
                first_seen.setdefault(sentence, name)
        parts: list[str] = []
        for owner, group in itertools.groupby(owned, key=lambda pair: pair[0]):
            sentences = [sentence for _, sentence in group]
            if not owner:
                parts.extend(sentences)
                continue
            opening = " ".join(" ".join(sentences).split()[:QUOTED_WORDS]).lstrip("'\"‘“")
            parts.append(f"“{opening}…” as under {owner}.")
        out.append(" ".join(part for part in parts if part))
    return out


def _model_name(model: Mapping[str, Any]) -> str:
    return display_text(model.get("display_name") or model.get("key"), max_chars=60)


def _model_text() -> list[Flowable]:
    return [
        para(
            "The forecast is a Monte Carlo simulation of the whole term, run many times (trials). The two "
            "ways of paying for Claude are forecast separately because they move for different reasons."
        ),
        bullet(
            Strong("API path."),
            " Each feature’s monthly requests start from its current volume and grow at a rate drawn once "
            "per trial, with month-to-month noise; tokens per request vary per trial. Requests are priced "
            "at list from the model mix, cache and Batch API shares.",
        ),
        bullet(
            Strong("Seats."),
            " Headcount moves from today’s to a drawn end value, adoption rises linearly, and each active "
            "engineer’s monthly usage is lognormal, partly persistent (heavy users stay heavy), with a "
            "team-wide monthly shock. A plan costs its seat price plus usage beyond its capacity.",
        ),
        bullet(
            Strong("Decisions."),
            " The commitment per period minimises expected cost (commitment plus overage) over all trials "
            "under the contract’s bands and overage rule. Seats are assigned by usage level to the cheapest "
            "plan; annual seats are sized against monthly demand. Concessions, levers and sensitivities "
            "re-optimise on the same random numbers, so differences are not noise.",
        ),
        para(
            "Figures are expectations over the trials; ranges are the 5th to 95th percentiles. Money is "
            "rounded only for display.",
            style="small",
        ),
    ]


def _run_table(result: ForecastResult, catalog: Mapping[str, Any]) -> Flowable:
    simulation = result["simulation"]
    rows = [
        ["Trials", plain_number(simulation["trials"])],
        ["Seed", plain_number(simulation["seed"])],
        ["Engine version", display_text(simulation["engine_version"], max_chars=40)],
        ["Simulation time", f"{plain_number(simulation['seconds'])} s"],
        [
            "Price catalog",
            catalog_text(catalog),
        ],
    ]
    errors = result["diagnostics"]["standard_errors"]
    for key, value in sorted(errors.items()):  # stored JSON may come back in any key order (jsonb)
        rows.append(
            [f"Standard error: {humanize(key)}", money_list(value) if _is_money(key) else plain_number(value)]
        )
    return table(None, rows, [200, 312])


def _is_money(key: str) -> bool:
    return any(word in key for word in ("cost", "spend", "saving", "commitment", "usd", "unused", "overage"))


def _warnings(result: ForecastResult, catalog: Mapping[str, Any]) -> list[Flowable]:
    warnings = result["diagnostics"]["warnings"]
    if not warnings:
        return [para("None.")]
    return [bullet(plan_names(display_text(w, max_chars=WARNING_CHARS), catalog)) for w in warnings]


def plan_names(text: str, catalog: Mapping[str, Any]) -> str:
    """The engine's warnings name plans by key (`plan team_premium needs ...`): the brief names them."""
    keys = {str(row.get("key")) for row in catalog.get("plans", []) if isinstance(row, Mapping)} | set(
        PLAN_LABELS
    )
    keys.discard("api")  # "api" is also an ordinary word
    if not keys:
        return text
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)) + r")\b"
    )
    return pattern.sub(lambda found: plan_label(found.group(1)), text)


def _shown_models(catalog: Mapping[str, Any], used: Sequence[str] | None) -> list[Mapping[str, Any]]:
    """The catalog's model rows the scenario uses (all of them when that is not known)."""
    models = [m for m in catalog.get("models", []) if isinstance(m, Mapping)]
    return models if used is None else [m for m in models if m.get("key") in set(used)]


def _models_note(catalog: Mapping[str, Any], used: Sequence[str] | None) -> list[Flowable]:
    listed, shown = len(catalog.get("models", [])), len(_shown_models(catalog, used))
    if used is None or shown == listed:
        return []
    return [para(f"The {shown} models the scenario's features use or target; the catalog lists {listed}.")]


def _models_table(catalog: Mapping[str, Any], used: Sequence[str] | None = None) -> Flowable:
    rows = [
        [
            _model_name(m),
            price(m.get("input_usd_per_mtok")),
            price(m.get("output_usd_per_mtok")),
            f"{_times(m.get('cache_write_5m_multiplier'))} / {_times(m.get('cache_write_1h_multiplier'))}",
            _times(m.get("cache_read_multiplier")),
            _times(m.get("batch_multiplier")),
            _tag(m.get("source")),
        ]
        for m in _shown_models(catalog, used)
    ]
    return table(
        ["Model", "Input", "Output", "Cache write 5m / 1h", "Cache read", "Batch", "Source"],
        rows,
        [100, 42, 42, 92, 56, 40, 140],
        right=range(1, 6),
        padding=APPENDIX_PADDING,
        font_size=APPENDIX_FONT,
    )


def _log_sd(value: Any) -> str:
    number = as_number(value)
    return "—" if number is None else f"{number:g}"


def _times(value: Any) -> str:
    number = as_number(value)
    return "—" if number is None else f"{number:g}×"


def _plans_table(catalog: Mapping[str, Any]) -> Flowable:
    rows = []
    for plan in catalog.get("plans", []):
        capacity = money(plan.get("capacity_usd"))
        if plan.get("is_assumption"):
            capacity += " (assumed)"
        rows.append(
            [
                plan_label(plan.get("key")),
                price(plan.get("monthly_usd")),
                price(plan.get("annual_monthly_usd")),
                capacity,
                _log_sd(plan.get("capacity_sd")),
                humanize(plan.get("overflow")),
                plain_number(plan.get("min_seats")),
                _tag(plan.get("source")),
            ]
        )
    return table(
        [
            "Plan",
            "Monthly",
            "Annual (per month)",
            "Capacity per month",
            "Capacity log-sd",
            "Above capacity",
            "Min seats",
            "Source",
        ],
        rows,
        [98, 43, 52, 72, 45, 50, 32, 120],
        right=(1, 2, 3, 4, 6),
        padding=APPENDIX_PADDING,
        font_size=APPENDIX_FONT,
    )


def _presets_table(catalog: Mapping[str, Any]) -> Flowable:
    rows = [
        [
            humanize(p.get("key")),
            money(p.get("median_usd")),
            money(p.get("p90_usd")),
            _tag(p.get("source")),
        ]
        for p in catalog.get("usage_presets", [])
    ]
    return table(
        ["Preset", "Median", "90th percentile", "Source"],
        rows,
        [90, 60, 70, 292],
        right=(1, 2),
        padding=APPENDIX_PADDING,
        font_size=APPENDIX_FONT,
    )


def _tag(source: Any) -> str:
    """How sure a row is, from the tags of docs/pricing.md in its source: the full text is under Sources."""
    text = str(source or "").upper()
    parts = [
        label
        for marker, label in (
            ("OFFICIAL", "official"),
            ("3P", "third-party"),
            ("UNCERTAIN", "uncertain"),
            ("ASSUMPTION", "assumption"),
        )
        if marker in text
    ]
    return ", ".join(parts) or "see Sources"
