"""Claude Code Analytics API records (`usage_report/claude_code`): one record per actor per day.

Shape: docs/usage-import.md#formats. The engineer is the actor's e-mail address (or the
API key name for API actors); `estimated_cost.amount` is in cents; the merged `cache_creation` count is
priced as 5-minute writes.
"""

from __future__ import annotations

from datetime import date

from procurement.imports.fields import (
    JsonObject,
    Where,
    as_object,
    read_cost,
    read_count,
    read_list,
    read_object,
    read_str,
)
from procurement.imports.records import ParsedUsageFile, UsageRecord

ACTOR_NAME_KEY = {"user_actor": "email_address", "api_actor": "api_key_name"}


def parse_analytics(name: str, doc: JsonObject) -> ParsedUsageFile:
    """One record per actor, day and model."""
    records: list[UsageRecord] = []
    for i, value in enumerate(read_list(doc, "data", Where(name))):
        where = Where(name, f"data[{i}]")
        item = as_object(value, Where(name), f"data[{i}]")
        day = _day(item, where)
        engineer = _actor(item, where)
        for j, part in enumerate(read_list(item, "model_breakdown", where)):
            records.append(
                _record(name, as_object(part, where, f"model_breakdown[{j}]"), i, j, day, engineer)
            )
    starts = [r.start for r in records]
    warnings = [f"{name}: has_more is true: merge every page first"] if doc.get("has_more") is True else []
    return ParsedUsageFile(
        name=name,
        format="claude_code_analytics",
        records=tuple(records),
        first_day=min(starts, default=None),
        last_day=max(starts, default=None),
        reported_total_cost_usd=sum(r.reported_cost_usd or 0.0 for r in records),
        warnings=tuple(warnings),
    )


def _day(item: JsonObject, where: Where) -> date:
    text = read_str(item, "date", where)
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError:
        raise where.error("date", f'not a date ("{text}")') from None


def _actor(item: JsonObject, where: Where) -> str:
    actor = read_object(item, "actor", where)
    kind = read_str(actor, "type", where.inside("actor"))
    if kind not in ACTOR_NAME_KEY:
        raise where.error("actor.type", f'unknown actor type "{kind}"')
    return read_str(actor, ACTOR_NAME_KEY[kind], where.inside("actor"))


def _record(name: str, part: JsonObject, i: int, j: int, day: date, engineer: str) -> UsageRecord:
    where = Where(name, f"data[{i}].model_breakdown[{j}]")
    tokens = read_object(part, "tokens", where)
    tokens_where = where.inside("tokens")
    cost = read_object(part, "estimated_cost", where)
    cost_where = where.inside("estimated_cost")
    currency = read_str(cost, "currency", cost_where)
    if currency != "USD":
        raise cost_where.error("currency", f'"{currency}" is not supported: estimated costs are in USD')
    cents = read_cost(cost, "amount", cost_where)
    return UsageRecord(
        file=name,
        source=where.row or "",
        start=day,
        days=1,
        model=read_str(part, "model", where),
        uncached_input_tokens=read_count(tokens, "input", tokens_where),
        output_tokens=read_count(tokens, "output", tokens_where),
        cache_write_5m_tokens=read_count(tokens, "cache_creation", tokens_where),
        cache_write_1h_tokens=0,
        cache_read_tokens=read_count(tokens, "cache_read", tokens_where),
        engineer=engineer,
        reported_cost_usd=None if cents is None else cents / 100,
    )
