"""Stored results side by side: the headline numbers of 2 to 4 runs and each one's difference to the first.

Pure: plain mappings in, plain text out (no ORM, no request). Every figure is read from the stored result
(docs/result.md) the way the run's page reads it (`reports.admin_results`): the total, seat and API expected
costs, and per contract period the recommended commitment and its probability of going unused. Nothing
is simulated again; the only arithmetic is the difference of two stored figures. Periods are matched by
their index; a run without that period (its term was shorter) shows a dash, as does any missing number.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from forecasting.engine.contract import ForecastResult
from reports.formatting import MINUS, MISSING, as_number, money, month, percent, plain_number
from reports.result_view import periods

MIN_RUNS, MAX_RUNS = 2, 4


@dataclass(frozen=True)
class ComparedRun:
    """What the comparison needs of one run: who it is and its stored result."""

    run_id: int
    scenario_name: str
    finished_at: datetime.datetime | None
    result: ForecastResult


@dataclass(frozen=True)
class Column:
    run_id: int
    scenario_name: str
    finished_at: datetime.datetime | None
    trials: str
    seed: str


@dataclass(frozen=True)
class Cell:
    value: str
    change: str = ""  # the difference to the first run's figure, "" in the first column
    relative: str = ""  # that difference as a share of the first run's figure


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    detail: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Comparison:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


def comparison(runs: Sequence[ComparedRun]) -> Comparison:
    """The runs' figures in rows (one per figure), columns in the given order; the first is the reference."""
    if not MIN_RUNS <= len(runs) <= MAX_RUNS:
        raise ValueError(f"compare {MIN_RUNS} to {MAX_RUNS} runs, not {len(runs)}")
    results = [run.result for run in runs]
    rows = [
        _row("total_expected_cost", "Total expected cost", "API and seats, whole term", results, _total),
        _row("api_expected_cost", "API expected cost", "commitments and overage", results, _api),
        _row("seats_expected_cost", "Seat expected cost", "all teams", results, _seats),
    ]
    for index in range(max(len(periods(result)) for result in results)):
        detail = _period_detail(results, index)
        rows.append(
            _row(
                f"period-{index + 1}-commitment",
                f"Period {index + 1}: API commitment",
                detail,
                results,
                _recommended(index, "commitment"),
            )
        )
        rows.append(
            _row(
                f"period-{index + 1}-probability-unused",
                f"Period {index + 1}: P(unused)",
                "probability that part of the commitment goes unused",
                results,
                _recommended(index, "probability_unused"),
                probability=True,
            )
        )
    columns = tuple(
        Column(
            run_id=run.run_id,
            scenario_name=run.scenario_name,
            finished_at=run.finished_at,
            trials=plain_number(run.result["simulation"]["trials"]),
            seed=plain_number(run.result["simulation"]["seed"]),
        )
        for run in runs
    )
    return Comparison(columns=columns, rows=tuple(rows))


def money_change(value: float | None) -> str:
    """A signed difference of money: `+$12.3K`, `−$5,000`, `$0`."""
    if value is None:
        return MISSING
    shown = money(value)  # carries the minus sign itself
    return f"+{shown}" if value > 0 and round(value) > 0 else shown


def points_change(value: float | None) -> str:
    """A signed difference of probabilities in percentage points: `+2.1 pp`, `−0.4 pp`, `0 pp`."""
    if value is None:
        return MISSING
    points = round(value * 100, 1)
    if points == 0:
        return "0 pp"
    return f"{'+' if points > 0 else MINUS}{abs(points):.1f} pp"


def relative_change(value: float | None, reference: float | None) -> str:
    """The difference as a share of the reference figure: `+3.1%`, `≈0%` below 0.05% either way; a dash
    when the reference is 0 (no share of nothing) unless nothing changed."""
    if value == 0:
        return "0%"
    if value is None or reference is None or reference == 0:
        return MISSING
    share = value / abs(reference)
    if abs(share) < 0.0005:
        return "≈0%"
    return f"+{percent(share)}" if share > 0 else percent(share)


def _row(
    key: str,
    label: str,
    detail: str,
    results: Sequence[ForecastResult],
    read: Callable[[ForecastResult], float],
    *,
    probability: bool = False,
) -> Row:
    figures = [_read(read, result) for result in results]
    show = percent if probability else money
    change = points_change if probability else money_change
    reference = figures[0]
    cells = [Cell(show(reference))]
    for figure in figures[1:]:
        difference = None if figure is None or reference is None else figure - reference
        cells.append(Cell(show(figure), change(difference), relative_change(difference, reference)))
    return Row(key=key, label=label, detail=detail, cells=tuple(cells))


def _read(read: Callable[[ForecastResult], float], result: ForecastResult) -> float | None:
    """The figure, or None when the run has no such period (its term was shorter)."""
    try:
        return as_number(read(result))
    except IndexError:
        return None


def _total(result: ForecastResult) -> float:
    return result["total"]["expected_cost"]


def _api(result: ForecastResult) -> float:
    return result["api"]["expected_cost"]


def _seats(result: ForecastResult) -> float:
    return result["seats"]["expected_cost"]


def _recommended(
    index: int, key: Literal["commitment", "probability_unused"]
) -> Callable[[ForecastResult], float]:
    def read(result: ForecastResult) -> float:
        return periods(result)[index]["recommended"][key]

    return read


def _period_detail(results: Sequence[ForecastResult], index: int) -> str:
    """`Jan 2027, 12 months` from the first run that has the period; each run's own if they differ."""
    shown: list[str] = []
    for result in results:
        rows = periods(result)
        if index < len(rows):
            text = f"{month(rows[index]['start_month'])}, {plain_number(rows[index]['months'])} months"
            if text not in shown:
                shown.append(text)
    return " / ".join(shown)


__all__ = [
    "MAX_RUNS",
    "MIN_RUNS",
    "Cell",
    "Column",
    "ComparedRun",
    "Comparison",
    "Row",
    "comparison",
    "money_change",
    "points_change",
    "relative_change",
]
