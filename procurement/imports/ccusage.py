"""ccusage JSON reports (`daily`, `weekly`, `monthly`; rows keyed by date/week/month or `period`).

Shapes: docs/usage-import.md#formats (ccusage ≤ v18 and `ccusage claude daily` in v19+;
v19+/v20 unified reports key rows by `period` and add `agent`). One file is one engineer. Each row's
`modelBreakdowns` become one record per model; row token fields must equal the sums over the breakdowns
and `totalTokens` the sum of the four token fields, as ccusage writes them, or the file is refused.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from procurement.imports.fields import (
    JsonObject,
    Where,
    as_object,
    parse_day,
    parse_month,
    read_cost,
    read_count,
    read_list,
    read_str,
)
from procurement.imports.records import ParsedUsageFile, UsageRecord

REPORT_KEYS = ("daily", "weekly", "monthly")  # finest first: used when a file carries several
UNSUPPORTED_KEYS = ("session", "sessions", "blocks")
TOKEN_FIELDS = ("inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens")
PERIOD_KEY = {"daily": "date", "weekly": "week", "monthly": "month"}


def parse_ccusage(name: str, doc: JsonObject, *, engineer: str) -> ParsedUsageFile:
    """Records of one engineer's ccusage report; refuses the file on the first bad value."""
    present = [key for key in REPORT_KEYS if key in doc]
    report = present[0] if present else "daily"
    warnings = []
    if len(present) > 1:
        warnings.append(
            f"{name}: the file mixes ccusage reports ({', '.join(present)}); only `{report}` was read, "
            "the others cover the same usage"
        )
    records: list[UsageRecord] = []
    for row_path, row in _rows(name, doc, report):
        records.extend(_row_records(name, row_path, row, report=report, engineer=engineer, warnings=warnings))
    starts = [r.start for r in records]
    ends = [date.fromordinal(r.start.toordinal() + r.days - 1) for r in records]
    totals = doc.get("totals")
    total_cost = read_cost(totals, "totalCost", Where(name, "totals"), required=False) if totals else None
    return ParsedUsageFile(
        name=name,
        format="ccusage",
        records=tuple(records),
        report=report,
        engineer=engineer,
        first_day=min(starts, default=None),
        last_day=max(ends, default=None),
        reported_total_cost_usd=total_cost,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _rows(name: str, doc: JsonObject, report: str) -> list[tuple[str, Any]]:
    """(row path, row) pairs; `--instances` files nest rows under `projects.<name>`."""
    if report in doc:
        rows = read_list(doc, report, Where(name))
        return [(f"{report}[{i}]", row) for i, row in enumerate(rows)]
    projects = as_object(doc["projects"], Where(name), "projects")
    pairs: list[tuple[str, Any]] = []
    for project, rows in projects.items():
        rows = read_list(projects, project, Where(name, prefix="projects."))
        pairs.extend((f"projects.{project}[{i}]", row) for i, row in enumerate(rows))
    return pairs


def _row_start(row: JsonObject, where: Where, report: str) -> tuple[date, int]:
    """First day and length in days of a row's period."""
    key = "period" if "period" in row and PERIOD_KEY[report] not in row else PERIOD_KEY[report]
    text = read_str(row, key, where)
    if report == "monthly":
        start = parse_month(text, where, key)
        return start, calendar.monthrange(start.year, start.month)[1]
    return parse_day(text, where, key), 7 if report == "weekly" else 1


def _row_records(
    name: str, row_path: str, value: Any, *, report: str, engineer: str, warnings: list[str]
) -> list[UsageRecord]:
    where = Where(name, row_path)
    row = as_object(value, Where(name), row_path)
    start, days = _row_start(row, where, report)
    row_tokens = {key: read_count(row, key, where) for key in TOKEN_FIELDS}
    if "totalTokens" in row and read_count(row, "totalTokens", where) != sum(row_tokens.values()):
        raise where.error("totalTokens", f"{row['totalTokens']} is not the sum of the four token fields")
    read_cost(row, "totalCost", where, required=False)
    breakdowns = read_list(row, "modelBreakdowns", where)
    if not breakdowns and any(row_tokens.values()):
        raise where.error("modelBreakdowns", "empty: tokens cannot be priced without their model")
    parts = [_breakdown(row, i, where) for i in range(len(breakdowns))]
    for key in TOKEN_FIELDS:
        summed = sum(tokens[key] for _, tokens, _ in parts)
        if summed != row_tokens[key]:
            raise where.error(key, f"{row_tokens[key]} is not the sum over modelBreakdowns ({summed})")
    records = []
    for i, (model, tokens, cost) in enumerate(parts):
        if "claude" not in model:
            warnings.append(f"{name}: usage of non-Claude model `{model}` ignored")
            continue
        records.append(
            _record(name, f"{row_path}.modelBreakdowns[{i}]", start, days, model, tokens, cost, engineer)
        )
    return records


def _breakdown(row: JsonObject, index: int, row_where: Where) -> tuple[str, dict[str, int], float | None]:
    where = row_where.inside(f"modelBreakdowns[{index}]")
    part = as_object(row["modelBreakdowns"][index], row_where, f"modelBreakdowns[{index}]")
    model = read_str(part, "modelName", where)
    tokens = {key: read_count(part, key, where) for key in TOKEN_FIELDS}
    return model, tokens, read_cost(part, "cost", where, required=False)


def _record(
    name: str,
    source: str,
    start: date,
    days: int,
    model: str,
    tokens: dict[str, int],
    cost: float | None,
    engineer: str,
) -> UsageRecord:
    # ccusage JSON only exposes the merged cache-creation count: priced as 5-minute writes
    # (docs/usage-import.md#cost-recompute).
    return UsageRecord(
        file=name,
        source=source,
        start=start,
        days=days,
        model=model,
        uncached_input_tokens=tokens["inputTokens"],
        output_tokens=tokens["outputTokens"],
        cache_write_5m_tokens=tokens["cacheCreationTokens"],
        cache_write_1h_tokens=0,
        cache_read_tokens=tokens["cacheReadTokens"],
        engineer=engineer,
        reported_cost_usd=cost,
    )
