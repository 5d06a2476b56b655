"""Usage per engineer-month and per feature-month: the inputs of the fits.

Unit (docs/model.md#seat-path): API-equivalent list USD per active engineer-month. Rules, and why:

- A month inside an engineer's history with no usage is an inactive month: kept (for adoption), never fed
  to the intensity fit, because the engine draws usage only for active engineers.
- Days without usage inside an active month (vacation, days off) stay in it: they happen in forecast
  months too, and the engine's monthly usage includes them.
- Every month is scaled to an average month (`calendar_span`): partial months (a history starting or
  ending inside the month) by the share of effective days seen, full months by their working-day count.
  A month covered below MIN_FIT_COVERAGE (about a working week) is kept but not fitted, since scaling a
  few days up to a month mostly scales noise.
- Weekly rows are split over months by calendar days; monthly rows are whole months.
- `level_factor` is 1 as built here. When the guard finds a shift in a team's or a feature's level
  (`guards`, docs/usage-import.md#guards), `calibrate` sets it per month so that the whole history sits at
  the level after the shift; one engineer's own months never change it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from forecasting.engine.inputs import ModelPrice
from procurement.imports.calendar_span import MonthSpan, month_key, months_between, spans, weekend_weight
from procurement.imports.pricing import WEB_SEARCH_USD_PER_REQUEST, catalog_key
from procurement.imports.records import ParsedUsageFile, UsageRecord
from procurement.imports.subjects import SubjectHistory, engineer_histories, feature_histories

MIN_FIT_COVERAGE = 0.25  # share of the month's effective days observed; project choice
# Weekend weight when the data are not daily: engineers work weekdays; features run every day.
DEFAULT_WEEKEND_WEIGHT = {"engineer": 0.0, "feature": 1.0}


@dataclass(frozen=True)
class EngineerMonth:
    """One engineer's usage in one calendar month, at list price."""

    engineer: str
    month: str  # YYYY-MM
    cost_usd: float  # recomputed from tokens, the days observed only
    reported_cost_usd: float | None  # the files' own cost; None when a file carries none
    active_days: int | None  # None for weekly or monthly data
    span: MonthSpan
    level_factor: float = 1.0
    # The monthly capacity of the engineer's plan when it blocks usage beyond it; None: not capped, or the
    # plan is unknown (docs/usage-import.md#capped-usage).
    cap_usd: float | None = None

    @property
    def coverage(self) -> float:
        return self.span.coverage

    @property
    def active(self) -> bool:
        return self.cost_usd > 0

    @property
    def fitted(self) -> bool:
        """Used by the intensity fit: active and covered enough."""
        return self.active and self.coverage >= MIN_FIT_COVERAGE

    @property
    def full_month_usd(self) -> float:
        """Usage of an average whole month at this month's rate (times the level factor of a shift)."""
        return self.cost_usd * self.span.to_average_month * self.level_factor


@dataclass(frozen=True)
class FeatureMonth:
    """One feature's API usage in one calendar month: tokens by type, list cost, the report's own cost."""

    feature: str
    month: str
    cost_usd: float | None  # recomputed from tokens; None when only a cost report covers the feature
    reported_cost_usd: float | None  # cost report amounts / 100; None without a cost report
    span: MonthSpan
    uncached_input_tokens: float = 0.0
    output_tokens: float = 0.0
    cache_write_5m_tokens: float = 0.0
    cache_write_1h_tokens: float = 0.0
    cache_read_tokens: float = 0.0
    batch_input_tokens: float = 0.0
    unknown_tier_input_tokens: float = 0.0  # input tokens of rows without a service tier
    web_search_requests: float = 0.0
    model_input_tokens: tuple[tuple[str, float], ...] = ()  # (catalog key, input-side tokens)
    level_factor: float = 1.0

    @property
    def input_tokens(self) -> float:
        return (
            self.uncached_input_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
            + self.cache_read_tokens
        )

    @property
    def web_search_usd(self) -> float:
        return self.web_search_requests * WEB_SEARCH_USD_PER_REQUEST

    @property
    def coverage(self) -> float:
        return self.span.coverage

    @property
    def volume(self) -> float:
        """Input-side tokens; the reported cost in USD when the feature has no token data."""
        return self.input_tokens if self.cost_usd is not None else self.reported_cost_usd or 0.0

    @property
    def fitted(self) -> bool:
        return self.volume > 0 and self.coverage >= MIN_FIT_COVERAGE

    @property
    def full_month_volume(self) -> float:
        """Volume of an average whole month at this month's rate (times the level factor of a shift)."""
        return self.volume * self.span.to_average_month * self.level_factor


def _month_shares(record: UsageRecord) -> list[tuple[str, float]]:
    """How a record's period splits over calendar months, by calendar days."""
    if record.days == 1:
        return [(month_key(record.start), 1.0)]
    last = record.start + timedelta(days=record.days - 1)
    return [
        (key, ((min(end, last) - max(start, record.start)).days + 1) / record.days)
        for key, start, end in months_between(record.start, last)
    ]


