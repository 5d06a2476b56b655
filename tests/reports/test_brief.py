"""The rendered brief: its headline numbers, its pages, and the same bytes for the same data."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecasting.engine.contract import ForecastResult
from reports.brief import render_brief
from reports.formatting import money, percent, plain_number, seats, signable_money
from reports.pages.method import plan_names
from reports.pages.negotiation import concession_ask
from reports.pages.seats import BREAK_EVEN_DEFINITION
from reports.result_view import LEVER_LABELS, PLAN_LABELS, BaselineName, plan_label, seat_totals
from reports.seat_charts import charted_team, curve_series
from tests.reports.pdf_tools import (
    action_keys,
    example_data,
    image_xobject_count,
    line_with,
    page_texts,
    reader,
    render_pngs,
    squash,
)
from tests.reports.test_charts import CROSSING_TOLERANCE, envelope_crossings

REPO = Path(__file__).resolve().parents[2]
SECTION_TITLES = (
    "What to sign",
    "Negotiation sheet",
    "Key inputs",
    "API path",
    "Seats (Claude Code)",
    "Sensitivity",
    "Assumptions and method",
)


@pytest.fixture(scope="module")
def example_pdf() -> bytes:
    started = time.perf_counter()
    pdf = render_brief(example_data())
    # Timing is printed for the record only (run with -s); performance belongs to benchmarks.
    print(f"\nrender_brief(example): {time.perf_counter() - started:.3f} s, {len(pdf):,} bytes")
    return pdf


@pytest.fixture(scope="module")
def texts(example_pdf: bytes) -> list[str]:
    return page_texts(example_pdf)


@pytest.fixture(scope="module")
def result() -> ForecastResult:
    return example_data().result


def has_heading(text: str, title: str) -> bool:
    return any(line.strip() == title for line in text.splitlines())


def page_with(texts: list[str], title: str) -> str:
    """The first page with `title` as a line of its own (a heading), not merely mentioned."""
    return next(text for text in texts if has_heading(text, title))


def test_sections_come_in_the_order_of_the_brief(texts: list[str]) -> None:
    first_pages = [
        next(i for i, text in enumerate(texts) if has_heading(text, title)) for title in SECTION_TITLES
    ]
    assert first_pages == sorted(first_pages)
    assert first_pages[0] == 0


def test_cover_names_the_organization_scenario_run_seed_and_catalog(
    texts: list[str], result: ForecastResult
) -> None:
    cover = texts[0]
    simulation = result["simulation"]
    for shown in (
        "Acme Robotics, Inc.",
        "Acme FY2027 base case",
        "2026-12-01",
        "run 42",
        f"seed {simulation['seed']}",
        f"{plain_number(simulation['trials'])} trials",
    ):
        assert shown in cover
    assert "anthropic-list-2026-11 (as of 2026-11-01)" in cover


def test_summary_shows_each_periods_commitment_with_its_discount_band(
    texts: list[str], result: ForecastResult
) -> None:
    for period, start in zip(result["api"]["periods"], ("Jan 2027", "Jan 2028"), strict=True):
        rec = period["recommended"]
        line_with(
            texts[0],
            start,
            signable_money(rec["commitment"]),
            f"{percent(rec['discount'])} off list",
            money(rec["expected_cost"]),
            percent(rec["probability_unused"]),
        )


def test_summary_shows_total_expected_cost_with_its_p5_p95_range(
    texts: list[str], result: ForecastResult
) -> None:
    total = result["total"]
    cover = squash(texts[0])
    assert squash(f"Total expected cost over the term: {money(total['expected_cost'])}") in cover
    assert squash(f"between {money(total['cost']['p5'])}–{money(total['cost']['p95'])}") in cover
    # the headline as a reader sees it: millions to three figures
    assert re.fullmatch(r"\$\d\.\d\dM", money(total["expected_cost"]))


def test_summary_shows_each_teams_seats_and_cost(texts: list[str], result: ForecastResult) -> None:
    for team in result["seats"]["teams"]:
        annual, monthly = seat_totals(team)
        line_with(
            seats_text(texts), team["name"], seats(annual), seats(monthly), money(team["expected_cost"])
        )


def test_summary_savings_against_baselines_are_the_summed_period_differences(
    texts: list[str], result: ForecastResult
) -> None:
    periods = result["api"]["periods"]
    recommended = sum(p["recommended"]["expected_cost"] for p in periods)
    labels: dict[BaselineName, str] = {
        "no_commitment": "No commitment",
        "run_rate": "Run rate",
        "median": "Median forecast",
    }
    for name, label in labels.items():
        baseline = sum(p["baselines"][name]["expected_cost"] for p in periods)
        line_with(texts[0], label, money(baseline), money(baseline - recommended))


def test_seats_page_shows_every_plan_row_with_annual_and_monthly_seats(
    texts: list[str], result: ForecastResult
) -> None:
    seat_pages = seats_text(texts)
    for team in result["seats"]["teams"]:
        assert team["name"] in seat_pages
        for row in team["mix"]:
            # A plan without engineers or seats (e.g. left out for its minimum) is not listed.
            if row["plan"] != "api" and (row["share"] > 0 or row["annual_seats"] > 0):
                line_with(
                    seat_pages,
                    percent(row["share"]),
                    seats(row["annual_seats"]),
                    seats(row["expected_monthly_seats"]),
                )
        line_with(
            seat_pages, team["name"], money(team["expected_cost"]), money(team["expected_idle_seat_cost"])
        )


def seats_text(texts: list[str]) -> str:
    """The seats section's pages as extracted (lines kept)."""
    start = next(i for i, text in enumerate(texts) if has_heading(text, "Seats (Claude Code)"))
    end = next(i for i, text in enumerate(texts) if has_heading(text, "Sensitivity"))
    return "\n".join(texts[start:end])


