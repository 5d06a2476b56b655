"""A stored result (docs/result.md) as the admin shows it: the executive summary's numbers, the main charts.

Pure: the typed result in, plain text and SVG markup out (no ORM, no request). Numbers are formatted by
`reports.formatting` and names cleaned by `display_text`, exactly as in the PDF brief, and the charts are
the brief's own Drawings rendered to SVG by `reports.svg`, so the admin page and the brief agree. Text
here is plain: the admin template escapes it. Only `Chart.svg` is markup, built by `reports.svg`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportlab.graphics.shapes import Drawing

from forecasting.engine.contract import ApiPeriod, ForecastResult, Team
from reports import charts
from reports.formatting import display_text, money, month, percent, plain_number, seats
from reports.result_view import NAME_CHARS, baseline_savings, mix_text, periods, seat_totals
from reports.svg import drawing_svg

MAX_CURVES = 6  # cost-vs-commitment charts shown on the page; the brief has every period's


@dataclass(frozen=True)
class PeriodRow:
    number: int
    starts: str
    months: str
    commitment: str
    discount: str
    expected_cost: str
    probability_unused: str
    expected_unused: str
    p95_cost: str


@dataclass(frozen=True)
class TeamRow:
    name: str
    mix: str
    annual_seats: str
    monthly_seats: str
    expected_cost: str


@dataclass(frozen=True)
class BaselineRow:
    label: str
    commitments: str
    expected_cost: str
    saving: str


@dataclass(frozen=True)
class Summary:
    total_expected_cost: str
    total_p5: str
    total_p50: str
    total_p95: str
    api_expected_cost: str
    seats_expected_cost: str
    trials: str
    seed: str
    periods: tuple[PeriodRow, ...]
    teams: tuple[TeamRow, ...]
    baselines: tuple[BaselineRow, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str  # inline SVG markup from `reports.svg.drawing_svg` (already safe to embed)


def summary(result: ForecastResult) -> Summary:
    """The executive summary's numbers, formatted as the brief shows them."""
    total, simulation = result["total"], result["simulation"]
    warnings = result["diagnostics"]["warnings"]
    return Summary(
        total_expected_cost=money(total["expected_cost"]),
        total_p5=money(total["cost"]["p5"]),
        total_p50=money(total["cost"]["p50"]),
        total_p95=money(total["cost"]["p95"]),
        api_expected_cost=money(result["api"]["expected_cost"]),
        seats_expected_cost=money(result["seats"]["expected_cost"]),
        trials=plain_number(simulation["trials"]),
        seed=plain_number(simulation["seed"]),
        periods=tuple(_period_row(period) for period in periods(result)),
        teams=tuple(_team_row(team) for team in result["seats"]["teams"]),
        baselines=tuple(
            BaselineRow(
                b.label, " / ".join(money(c) for c in b.commitments), money(b.expected_cost), money(b.saving)
            )
            for b in baseline_savings(result)
        ),
        warnings=tuple(display_text(w, max_chars=500) for w in warnings[:20]),
    )


def _period_row(period: ApiPeriod) -> PeriodRow:
    recommended = period["recommended"]
    return PeriodRow(
        number=period["index"] + 1,
        starts=month(period["start_month"]),
        months=plain_number(period["months"]),
        commitment=money(recommended["commitment"]),
        discount=percent(recommended["discount"]),
        expected_cost=money(recommended["expected_cost"]),
        probability_unused=percent(recommended["probability_unused"]),
        expected_unused=money(recommended["expected_unused"]),
        p95_cost=money(recommended["p95_cost"]),
    )


def _team_row(team: Team) -> TeamRow:
    annual, monthly = seat_totals(team)
    return TeamRow(
        name=display_text(team["name"], max_chars=NAME_CHARS),
        mix=mix_text(team),
        annual_seats=seats(annual),
        monthly_seats=seats(monthly),
        expected_cost=money(team["expected_cost"]),
    )


def main_charts(result: ForecastResult, catalog: Mapping[str, Any]) -> list[Chart]:
    """The brief's main charts as inline SVG: spend fan and periods, cost curves, features, seats, tornado."""
    drawings: list[tuple[str, Drawing]] = [
        ("API list spend per month", charts.monthly_spend_fan(result)),
        ("List spend per contract period", charts.period_spend_distribution(result)),
    ]
    for period in periods(result)[:MAX_CURVES]:
        title = f"Period {period['index'] + 1}: cost against commitment"
        drawings.append((title, charts.commitment_curve(period)))
    drawings += [
        ("API list spend by feature", charts.feature_spend(result)),
        ("Plan cost per engineer-month against typical usage", charts.plan_break_even(result, catalog)),
    ]
    if result["sensitivity"]:
        drawings.append(("Sensitivity of the total expected cost", charts.tornado(result)))
    return [
        Chart(title, drawing_svg(drawing, id_prefix=f"chart-{index}", title=title))
        for index, (title, drawing) in enumerate(drawings)
    ]


def hidden_curve_count(result: ForecastResult) -> int:
    """Periods whose cost curve is in the brief but not on the page."""
    return max(len(periods(result)) - MAX_CURVES, 0)
