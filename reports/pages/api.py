"""The API path: monthly spend, period spend against the commitment, the cost curve and bands, features."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether

from forecasting.engine.contract import ApiPeriod, CommitmentPoint, ForecastResult
from reports import charts
from reports.formatting import money, month, percent
from reports.layout import Cell, gap, para, table
from reports.result_view import band_floors, cheaper_curve_point, periods

# Chart heights (points) that put the spend charts on one page and two periods' cost curves on the next.
FAN_HEIGHT = 160.0
CURVE_HEIGHT = 160.0


def story(result: ForecastResult) -> list[Flowable]:
    out: list[Flowable] = [
        para("API path", style="h1"),
        para(
            "List spend is API usage priced at the catalog’s list prices. For each contract period the "
            "commitment is the amount that minimises expected cost: the commitment itself plus any overage, "
            "with unused commitment lost. Shaded bands and whiskers show where 90% of the trials fall."
        ),
        charts.monthly_spend_fan(result, height=FAN_HEIGHT),
        charts.period_spend_distribution(result),
        KeepTogether([charts.feature_spend(result)]),
    ]
    for period in periods(result):
        # One KeepTogether per period: a nested one reports an infinite height and forces a page break.
        out.append(
            KeepTogether(
                [
                    gap(6),
                    charts.commitment_curve(period, height=CURVE_HEIGHT),
                    *_off_minimum_note(period),
                    gap(2),
                    *_band_table(period),
                ]
            )
        )
    return out


def _off_minimum_note(period: ApiPeriod) -> list[Flowable]:
    cheapest = cheaper_curve_point(period)
    if cheapest is None:
        return []
    return [
        para(
            f"This period alone would be cheapest at {money(cheapest['commitment'])} (expected cost "
            f"{money(cheapest['expected_cost'])}). The recommendation is chosen for the whole term under the "
            "contract’s rules: one commitment for every period unless a ramp is allowed, and any cap on the "
            "probability of unused commitment.",
            style="small",
        )
    ]


def _band_table(period: ApiPeriod) -> list[Flowable]:
    """Expected cost, unused, overage and the chance some goes unused at each band floor and at the
    recommended commitment."""
    rows = []
    for point in band_floors(period):
        label = "No commitment" if point["commitment"] == 0 else f"{percent(point['discount'])} band floor"
        rows.append(_row(label, point))
    rows.append(_row("Recommended", period["recommended"]))
    header = [
        "Commitment point",
        "Commitment",
        "Discount",
        "Expected cost",
        "Expected unused",
        "Expected overage",
        "Chance some unused",
        "95th pct cost",
    ]
    when = f"{month(period['start_month'])}, {period['months']} months"
    title = f"Period {period['index'] + 1} ({when}): discount bands"
    return [
        para(title, style="h2"),
        table(
            header,
            rows,
            [90, 62, 46, 66, 64, 66, 50, 66],
            right=range(1, 8),
            bold_rows=(len(rows) - 1,),
            padding=1.5,
        ),
    ]


def _row(label: str, point: CommitmentPoint) -> list[Cell]:
    return [
        label,
        money(point["commitment"]),
        percent(point["discount"]),
        money(point["expected_cost"]),
        money(point["expected_unused"]),
        money(point["expected_overage"]),
        percent(point["probability_unused"]),
        money(point["p95_cost"]),
    ]