def seat_section(texts: list[str]) -> str:
    """The seats section's pages, from its heading up to the next section, whitespace removed."""
    start = next(i for i, text in enumerate(texts) if has_heading(text, "Seats (Claude Code)"))
    end = next(i for i, text in enumerate(texts) if has_heading(text, "Sensitivity"))
    return squash("\n".join(texts[start:end]))


def stated_break_evens(section: str, team_index: int) -> list[tuple[str, str, float]]:
    """The break-evens the text states under the `team_index`-th team with any, as (from, to, usd)."""
    statements = re.findall(r"Break-eventypicalusagepermonth:(.*?)\.Best", section)
    labels = {squash(plan_label(key)): key for key in PLAN_LABELS}
    out = []
    for a, b, usd, unit in re.findall(r"(?:^|;)(.+?)→(.+?)at\$([\d,.]+)([KM]?)", statements[team_index]):
        out.append((labels[a], labels[b], float(usd.replace(",", "")) * UNITS[unit]))
    return out


UNITS = {"": 1.0, "K": 1e3, "M": 1e6}  # the brief's money(): $16K above $10,000


def test_break_even_figures_in_the_text_are_where_the_chart_lines_cross(
    texts: list[str], result: ForecastResult
) -> None:
    """Issue 14: the text said Pro → Team premium at $108 (an engineer's typical level) while the chart
    crossed at about $190 (usage in one month). Now the text's figures are the crossings of the lines the
    chart draws: within 1% (the chart's grid, see test_charts) plus $0.50 (the text rounds to the dollar)."""
    team = charted_team(result)
    assert team is not None
    index = [t["name"] for t in result["seats"]["teams"] if t["break_even"]].index(team["name"])
    stated = stated_break_evens(seat_section(texts), index)
    drawn = envelope_crossings(curve_series(team))
    assert len(stated) == len(drawn) >= 2
    for (a, b, text_usd), (c, d, chart_usd) in zip(stated, drawn, strict=True):
        assert (a, b) == (c, d)
        rounding = 0.5 if text_usd < 10_000 else 500.0  # the text rounds to the dollar, or to $1K as "$16K"
        assert abs(text_usd - chart_usd) <= CROSSING_TOLERANCE * chart_usd + rounding


def test_seats_page_states_the_break_even_definition_and_no_dashed_line_legend(texts: list[str]) -> None:
    section = seat_section(texts)
    assert squash(BREAK_EVEN_DEFINITION) in section
    assert "Dashed" not in section  # issue 14: the caption described dashed lines the chart did not have


