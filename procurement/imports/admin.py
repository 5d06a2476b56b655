"""Anthropic Admin API reports: `usage_report/messages` and `cost_report` (merged pages, one `data` array).

Shapes: docs/usage-import.md#formats. Every key the spec marks required must be
present (dimension keys may be null). A usage result without a model cannot be priced and is refused; the
cost report's `amount` is a decimal string in cents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from procurement.imports.fields import (
    JsonObject,
    Where,
    as_object,
    read_count,
    read_list,
    read_object,
    read_optional_str,
    read_str,
    read_timestamp,
)
from procurement.imports.records import CostRecord, ParsedUsageFile, UsageRecord

Row = TypeVar("Row")
USAGE_DIMENSIONS = ("api_key_id", "workspace_id", "model", "service_tier", "context_window")
COST_DIMENSIONS = ("workspace_id", "description", "cost_type", "model", "service_tier")


def _buckets(
    name: str, doc: JsonObject, parse_result: Callable[[JsonObject, Where, date], Row]
) -> tuple[list[Row], date | None, date | None]:
    """Results of every bucket, and the first and last day the buckets cover."""
    rows: list[Row] = []
    first: datetime | None = None
    last: datetime | None = None
    for b, value in enumerate(read_list(doc, "data", Where(name))):
        where = Where(name, f"data[{b}]")
        bucket = as_object(value, Where(name), f"data[{b}]")
        starting_at = read_timestamp(bucket, "starting_at", where)
        ending_at = read_timestamp(bucket, "ending_at", where)
        if ending_at <= starting_at:
            raise where.error("ending_at", "not after starting_at")
        first = starting_at if first is None else min(first, starting_at)
        last = ending_at if last is None else max(last, ending_at)
        for r, result in enumerate(read_list(bucket, "results", where)):
            row_where = Where(name, f"data[{b}].results[{r}]")
            rows.append(
                parse_result(as_object(result, where, f"results[{r}]"), row_where, starting_at.date())
            )
    last_day = (last - timedelta(microseconds=1)).date() if last else None
    return rows, (first.date() if first else None), last_day


def _paging_warnings(name: str, doc: JsonObject) -> list[str]:
    if doc.get("has_more") is True:
        return [f"{name}: has_more is true: this is one page of a longer report; merge every page first"]
    return []


def parse_admin_usage(name: str, doc: JsonObject) -> ParsedUsageFile:
    """Records of a messages usage report, one per bucket result."""
    records, first, last = _buckets(
        name, doc, lambda result, where, day: _usage_record(name, result, where, day)
    )
    warnings = _paging_warnings(name, doc)
    if any(r.batch for r in records):
        warnings.append(f"{name}: batch-tier results are priced at the Batch API rate (0.5x)")
    return ParsedUsageFile(
        name=name,
        format="admin_usage",
        records=tuple(records),
        first_day=first,
        last_day=last,
        warnings=tuple(warnings + _tier_warnings(name, doc)),
    )


def _usage_record(name: str, result: JsonObject, where: Where, day: date) -> UsageRecord:
    dims = {key: read_optional_str(result, key, where, required=True) for key in USAGE_DIMENSIONS}
    if dims["model"] is None:
        raise where.error(
            "model", "null: group the report by model (group_by[]=model) so tokens can be priced"
        )
    cache = read_object(result, "cache_creation", where)
    tools = read_object(result, "server_tool_use", where)
    return UsageRecord(
        file=name,
        source=where.row or "",
        start=day,
        days=1,
        model=dims["model"],
        uncached_input_tokens=read_count(result, "uncached_input_tokens", where),
        output_tokens=read_count(result, "output_tokens", where),
        cache_write_5m_tokens=read_count(cache, "ephemeral_5m_input_tokens", where.inside("cache_creation")),
        cache_write_1h_tokens=read_count(cache, "ephemeral_1h_input_tokens", where.inside("cache_creation")),
        cache_read_tokens=read_count(result, "cache_read_input_tokens", where),
        web_search_requests=read_count(
            tools, "web_search_requests", where.inside("server_tool_use"), what="request count"
        ),
        workspace_id=dims["workspace_id"],
        api_key_id=dims["api_key_id"],
        service_tier=dims["service_tier"],
    )


def _tier_warnings(name: str, doc: JsonObject) -> list[str]:
    """Rows the list-price recompute cannot reproduce: long context and priority tier."""
    results = [r for bucket in doc["data"] for r in bucket["results"]]
    warnings = []
    if any(r.get("context_window") == "200k-1M" for r in results):
        warnings.append(
            f"{name}: 200k-1M context rows are priced at standard rates "
            "(the long-context premium is not applied)"
        )
    if any(r.get("service_tier") == "priority" for r in results):
        warnings.append(f"{name}: priority-tier rows are priced at standard list rates")
    return warnings


def parse_admin_cost(name: str, doc: JsonObject) -> ParsedUsageFile:
    """Cost records of a cost report, one per bucket result, `amount` (cents) converted to USD."""
    records, first, last = _buckets(
        name, doc, lambda result, where, day: _cost_record(name, result, where, day)
    )
    return ParsedUsageFile(
        name=name,
        format="admin_cost",
        cost_records=tuple(records),
        first_day=first,
        last_day=last,
        reported_total_cost_usd=sum(r.amount_usd for r in records),
        warnings=tuple(_paging_warnings(name, doc)),
    )


def _cost_record(name: str, result: JsonObject, where: Where, day: date) -> CostRecord:
    currency = read_str(result, "currency", where)
    if currency != "USD":
        raise where.error("currency", f'"{currency}" is not supported: the cost report is in USD')
    dims: dict[str, Any] = {key: read_optional_str(result, key, where) for key in COST_DIMENSIONS}
    return CostRecord(
        file=name,
        source=where.row or "",
        day=day,
        amount_usd=_cents_to_usd(read_str(result, "amount", where), where),
        token_type=read_optional_str(result, "token_type", where),
        **dims,
    )


def _cents_to_usd(amount: str, where: Where) -> float:
    """`"4839.7953"` cents is 48.397953 USD (the cost report's lowest-currency-unit convention)."""
    try:
        cents = Decimal(amount)
    except InvalidOperation:
        raise where.error("amount", f'not a decimal number ("{amount}")') from None
    if not cents.is_finite():
        raise where.error("amount", f'not a finite number ("{amount}")')
    if cents < 0:
        raise where.error("amount", f"negative cost ({amount})")
    return float(cents / 100)
