"""The figures the brief derives from a stored result, checked against arithmetic done here by hand."""

from __future__ import annotations

from typing import Any

import pytest

from reports.formatting import money
from reports.pages.negotiation import concession_ask
from reports.result_view import (
    band_floors,
    baseline_savings,
    cheaper_curve_point,
    mix_rows,
    move_text,
    probability_unused,
    seat_totals,
    sensitivity_base,
)
from tests.reports.pdf_tools import load_fixture

SPEND = {"mean": 150.0, "p5": 100.0, "p10": 110.0, "p50": 150.0, "p90": 190.0, "p95": 200.0}


def point(commitment: float, discount: float, cost: float, **extra: float) -> dict[str, float]:
    return {"commitment": commitment, "discount": discount, "expected_cost": cost, **extra}


def test_band_floors_are_the_lowest_commitment_of_each_discount_whatever_the_curve_order() -> None:
    curve = [
        point(600, 0.10, 9),
        point(0, 0.0, 10),
        point(1000, 0.15, 12),
        point(250, 0.10, 11),
        point(100, 0.0, 10),
    ]
    floors = band_floors({"curve": curve})
    assert [(p["commitment"], p["discount"]) for p in floors] == [(0, 0.0), (250, 0.10), (1000, 0.15)]


def test_probability_unused_prefers_the_stored_value() -> None:
    period = {"spend": SPEND}
    assert probability_unused(period, point(126, 0.1, 0, probability_unused=0.123)) == "12.3%"


@pytest.mark.parametrize(
    ("commitment", "expected"),
    [
        # covered list spend 126 / 0.9 = 140 lies between p10 = 110 and p50 = 150: 0.1 + 30/40 * 0.4 = 0.4
        (126.0, "≈40%"),
        # covered 180 between p50 and p90: 0.5 + 30/40 * 0.4 = 0.8
        (162.0, "≈80%"),
        (45.0, "<5%"),  # covers 50, below p5: only a bound is known
        (225.0, ">95%"),  # covers 250, above p95
        (0.0, "0%"),  # nothing committed, nothing unused
    ],
)
def test_probability_unused_falls_back_to_linear_interpolation_of_spend_quantiles(
    commitment: float, expected: str
) -> None:
    # Unused > 0 exactly when list spend S < C / (1 - d); between stored quantiles the CDF is taken as linear.
    assert probability_unused({"spend": SPEND}, point(commitment, 0.1, 0)) == expected


def test_baseline_savings_sum_both_periods_against_the_recommendation() -> None:
    result = load_fixture("result_example.json")
    periods = result["api"]["periods"]
    recommended = periods[0]["recommended"]["expected_cost"] + periods[1]["recommended"]["expected_cost"]
    savings = {b.name: b for b in baseline_savings(result)}
    assert set(savings) == {"no_commitment", "run_rate", "median"}
    for name, baseline in savings.items():
        cost = periods[0]["baselines"][name]["expected_cost"] + periods[1]["baselines"][name]["expected_cost"]
        assert baseline.expected_cost == pytest.approx(cost, rel=1e-12)
        assert baseline.saving == pytest.approx(cost - recommended, rel=1e-12)
        # DESIGN 6.1: the recommendation is never worse than a baseline over the term.
        assert baseline.saving >= 0


def test_cheaper_curve_point_flags_a_period_whose_own_minimum_beats_the_recommendation() -> None:
    curve = [point(0, 0, 100.0), point(50, 0, 90.0), point(80, 0, 95.0)]
    assert cheaper_curve_point({"curve": curve, "recommended": point(80, 0, 95.0)}) == curve[1]
    assert cheaper_curve_point({"curve": curve, "recommended": point(50, 0, 90.0)}) is None


def test_seat_totals_leave_engineers_on_api_billing_out() -> None:
    team = {
        "mix": [
            {"plan": "pro", "share": 0.6, "annual_seats": 14, "expected_monthly_seats": 5.5},
            {"plan": "max_5x", "share": 0.3, "annual_seats": 0, "expected_monthly_seats": 11.25},
            {"plan": "api", "share": 0.1, "annual_seats": 0, "expected_monthly_seats": 3.0},
            {"plan": "max_20x", "share": 0.0, "annual_seats": 0, "expected_monthly_seats": 0.0},
        ]
    }
    assert seat_totals(team) == (14.0, 16.75)
    assert [row["plan"] for row in mix_rows(team)] == ["pro", "max_5x", "api"]


@pytest.mark.parametrize(
    ("name", "title", "words"),
    [
        ("rollover_25", "Roll over unused commitment", "25% of any unused commitment"),
        ("rollover_25pct", "Roll over unused commitment", "25% of any unused commitment"),
        ("overage_at_committed_rate", "Overage at the committed rate", "discounted rate, not at list"),
        ("ramp_allowed", "Ramped commitment", "different amount in each period"),
        ("band_thresholds_20pct_lower", "Lower discount thresholds", "10% from $200K instead of $250K"),
        ("seats_removable_quarterly", "Seats removable quarterly", "reduced every quarter"),
    ],
)
def test_each_concession_reads_as_an_ask_a_negotiator_can_say(name: str, title: str, words: str) -> None:
    result = load_fixture("result_example.json")
    shown_title, ask = concession_ask(name, result)
    assert shown_title == title
    assert words in ask


def test_an_unknown_concession_uses_the_engines_description() -> None:
    result: dict[str, Any] = {
        "concessions": [{"name": "net_60_terms", "description": "Pay 60 days after invoice"}]
    }
    assert concession_ask("net_60_terms", result) == ("Net 60 terms", "Pay 60 days after invoice")


def test_tornado_base_is_the_sensitivity_baseline_when_the_result_has_one() -> None:
    result = load_fixture("result_example.json")
    assert sensitivity_base(result, "expected_cost") == result["sensitivity_baseline"]["expected_cost"]
    assert sensitivity_base(result, "commitment") == result["sensitivity_baseline"]["commitment"]
    del result["sensitivity_baseline"]
    assert sensitivity_base(result, "expected_cost") == result["total"]["expected_cost"]
    assert sensitivity_base(result, "commitment") == result["api"]["periods"][0]["recommended"]["commitment"]


def test_sensitivity_cases_show_fractions_as_signed_percentages_and_text_as_given() -> None:
    assert move_text(-0.02) == "−2%"
    assert move_text(0.2) == "+20%"
    assert move_text(-10) == "−10"
    assert move_text("growth +2 pp/month") == "growth +2 pp/month"
    assert money(None) == move_text(None) == "—"
