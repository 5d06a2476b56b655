"""What a parsed usage file holds: token records and cost records, one per model and period.

All four formats reduce to these. A `UsageRecord` covers `days` calendar days from `start` (1 for daily
rows and API buckets, 7 for ccusage weekly rows, the month's length for monthly rows) and carries the
token counts needed to price it; `reported_cost_usd` is the file's own cost for it, when the file has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Format = Literal["ccusage", "admin_usage", "admin_cost", "claude_code_analytics"]
FORMATS: tuple[Format, ...] = ("ccusage", "admin_usage", "admin_cost", "claude_code_analytics")
ENGINEER_FORMATS: frozenset[str] = frozenset({"ccusage", "claude_code_analytics"})
FEATURE_FORMATS: frozenset[str] = frozenset({"admin_usage", "admin_cost"})


@dataclass(frozen=True)
class UsageRecord:
    """Tokens of one model over one period, for one engineer (ccusage, Analytics) or one API key/workspace."""

    file: str
    source: str  # row path inside the file, e.g. "daily[3].modelBreakdowns[1]"
    start: date
    days: int
    model: str  # the model id as the file spells it (dated ids included)
    uncached_input_tokens: int
    output_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    cache_read_tokens: int
    web_search_requests: int = 0
    engineer: str | None = None
    workspace_id: str | None = None
    api_key_id: str | None = None
    service_tier: str | None = None  # None: not reported (the usage report was not grouped by tier)
    reported_cost_usd: float | None = None

    @property
    def batch(self) -> bool:
        return self.service_tier == "batch"

    @property
    def input_tokens(self) -> int:
        """All input-side tokens: uncached, cache writes and cache reads."""
        return (
            self.uncached_input_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
            + self.cache_read_tokens
        )

    @property
    def cache_write_tokens(self) -> int:
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens


@dataclass(frozen=True)
class CostRecord:
    """One row of an Admin API cost report, `amount` converted from cents to USD."""

    file: str
    source: str
    day: date
    amount_usd: float
    workspace_id: str | None
    cost_type: str | None  # "tokens", "web_search", "code_execution"
    model: str | None
    token_type: str | None  # e.g. "uncached_input_tokens", "cache_creation.ephemeral_5m_input_tokens"
    description: str | None = None
    service_tier: str | None = None


@dataclass(frozen=True)
class ParsedUsageFile:
    """One imported file. `first_day`..`last_day` (inclusive) is the span the file covers."""

    name: str
    format: Format
    records: tuple[UsageRecord, ...] = ()
    cost_records: tuple[CostRecord, ...] = ()
    report: str | None = None  # ccusage: "daily", "weekly" or "monthly"
    engineer: str | None = None  # ccusage: the engineer the file belongs to
    first_day: date | None = None
    last_day: date | None = None
    reported_total_cost_usd: float | None = None
    warnings: tuple[str, ...] = ()
