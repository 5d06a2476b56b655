"""The figures the brief derives from a stored result, checked against arithmetic done here by hand."""

from __future__ import annotations

import copy

import pytest

from forecasting.engine.contract import ApiPeriod, CommitmentPoint, PlanShare, Team
from reports.brief_data import stored_result
from reports.formatting import ELLIPSIS
from reports.pages.negotiation import concession_ask
from reports.result_view import (
    band_floors,
    baseline_savings,
    cheaper_curve_point,
    mix_rows,
    move_text,
    seat_totals,
    sensitivity_base,
    sensitivity_case,
)
from tests.reports.pdf_tools import example_result


def point(commitment: float, discount: float, cost: float) -> CommitmentPoint:
    return {
        "commitment": commitment,
        "discount": discount,
        "expected_cost": cost,
        "expected_unused": 0.0,
        "probability_unused": 0.0,
        "expected_overage": 0.0,
        "p95_cost": cost,
    }


def period(curve: list[CommitmentPoint], recommended: CommitmentPoint | None = None) -> ApiPeriod:
    """The example's first period with another curve (and recommendation)."""
    changed = copy.deepcopy(example_result()["api"]["periods"][0])
    changed["curve"] = curve
    if recommended is not None:
        changed["recommended"] = recommended
    return changed


def test_band_floors_are_the_lowest_commitment_of_each_discount_whatever_the_curve_order() -> None:
    curve = [
        point(600, 0.10, 9),
        point(0, 0.0, 10),
        point(1000, 0.15, 12),
        point(250, 0.10, 11),
        point(100, 0.0, 10),
    ]
    floors = band_floors(period(curve))
    assert [(p["commitment"], p["discount"]) for p in floors] == [(0, 0.0), (250, 0.10), (1000, 0.15)]


def test_baseline_savings_sum_both_periods_against_the_recommendation() -> None:
    result = example_result()
    periods = result["api"]["periods"]
    recommended = periods[0]["recommended"]["expected_cost"] + periods[1]["recommended"]["expected_cost"]
    savings = {b.name: b for b in baseline_savings(result)}
    assert set(savings) == {"no_commitment", "run_rate", "median"}
    for name, baseline in savings.items():
        cost = periods[0]["baselines"][name]["expected_cost"] + periods[1]["baselines"][name]["expected_cost"]
        assert baseline.expected_cost == pytest.approx(cost, rel=1e-12)
        assert baseline.saving == pytest.approx(cost - recommended, rel=1e-12)
        # docs/decisions.md#api-commitment-per-period: the recommendation is never worse than a
        # baseline over the term.
        assert baseline.saving >= 0


def test_cheaper_curve_point_flags_a_period_whose_own_minimum_beats_the_recommendation() -> None:
    curve = [point(0, 0, 100.0), point(50, 0, 90.0), point(80, 0, 95.0)]
    assert cheaper_curve_point(period(curve, point(80, 0, 95.0))) == curve[1]
    assert cheaper_curve_point(period(curve, point(50, 0, 90.0))) is None


def test_seat_totals_leave_engineers_on_api_billing_out() -> None:
    def share(plan: str, share: float, annual: int, monthly: float) -> PlanShare:
        return {
            "plan": plan,
            "share": share,
            "annual_seats": annual,
            "annual_seats_by_year": [annual],
            "expected_monthly_seats": monthly,
            "annual_seats_by_quarter": None,
        }

    team: Team = copy.deepcopy(example_result()["seats"]["teams"][0])
    team["mix"] = [
        share("pro", 0.6, 14, 5.5),
        share("max_5x", 0.3, 0, 11.25),
        share("api", 0.1, 0, 3.0),
        share("max_20x", 0.0, 0, 0.0),
    ]
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
    shown_title, ask = concession_ask(name, example_result())
    assert shown_title == title
    assert words in ask


def test_an_unknown_concession_uses_the_engines_description() -> None:
    result = stored_result(
        {"concessions": [{"name": "net_60_terms", "description": "Pay 60 days after invoice"}]}
    )
    assert concession_ask("net_60_terms", result) == ("Net 60 terms", "Pay 60 days after invoice")


def test_the_tornado_is_centred_on_the_headline_and_its_cases_are_offsets_from_it() -> None:
    # issue 14: the tornado's centre (the subsample's unmoved cost) differed from the headline total
    result = example_result()
    baseline = result["sensitivity_baseline"]
    assert baseline is not None
    headline = result["total"]["expected_cost"]
    commitment = result["api"]["periods"][0]["recommended"]["commitment"]
    assert baseline["expected_cost"] != headline  # the subsample's own figure differs: the case to handle
    assert sensitivity_base(result, "expected_cost") == headline
    assert sensitivity_base(result, "commitment") == commitment
    for row in result["sensitivity"]:
        low, high = sensitivity_case(result, row, "expected_cost")
        assert low - headline == pytest.approx(row["expected_cost_low"] - baseline["expected_cost"], abs=1e-6)
        assert high - headline == pytest.approx(
            row["expected_cost_high"] - baseline["expected_cost"], abs=1e-6
        )
        c_low, _ = sensitivity_case(result, row, "commitment")
        assert c_low - commitment == pytest.approx(row["commitment_low"] - baseline["commitment"], abs=1e-6)
    result["sensitivity_baseline"] = None  # a run stored without a baseline: the cases as stored
    row = result["sensitivity"][0]
    assert sensitivity_case(result, row, "expected_cost") == (
        row["expected_cost_low"],
        row["expected_cost_high"],
    )
    assert sensitivity_base(result, "expected_cost") == headline


def test_sensitivity_cases_show_the_engines_words_cleaned_and_cut() -> None:
    assert move_text("growth +2 pp/month") == "growth +2 pp/month"
    assert move_text("tokens\x00per   request") == "tokens\ufffdper request"
    long = move_text("headcount " * 20)
    assert len(long) == 60
    assert long.endswith(ELLIPSIS)