def test_blocked_usage_column_only_when_some_usage_is_blocked(
    texts: list[str], result: ForecastResult
) -> None:
    blocked = [t for t in result["seats"]["teams"] if t["expected_blocked_usage"] >= 0.5]
    assert blocked  # the example's Pro blocks above its limit
    section = seat_section(texts)
    assert "Blockedusage" in section
    assert all(squash(money(t["expected_blocked_usage"])) in section for t in blocked)
    shaped = copy.deepcopy(result)
    for team in shaped["seats"]["teams"]:
        team["expected_blocked_usage"] = team["expected_blocked_value"] = 0.0
        team["expected_blocked_usage_usd"] = 0.0
    unblocked = seat_section(page_texts(render_brief(example_data(result=shaped))))
    assert "Blockedusage" not in unblocked  # issue 14: a column of $0 for every team
    assert "valuedaslostwork" not in unblocked


def test_an_uncertain_seat_price_is_stated_on_page_1_and_the_seats_pages(result: ForecastResult) -> None:
    """Issue 14: the brief used Team premium at $100 (a third-party figure) without saying so, against the
    official $150. A plan priced from a catalog row tagged UNCERTAIN is named with the price used and the
    catalog's other prices for that plan, where the seat decision is shown."""
    catalog = copy.deepcopy(dict(example_data().catalog))
    plans = [dict(row) for row in catalog["plans"]]
    pro = next(row for row in plans if row["key"] == "pro")
    pro["source"] = "Price: [3P, UNCERTAIN] a reseller's page. " + str(pro["source"])
    pro["valid_from"] = "2026-01-01"
    plans.append(pro | {"valid_from": "2025-01-01", "annual_monthly_usd": 18.0, "source": "[OFFICIAL] page"})
    catalog["plans"] = plans
    pages = page_texts(render_brief(example_data(catalog=catalog)))
    note = squash(
        "Pro is priced at $17 per seat-month billed annually, $20 monthly (catalog row from 2026-01, "
        "third-party, uncertain); the catalog also lists $18 from 2025-01 (official)."
    )
    summary_note = "Uncertain price used: Pro $17 per seat-month (third-party, uncertain; catalog also lists "
    assert squash(summary_note + "$18 official).") in squash(pages[0])
    section = seat_section(pages)
    assert note in section
    assert "Pro($17*+blockedabove$105)" in section  # the chart's legend marks the price
    assert "UsestheuncertainpriceofPro$17" in section  # and each team that puts engineers on it
    # Without the tag nothing is called uncertain.
    assert "Uncertainprice" not in squash("".join(page_texts(render_brief(example_data()))))


def test_asks_are_ranked_by_expected_saving_in_dollars(texts: list[str], result: ForecastResult) -> None:
    page = page_with(texts, "Negotiation sheet")
    asks = page[page.index("Negotiation sheet") :]
    assert result["negotiation"] is not None
    values = [ask["target_value"] for ask in result["negotiation"]["asks"]]
    priced = [value for value in values if value is not None]
    assert len(priced) >= 3
    # as the contract says: largest target value first, unpriced asks last
    assert values == sorted(priced, reverse=True) + [None] * (len(values) - len(priced))
    positions = []
    for ask in result["negotiation"]["asks"]:
        value = "not priced" if ask["target_value"] is None else money(ask["target_value"])
        positions.append(asks.index(line_with(asks, ask["title"].split()[0], value)))
    assert positions == sorted(positions)


def test_without_a_negotiation_section_the_concessions_are_ranked_by_expected_saving(
    result: ForecastResult,
) -> None:
    # A result stored before the negotiation section lists the concessions instead, largest saving first.
    older = copy.deepcopy(result)
    older["negotiation"] = None
    texts = page_texts(render_brief(example_data(result=older)))
    page = page_with(texts, "What to ask for")
    asks = page[page.index("What to ask for") :]
    ranked = sorted(result["concessions"], key=lambda c: -c["expected_saving"])
    assert len(ranked) >= 3
    positions = []
    for rank, concession in enumerate(ranked, start=1):
        title, _ = concession_ask(concession["name"], result)
        positions.append(
            asks.index(line_with(asks, str(rank), title.split()[0], money(concession["expected_saving"])))
        )
    assert positions == sorted(positions)


def test_each_lever_shows_its_saving(texts: list[str], result: ForecastResult) -> None:
    page = page_with(texts, "Token levers")
    page = page[page.index("Token levers") :]
    for lever in result["token_levers"]:
        line_with(
            page,
            LEVER_LABELS[lever["lever"]][0],
            money(lever["expected_saving"]),
            " / ".join(money(c) for c in lever["commitments"]),
        )