def _month_sums(history: SubjectHistory) -> dict[str, dict[str, float]]:
    """Per month: list cost, reported cost (NaN when some record has none), active days, and whether
    some record is longer than a day (active days then unknown)."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    active: dict[str, set[date]] = defaultdict(set)
    for record, cost in zip(history.records, history.costs_usd, strict=True):
        reported = math.nan if record.reported_cost_usd is None else record.reported_cost_usd
        for key, share in _month_shares(record):
            sums[key]["cost"] += cost * share
            sums[key]["reported"] += reported * share
            if record.days > 1:
                sums[key]["multi_day"] = 1.0
            elif cost > 0:
                active[key].add(record.start)
    for key, days in active.items():
        sums[key]["active_days"] = len(days)
    return sums


def _subject_spans(history: SubjectHistory) -> list[MonthSpan]:
    default = DEFAULT_WEEKEND_WEIGHT[history.kind]
    weight = (
        weekend_weight(history.day_costs_usd(), history.first_day, history.last_day, default=default)
        if history.daily
        else default
    )
    return spans(history.first_day, history.last_day, weight)


def _engineer_months(history: SubjectHistory) -> list[EngineerMonth]:
    sums = _month_sums(history)
    months = []
    for span in _subject_spans(history):
        s = sums.get(span.month, {})
        reported = s.get("reported", 0.0)
        months.append(
            EngineerMonth(
                engineer=history.subject,
                month=span.month,
                cost_usd=s.get("cost", 0.0),
                reported_cost_usd=None if math.isnan(reported) else reported,
                active_days=None if s.get("multi_day") else int(s.get("active_days", 0)),
                span=span,
            )
        )
    return months


def engineer_months(
    files: Iterable[ParsedUsageFile],
    prices: Mapping[str, ModelPrice],
    *,
    histories: Sequence[SubjectHistory] | None = None,
) -> list[EngineerMonth]:
    """Every month of every engineer's history (ccusage and Analytics files), sorted by engineer, month.
    `histories`: the files' `engineer_histories`, when the caller has them already.

    Raises `UsageFileError` naming the file and row of a model missing from `prices`.
    """
    months: list[EngineerMonth] = []
    for history in engineer_histories(list(files), prices) if histories is None else histories:
        months.extend(_engineer_months(history))
    return months


TOKEN_FIELDS = (  # a FeatureMonth's counts, summed from its records
    "uncached_input_tokens",
    "output_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "batch_input_tokens",
    "unknown_tier_input_tokens",
    "web_search_requests",
)


def _feature_sums(history: SubjectHistory, prices: Mapping[str, ModelPrice]) -> dict[str, dict[str, float]]:
    """Per month: cost, reported cost, tokens by type, web searches, and input tokens by catalog model."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for record, cost in zip(history.records, history.costs_usd, strict=True):
        s = sums[month_key(record.start)]
        s["cost"] += cost
        for name in TOKEN_FIELDS[:5]:
            s[name] += getattr(record, name)
        s["batch_input_tokens"] += record.input_tokens if record.batch else 0
        s["unknown_tier_input_tokens"] += record.input_tokens if record.service_tier is None else 0
        s["web_search_requests"] += record.web_search_requests
        s[f"model:{catalog_key(record.model, prices)}"] += record.input_tokens
    for row in history.cost_records:
        sums[month_key(row.day)]["reported"] += row.amount_usd
    return sums


def _feature_month(history: SubjectHistory, span: MonthSpan, s: Mapping[str, float]) -> FeatureMonth:
    return FeatureMonth(
        feature=history.subject,
        month=span.month,
        cost_usd=s.get("cost", 0.0) if history.records else None,
        reported_cost_usd=s.get("reported", 0.0) if history.cost_records else None,
        span=span,
        model_input_tokens=tuple(sorted((k[6:], v) for k, v in s.items() if k.startswith("model:"))),
        **{name: s.get(name, 0.0) for name in TOKEN_FIELDS},
    )


def feature_months(
    files: Iterable[ParsedUsageFile],
    prices: Mapping[str, ModelPrice],
    *,
    feature_map: Mapping[str, str] | None = None,
    histories: Sequence[SubjectHistory] | None = None,
) -> list[FeatureMonth]:
    """Every month of every feature's history (Admin usage and cost reports), sorted by feature, month.

    A feature is an API key or a workspace; `feature_map` maps API key or workspace ids to feature names
    (several ids may share a name, and are then added together). `histories`: the files'
    `feature_histories` with the same map, when the caller has them already.
    """
    months: list[FeatureMonth] = []
    if histories is None:
        histories = feature_histories(list(files), prices, feature_map=feature_map)
    for history in histories:
        sums = _feature_sums(history, prices)
        months.extend(
            _feature_month(history, span, sums.get(span.month, {})) for span in _subject_spans(history)
        )
    return months
