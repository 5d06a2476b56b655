"""Small ccusage documents built in tests from the documented daily shape."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta

SONNET = "claude-sonnet-4-5-20250929"


def weekdays(first: date, last: date) -> list[date]:
    return [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if (first + timedelta(days=i)).weekday() < 5
    ]


def ccusage_daily(days: Iterable[tuple[date, int]]) -> bytes:
    """A `ccusage daily --json` document: each day `input` uncached Sonnet 4.5 tokens and nothing else
    (cost 3 USD per million)."""
    rows = []
    for day, tokens in days:
        breakdown = {
            "modelName": SONNET,
            "inputTokens": tokens,
            "outputTokens": 0,
            "cacheCreationTokens": 0,
            "cacheReadTokens": 0,
            "cost": tokens * 3 / 1e6,
        }
        row = {key: value for key, value in breakdown.items() if key not in ("modelName", "cost")}
        rows.append(
            {
                "date": day.isoformat(),
                **row,
                "totalTokens": tokens,
                "totalCost": tokens * 3 / 1e6,
                "modelsUsed": [SONNET],
                "modelBreakdowns": [breakdown],
            }
        )
    return json.dumps({"daily": rows}).encode()