def test_band_table_reads_expected_cost_unused_overage_and_risk_off_the_curve(
    texts: list[str], result: ForecastResult
) -> None:
    period = result["api"]["periods"][0]
    floor = next(p for p in period["curve"] if p["commitment"] == 1_000_000)
    page = page_with(texts, "Period 1 (Jan 2027, 12 months): discount bands")
    line_with(
        page,
        "15% band floor",
        money(floor["expected_cost"]),
        money(floor["expected_unused"]),
        money(floor["expected_overage"]),
        percent(floor["probability_unused"]),
    )


def test_method_page_lists_catalog_sources_and_flags_assumed_capacities(
    texts: list[str], result: ForecastResult
) -> None:
    method = "\n".join(texts[texts.index(page_with(texts, "Assumptions and method")) :])
    assert "rhombus.so/limits" in method
    line_with(method, "Max 20x", "$200", "$2,100 (assumed)")
    line_with(method, "Trials", plain_number(result["simulation"]["trials"]))
    warnings = result["diagnostics"]["warnings"]
    assert warnings  # the example's Frontend team holds Team premium's minimum of 5 seats for a few engineers
    # every stored warning is shown, naming plans rather than their keys
    assert all(squash(plan_names(warning, example_data().catalog)) in squash(method) for warning in warnings)


def test_brief_has_no_images_and_no_links_or_actions(example_pdf: bytes) -> None:
    assert image_xobject_count(example_pdf) == 0
    assert action_keys(example_pdf) == set()


def test_same_data_gives_the_same_bytes_even_in_a_fresh_process(example_pdf: bytes, tmp_path: Path) -> None:
    assert render_brief(example_data()) == example_pdf
    # The same result, handed over as JSON: a fresh engine run would differ in `simulation.seconds`.
    stored = tmp_path / "result.json"
    stored.write_text(json.dumps(example_data().result))
    script = (
        "import json, sys; from tests.reports.pdf_tools import example_data; "
        "from reports.brief import render_brief; "
        f"result = json.loads(open({str(stored)!r}).read()); "
        "sys.stdout.buffer.write(render_brief(example_data(result=result)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    fresh = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, check=True
    ).stdout
    assert fresh == example_pdf


def test_demo_sized_brief_stays_under_one_megabyte(example_pdf: bytes) -> None:
    assert len(example_pdf) < 1_000_000


def test_every_page_renders_to_png(example_pdf: bytes, tmp_path: Path) -> None:
    pngs = render_pngs(example_pdf, tmp_path)
    assert len(pngs) == len(reader(example_pdf).pages) >= 6
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_results_text_cases_per_period_lists_best_plan_and_missing_comparison_render(
    texts: list[str],
) -> None:
    # Text sensitivity cases, per-period commitment lists, per-team best_single_plan, and a None
    # comparison (a run without the extra analyses).
    shaped = copy.deepcopy(example_data().result)
    for row in shaped["sensitivity"]:
        row["low"], row["high"] = f"{row['driver']} low case", f"{row['driver']} high case"
    for lever in shaped["token_levers"]:
        lever["commitments"] = [lever["commitments"][0], 812_345.0]
    shaped["diagnostics"]["standard_errors"]["commitment"] = [1234.0, 2345.0]
    shaped["seats"]["teams"][0]["best_single_plan"] = {
        "plan": "max_5x",
        "expected_cost_per_engineer_month": 161.7,
    }
    shaped["blended_vs_separated"] = None
    pdf = render_brief(example_data(result=shaped))
    text = "\n".join(page_texts(pdf))
    assert "headcount low case / headcount high case" in text
    assert "$812K" in text
    line_with(text, "Commitment", "$1,234 / $2,345")
    assert squash("Best single plan for everyone: Max 5x at $162 per active engineer-month") in squash(text)
    assert "This result has no blended comparison." in text


def test_a_result_stored_before_plan_cost_curves_renders_without_the_chart(result: ForecastResult) -> None:
    older = copy.deepcopy(result)
    for team in older["seats"]["teams"]:
        del team["plan_cost_curve"]  # type: ignore[misc]
    section = seat_section(page_texts(render_brief(example_data(result=older))))
    assert "break-evenchart" not in section
    assert section.count("Break-eventypicalusagepermonth:") == len(older["seats"]["teams"])
