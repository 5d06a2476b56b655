"""Usage grouped by subject: an engineer (ccusage, Analytics) or a feature (Admin API workspace or key).

A subject's history runs from its first day of usage to the end of the import: the latest day any file
of the same format covers (files of one format are exported together, so a subject with no usage at the
end has stopped; files of another format may have been exported on another day).
It cannot start earlier: ccusage and the Analytics API show nothing before a person's first use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from forecasting.engine.inputs import ModelPrice
from procurement.imports.pricing import recompute_cost_usd
from procurement.imports.records import (
    ENGINEER_FORMATS,
    FEATURE_FORMATS,
    CostRecord,
    ParsedUsageFile,
    UsageRecord,
)

SubjectKind = Literal["engineer", "feature"]
DEFAULT_WORKSPACE = "default workspace"  # the Admin API reports the default workspace as null


@dataclass(frozen=True)
class SubjectHistory:
    """Every record of one subject, each usage record priced at list (`costs_usd`, aligned)."""

    subject: str
    kind: SubjectKind
    files: tuple[str, ...]
    first_day: date
    last_day: date
    records: tuple[UsageRecord, ...]
    costs_usd: tuple[float, ...]
    cost_records: tuple[CostRecord, ...] = ()

    @property
    def daily(self) -> bool:
        """True when every record is one day, so daily checks (gaps, last 30 days) are possible."""
        return all(r.days == 1 for r in self.records)

    @property
    def history_days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def day_costs_usd(self) -> dict[date, float]:
        """List cost per day: recomputed from tokens, or the cost report's amounts when no tokens exist."""
        totals: dict[date, float] = defaultdict(float)
        if self.records:
            for record, cost in zip(self.records, self.costs_usd, strict=True):
                totals[record.start] += cost
        else:
            for row in self.cost_records:
                totals[row.day] += row.amount_usd
        return dict(totals)


def feature_key(api_key_id: str | None, workspace_id: str | None, feature_map: Mapping[str, str]) -> str:
    """The feature a row belongs to: the first of its API key and workspace named in `feature_map`,
    else its API key, else its workspace (reports grouped by API key carry one on every row)."""
    for key in (api_key_id, workspace_id):
        if key is not None and key in feature_map:
            return feature_map[key]
    return api_key_id or workspace_id or DEFAULT_WORKSPACE


def engineer_histories(
    files: Iterable[ParsedUsageFile], prices: Mapping[str, ModelPrice]
) -> list[SubjectHistory]:
    """One history per engineer, over ccusage and Analytics files."""
    chosen = [f for f in files if f.format in ENGINEER_FORMATS]
    groups: dict[str, list[tuple[str, UsageRecord]]] = defaultdict(list)
    ends: dict[str, date] = defaultdict(lambda: date.min)
    for parsed in chosen:
        file_end = _import_end(chosen, parsed.format)
        for record in parsed.records:
            subject = record.engineer or parsed.engineer or ""
            groups[subject].append((parsed.name, record))
            ends[subject] = max(ends[subject], file_end)
    return [
        _history(subject, "engineer", rows, [], ends[subject], prices)
        for subject, rows in sorted(groups.items())
    ]


def feature_histories(
    files: Iterable[ParsedUsageFile],
    prices: Mapping[str, ModelPrice],
    *,
    feature_map: Mapping[str, str] | None = None,
) -> list[SubjectHistory]:
    """One history per feature, over Admin usage and cost reports."""
    chosen = [f for f in files if f.format in FEATURE_FORMATS]
    mapping = feature_map or {}
    usage: dict[str, list[tuple[str, UsageRecord]]] = defaultdict(list)
    costs: dict[str, list[CostRecord]] = defaultdict(list)
    for parsed in chosen:
        for record in parsed.records:
            usage[feature_key(record.api_key_id, record.workspace_id, mapping)].append((parsed.name, record))
        for row in parsed.cost_records:
            costs[feature_key(None, row.workspace_id, mapping)].append(row)
    end = max((_import_end(chosen, f.format) for f in chosen), default=date.min)
    subjects = sorted(set(usage) | set(costs))
    return [_history(s, "feature", usage.get(s, []), costs.get(s, []), end, prices) for s in subjects]


def _import_end(files: list[ParsedUsageFile], fmt: str) -> date:
    """The latest day files of one format cover."""
    return max((f.last_day for f in files if f.format == fmt and f.last_day is not None), default=date.min)


def _history(
    subject: str,
    kind: SubjectKind,
    rows: list[tuple[str, UsageRecord]],
    cost_rows: list[CostRecord],
    end: date,
    prices: Mapping[str, ModelPrice],
) -> SubjectHistory:
    records = tuple(record for _, record in rows)
    days = [r.start for r in records] + [c.day for c in cost_rows]
    files = {name: None for name, _ in rows} | {c.file: None for c in cost_rows}
    return SubjectHistory(
        subject=subject,
        kind=kind,
        files=tuple(files),
        first_day=min(days),
        last_day=max(end, max(days)),
        records=records,
        costs_usd=tuple(recompute_cost_usd(r, prices) for r in records),
        cost_records=tuple(cost_rows),
    )
