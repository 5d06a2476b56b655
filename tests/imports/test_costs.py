"""Cost recomputed from tokens at the sample prices reproduces every cost the files state, to the cent."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import date

import pytest

from forecasting.engine.api_path import cost_per_request_usd
from forecasting.engine.inputs import FeatureInput, ModelPrice
from procurement.imports import (
    ParsedUsageFile,
    UsageFileError,
    catalog_key,
    cost_breakdown_usd,
    engineer_months,
    feature_months,
    parse_usage_file,
    recompute_cost_usd,
)
from procurement.imports.records import UsageRecord
from tests.imports.conftest import CCUSAGE_FILES, parse_fixture, read_fixture

CENT = 0.005  # "to the cent": within half a cent


def test_ccusage_rows_and_totals_match_the_files_own_costs(prices: dict[str, ModelPrice]) -> None:
    for path in CCUSAGE_FILES:
        doc = json.loads(path.read_bytes())
        parsed = parse_fixture(f"ccusage/{path.name}")
        per_row: dict[str, float] = defaultdict(float)
        for record in parsed.records:
            assert abs(recompute_cost_usd(record, prices) - (record.reported_cost_usd or 0.0)) < CENT
            per_row[record.source.split(".")[0]] += recompute_cost_usd(record, prices)
        for i, row in enumerate(doc["daily"]):
            assert abs(per_row[f"daily[{i}]"] - row["totalCost"]) < CENT, (path.name, i)
        assert abs(math.fsum(per_row.values()) - doc["totals"]["totalCost"]) < CENT


@pytest.mark.parametrize(
    ("name", "list_cost_usd", "active_days"),
    [  # samples README table
        ("eng-01.daily.json", 367.77, 55),
        ("eng-04.daily.json", 4366.93, 58),
        ("eng-09.daily.json", 8395.07, 61),
        ("eng-12.daily.json", 297.66, 27),
        ("eng-13.period.daily.json", 514.42, 52),
    ],
)
def test_ccusage_totals_and_active_days_match_the_samples_readme(
    prices: dict[str, ModelPrice], name: str, list_cost_usd: float, active_days: int
) -> None:
    parsed = parse_fixture(f"ccusage/{name}")
    assert round(math.fsum(recompute_cost_usd(r, prices) for r in parsed.records), 2) == list_cost_usd
    assert len({r.start for r in parsed.records}) == active_days


def test_analytics_estimated_costs_in_cents_match(
    analytics: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    for record in analytics.records:
        assert abs(recompute_cost_usd(record, prices) - (record.reported_cost_usd or 0.0)) < CENT
    total = math.fsum(recompute_cost_usd(r, prices) for r in analytics.records)
    assert round(total, 2) == 2002.47  # samples README
    assert abs(total - (analytics.reported_total_cost_usd or 0.0)) < CENT


def test_cost_report_reconciles_with_the_usage_report_row_by_row(
    admin_usage: ParsedUsageFile, admin_cost: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    recomputed: dict[tuple[date, str | None, str | None, str | None], float] = defaultdict(float)
    for record in admin_usage.records:
        for token_type, usd in cost_breakdown_usd(record, prices).items():
            model = None if token_type == "web_search" else record.model
            recomputed[(record.start, record.workspace_id, model, token_type)] += usd
    for row in admin_cost.cost_records:
        kind = "web_search" if row.cost_type == "web_search" else row.token_type
        assert abs(recomputed[(row.day, row.workspace_id, row.model, kind)] - row.amount_usd) < CENT, row
    stated_total = math.fsum(r.amount_usd for r in admin_cost.cost_records)
    assert abs(math.fsum(recomputed.values()) - stated_total) < CENT
    assert round(stated_total, 2) == 54247.17  # samples README


def test_monthly_api_totals_of_the_samples_readme_are_reproduced(
    admin_usage: ParsedUsageFile, admin_cost: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    by_month: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for month in feature_months([admin_usage, admin_cost], prices):
        by_month[month.month][0] += month.cost_usd or 0.0
        by_month[month.month][1] += month.reported_cost_usd or 0.0
    readme = {"2026-08": 17037.59, "2026-09": 17797.69, "2026-10": 19411.89}
    assert {m: round(v[0], 2) for m, v in by_month.items()} == readme
    assert {m: round(v[1], 2) for m, v in by_month.items()} == readme


def test_hand_priced_monthly_report_matches_its_round_costs(prices: dict[str, ModelPrice]) -> None:
    # 1M input x 3 + 0.1M output x 15 + 0.2M 5-minute writes x 3 x 1.25 + 10M reads x 3 x 0.1 = 8.25 USD
    parsed = parse_fixture("ccusage-shapes/eng-20.monthly.json")
    assert [round(recompute_cost_usd(r, prices), 10) for r in parsed.records] == [8.25, 16.5, 8.25, 2.75]


def _record(**changes: object) -> UsageRecord:
    base: dict[str, object] = {
        "file": "f.json",
        "source": "data[0].results[0]",
        "start": date(2026, 8, 1),
        "days": 1,
        "model": "claude-sonnet-4-5-20250929",
        "uncached_input_tokens": 0,
        "output_tokens": 0,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "cache_read_tokens": 0,
    }
    return UsageRecord(**(base | changes))  # type: ignore[arg-type]


def test_one_hour_writes_batch_tier_and_web_search_follow_the_price_rules(
    prices: dict[str, ModelPrice],
) -> None:
    # 1M 1-hour writes on Sonnet 4.5: 2 x 3 USD; Batch halves every token type; searches: 10 USD per 1,000
    assert recompute_cost_usd(_record(cache_write_1h_tokens=1_000_000), prices) == pytest.approx(6.0)
    batch = _record(uncached_input_tokens=1_000_000, output_tokens=1_000_000, service_tier="batch")
    assert recompute_cost_usd(batch, prices) == pytest.approx((3.0 + 15.0) / 2)
    assert recompute_cost_usd(_record(web_search_requests=1_000), prices) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4-0"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("claude-opus-4-5-latest", "claude-opus-4-5"),
        ("claude-opus-4-7-20260101", None),
    ],
)
def test_dated_model_ids_map_to_catalog_keys(model: str, expected: str | None) -> None:
    catalog = dict.fromkeys(["claude-sonnet-4-5", "claude-sonnet-4-0", "claude-3-5-haiku", "claude-opus-4-5"])
    assert catalog_key(model, catalog) == expected


def test_a_model_missing_from_the_catalog_is_refused_naming_file_row_and_field(
    prices: dict[str, ModelPrice],
) -> None:
    doc = json.loads(read_fixture("ccusage-shapes/eng-20.monthly.json"))
    doc["monthly"][2]["modelBreakdowns"][1]["modelName"] = "claude-opus-4-1-20250805"
    parsed = parse_usage_file("eng-20.monthly.json", json.dumps(doc).encode())
    with pytest.raises(UsageFileError) as caught:
        engineer_months([parsed], prices)
    assert str(caught.value) == (
        'eng-20.monthly.json: monthly[2].modelBreakdowns[1].model: unknown model "claude-opus-4-1-20250805": '
        "not in the price catalog"
    )


@pytest.mark.parametrize(("ttl", "batch"), [("5m", False), ("1h", False), ("5m", True)])
def test_a_record_costs_what_the_engine_charges_for_a_request_with_the_same_tokens(
    prices: dict[str, ModelPrice], ttl: str, batch: bool
) -> None:
    # One formula (forecasting.engine.pricing) for both: a record of 600 uncached, 300 cache-read and 100
    # cache-write input tokens and 200 output tokens is a request of 1,000 input tokens with hit rate 0.3
    # and write rate 0.1. By hand on Sonnet 4.5: (600 x 3 + 300 x 0.3 + 100 x 3 x m_write + 200 x 15) / 1e6.
    writes = {"cache_write_5m_tokens": 100} if ttl == "5m" else {"cache_write_1h_tokens": 100}
    tier = {"service_tier": "batch"} if batch else {}
    record = _record(uncached_input_tokens=600, cache_read_tokens=300, output_tokens=200, **writes, **tier)
    request = FeatureInput(
        name="f",
        requests_per_month=1.0,
        model_mix=(("claude-sonnet-4-5", 1.0),),
        input_tokens=1_000.0,
        output_tokens=200.0,
        cache_hit_rate=0.3,
        cache_write_rate=0.1,
        cache_ttl=ttl,  # type: ignore[arg-type]
        batch_share=1.0 if batch else 0.0,
    )
    write_multiplier = 1.25 if ttl == "5m" else 2.0
    hand = (600 * 3.0 + 300 * 0.3 + 100 * 3.0 * write_multiplier + 200 * 15.0) / 1e6 * (0.5 if batch else 1.0)
    assert recompute_cost_usd(record, prices) == pytest.approx(hand, rel=1e-12)
    assert cost_per_request_usd(request, prices) == pytest.approx(hand, rel=1e-12)
