"""Guards: short history, gaps, the per-engineer recent level (information only), mixed formats."""

from __future__ import annotations

import json
from datetime import date

import pytest

from forecasting.engine.inputs import ModelPrice
from procurement.imports import (
    ParsedUsageFile,
    engineer_months,
    history_checks,
    import_warnings,
    parse_usage_file,
)
from tests.imports.builders import ccusage_daily, weekdays
from tests.imports.conftest import parse_fixture, read_fixture


def test_short_history_is_flagged_for_eng12_only(
    ccusage_files: list[ParsedUsageFile], prices: dict[str, ModelPrice]
) -> None:
    checks = {c.subject: c for c in history_checks(ccusage_files, prices)}
    assert [s for s, c in checks.items() if c.short_history] == ["eng-12"]
    assert checks["eng-12"].history_days == 40  # 2026-09-21 .. 2026-10-30
    assert any(w.startswith("eng-12: 40 days of history") for w in import_warnings(ccusage_files, prices))


def test_eng07_recent_level_is_information_only(
    ccusage_files: list[ParsedUsageFile], prices: dict[str, ModelPrice]
) -> None:
    checks = {c.subject: c for c in history_checks(ccusage_files, prices)}
    assert [s for s, c in checks.items() if c.recent_disagrees] == ["eng-07"]
    eng07 = checks["eng-07"]
    # samples README: about 6 USD per active day in August-September, about 17 in October
    assert eng07.recent_usd_per_active_day == pytest.approx(17, rel=0.15)
    # one engineer's month is part of the team model's spread: no warning, and the months are unchanged
    assert not any(w.startswith("eng-07") for w in import_warnings(ccusage_files, prices))
    assert all(m.level_factor == 1.0 for m in engineer_months(ccusage_files, prices))


def _falling_usage() -> tuple[bytes, list[tuple[date, int]]]:
    """Weekdays 2026-08-03 .. 2026-10-30, a deterministic +-20% weekly pattern, the last 30 days at a
    quarter of the level before."""
    days = weekdays(date(2026, 8, 3), date(2026, 10, 30))
    cut = date(2026, 10, 1)
    tokens = [
        int(1_000_000 * (1 + 0.1 * ((i % 5) - 2)) * (0.25 if d >= cut else 1)) for i, d in enumerate(days)
    ]
    pairs = list(zip(days, tokens, strict=True))
    return ccusage_daily(pairs), pairs


def test_one_engineers_lower_recent_level_no_longer_scales_its_months(prices: dict[str, ModelPrice]) -> None:
    content, _ = _falling_usage()
    parsed = parse_usage_file("eng-40.daily.json", content)
    (check,) = history_checks([parsed], prices)
    assert check.recent_disagrees  # still measured, as information
    months = engineer_months([parsed], prices)
    assert all(m.full_month_usd == pytest.approx(m.cost_usd * m.span.to_average_month) for m in months)
    assert not any("last 30 days" in w for w in import_warnings([parsed], prices))


def test_steady_usage_is_not_flagged(prices: dict[str, ModelPrice]) -> None:
    days = weekdays(date(2026, 8, 3), date(2026, 10, 30))
    pairs = [(d, int(1_000_000 * (1 + 0.1 * ((i % 5) - 2)))) for i, d in enumerate(days)]
    (check,) = history_checks([parse_usage_file("eng-41.daily.json", ccusage_daily(pairs))], prices)
    assert not check.recent_disagrees
    assert check.gaps == ()
    assert not check.short_history


@pytest.mark.parametrize(("missing_weekdays", "gaps"), [(4, 0), (5, 1)])
def test_a_working_week_without_usage_is_a_gap(
    prices: dict[str, ModelPrice], missing_weekdays: int, gaps: int
) -> None:
    days = weekdays(date(2026, 8, 3), date(2026, 10, 30))
    kept = days[:20] + days[20 + missing_weekdays :]
    (check,) = history_checks(
        [parse_usage_file("e.daily.json", ccusage_daily((d, 10**6) for d in kept))], prices
    )
    assert len(check.gaps) == gaps
    if gaps:
        assert check.gaps[0] == (days[20], days[20 + missing_weekdays - 1])


def test_eng02_vacation_is_reported_as_a_gap(
    ccusage_files: list[ParsedUsageFile], prices: dict[str, ModelPrice]
) -> None:
    eng02 = next(c for c in history_checks(ccusage_files, prices) if c.subject == "eng-02")
    # samples README: vacation 2026-08-10 .. 08-21
    assert any(start <= date(2026, 8, 10) and end >= date(2026, 8, 21) for start, end in eng02.gaps)
    assert any(
        w.startswith("eng-02: no usage on any working day") for w in import_warnings(ccusage_files, prices)
    )


def test_mixing_formats_in_one_import_warns(
    ccusage_files: list[ParsedUsageFile], analytics: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    warnings = import_warnings([*ccusage_files[:2], analytics], prices)
    mixed = [w for w in warnings if w.startswith("the import mixes formats")]
    assert len(mixed) == 1
    assert "claude_code_analytics" in mixed[0]
    assert "ccusage daily" in mixed[0]


def test_mixing_ccusage_granularities_warns(prices: dict[str, ModelPrice]) -> None:
    files = [parse_fixture("ccusage/eng-01.daily.json"), parse_fixture("ccusage-shapes/eng-20.monthly.json")]
    assert any("ccusage daily" in w and "ccusage monthly" in w for w in import_warnings(files, prices))


def test_usage_report_with_its_cost_report_is_not_a_mix(
    admin_usage: ParsedUsageFile, admin_cost: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    assert not any("mixes formats" in w for w in import_warnings([admin_usage, admin_cost], prices))


def test_the_same_engineer_in_two_files_warns(prices: dict[str, ModelPrice]) -> None:
    content = read_fixture("ccusage/eng-01.daily.json")
    files = [
        parse_usage_file("laptop.json", content, engineer="Ada"),
        parse_usage_file("desk.json", content, engineer="Ada"),
    ]
    assert (
        "Ada appears in 2 files (laptop.json, desk.json): their usage is added together"
        in import_warnings(files, prices)
    )
    assert json.loads(content)["totals"]["totalCost"] * 2 == pytest.approx(
        sum(m.cost_usd for m in engineer_months(files, prices))
    )
