"""Engineer-months and feature-months: what counts, how partial months scale, how formats split."""

from __future__ import annotations

import json
import math
from datetime import date

import pytest

from forecasting.engine.inputs import ModelPrice
from procurement.imports import (
    ParsedUsageFile,
    engineer_months,
    feature_months,
    parse_usage_file,
)
from tests.imports.builders import ccusage_daily, weekdays
from tests.imports.conftest import parse_fixture, read_fixture

AVERAGE_WEEKDAYS = 365.2425 / 12 * 5 / 7  # Gregorian average month, 5 of 7 days working days


def test_engineer_months_add_up_to_the_file_and_count_active_days(
    ccusage_files: list[ParsedUsageFile], prices: dict[str, ModelPrice]
) -> None:
    months = engineer_months(ccusage_files, prices)
    eng01 = [m for m in months if m.engineer == "eng-01"]
    assert [m.month for m in eng01] == ["2026-08", "2026-09", "2026-10"]
    assert round(math.fsum(m.cost_usd for m in eng01), 2) == 367.77  # samples README
    assert sum(m.active_days or 0 for m in eng01) == 55
    assert all(abs(m.cost_usd - (m.reported_cost_usd or 0)) < 0.005 for m in months)


def test_full_months_scale_to_an_average_month_by_working_days(
    ccusage_files: list[ParsedUsageFile], prices: dict[str, ModelPrice]
) -> None:
    august = next(
        m for m in engineer_months(ccusage_files, prices) if (m.engineer, m.month) == ("eng-01", "2026-08")
    )
    # August 2026 has 21 weekdays, all inside eng-01's history (first day 2026-08-03, a Monday)
    assert august.coverage == 1.0
    assert august.full_month_usd == pytest.approx(august.cost_usd * AVERAGE_WEEKDAYS / 21)


def test_a_late_starter_first_month_is_partial_and_scaled_by_working_days(
    ccusage_files: list[ParsedUsageFile], prices: dict[str, ModelPrice]
) -> None:
    eng12 = [m for m in engineer_months(ccusage_files, prices) if m.engineer == "eng-12"]
    september = eng12[0]
    assert (september.month, september.span.observed_weekdays, september.span.month_weekdays) == (
        "2026-09",
        8,
        22,
    )
    assert september.coverage == pytest.approx(8 / 22)
    assert september.full_month_usd == pytest.approx(september.cost_usd * AVERAGE_WEEKDAYS / 8)
    assert september.fitted


def test_a_month_without_usage_is_inactive_and_not_fitted(prices: dict[str, ModelPrice]) -> None:
    doc = json.loads(read_fixture("ccusage-shapes/eng-20.monthly.json"))
    del doc["monthly"][1]  # no September row
    parsed = parse_usage_file("eng-20.monthly.json", json.dumps(doc).encode())
    months = engineer_months([parsed], prices)
    assert [(m.month, m.active, m.fitted) for m in months] == [
        ("2026-08", True, True),
        ("2026-09", False, False),
        ("2026-10", True, True),
    ]
    # monthly data: active days unknown in a month with usage, none in a month without
    assert [m.active_days for m in months] == [None, 0, None]


def test_weekly_rows_split_over_months_by_calendar_days(prices: dict[str, ModelPrice]) -> None:
    months = engineer_months([parse_fixture("ccusage-shapes/eng-21.weekly.json")], prices)
    # week of 2026-08-24 wholly in August; week of 2026-08-31: 1 day in August, 6 in September
    assert [(m.month, round(m.cost_usd, 10)) for m in months] == [
        ("2026-08", round(8.25 + 8.25 / 7, 10)),
        ("2026-09", round(8.25 * 6 / 7, 10)),
    ]


def test_a_few_days_of_history_in_a_month_are_kept_but_not_fitted(prices: dict[str, ModelPrice]) -> None:
    days = [(d, 1_000_000) for d in weekdays(date(2026, 8, 27), date(2026, 9, 30))]  # 3 weekdays in August
    months = engineer_months([parse_usage_file("eng-30.daily.json", ccusage_daily(days))], prices)
    assert [(m.month, m.fitted) for m in months] == [("2026-08", False), ("2026-09", True)]
    assert months[0].coverage == pytest.approx(3 / 21)


def test_feature_weekend_weights_recover_the_documented_weekend_traffic(
    admin_usage: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    weights = {m.feature: m.span.weekend_weight for m in feature_months([admin_usage], prices)}
    # samples README: weekends about 35%, 8% and 75% of weekday traffic; "about": within 3 points
    assert weights["wrkspc_01gTyx1sjrf2UXAhRWq9vtH9"] == pytest.approx(0.35, abs=0.03)
    assert weights["wrkspc_01xN21dyJcTw7fHnthrWuag2"] == pytest.approx(0.08, abs=0.03)
    assert weights["wrkspc_01xnyZ36LMjWUJjc1nSp98VQ"] == pytest.approx(0.75, abs=0.03)


def test_feature_map_names_and_merges_workspaces(
    admin_usage: ParsedUsageFile, admin_cost: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    plain = feature_months([admin_usage, admin_cost], prices)
    named = feature_months(
        [admin_usage, admin_cost],
        prices,
        feature_map={"wrkspc_01gTyx1sjrf2UXAhRWq9vtH9": "Bots", "wrkspc_01xN21dyJcTw7fHnthrWuag2": "Bots"},
    )
    assert sorted({m.feature for m in named}) == ["Bots", "wrkspc_01xnyZ36LMjWUJjc1nSp98VQ"]
    bots = math.fsum(m.cost_usd or 0 for m in named if m.feature == "Bots")
    assert bots == pytest.approx(12134.04 + 13755.00, abs=0.01)  # samples README, per workspace
    assert math.fsum(m.reported_cost_usd or 0 for m in named) == pytest.approx(
        math.fsum(m.reported_cost_usd or 0 for m in plain)
    )


def test_a_feature_known_only_from_the_cost_report_has_cost_but_no_tokens(
    admin_cost: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    months = feature_months([admin_cost], prices)
    assert all(m.cost_usd is None and m.input_tokens == 0 for m in months)
    assert all(m.volume == m.reported_cost_usd for m in months)
