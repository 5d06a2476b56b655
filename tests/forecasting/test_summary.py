"""The few lines the CLI prints and the admin shows for a result."""

from __future__ import annotations

from forecasting.services.summary import summary_lines


def test_summary_names_commitment_discount_seat_mix_and_cost_band() -> None:
    result = {
        "api": {
            "periods": [
                {
                    "index": 0,
                    "start_month": "2027-01",
                    "months": 12,
                    "recommended": {
                        "commitment": 250_000.4,
                        "discount": 0.1,
                        "expected_cost": 301_234.5,
                        "probability_unused": 0.204,
                    },
                }
            ]
        },
        "seats": {
            "teams": [
                {
                    "name": "Platform",
                    "mix": [
                        {"plan": "api", "share": 0.003, "annual_seats": 0, "expected_monthly_seats": 0.0},
                        {"plan": "pro", "share": 0.6, "annual_seats": 14, "expected_monthly_seats": 5.58},
                        {"plan": "max_5x", "share": 0.0, "annual_seats": 0, "expected_monthly_seats": 0.0},
                        {"plan": "max_20x", "share": 0.397, "annual_seats": 0, "expected_monthly_seats": 3.2},
                    ],
                }
            ]
        },
        "total": {"expected_cost": 1_000_000.0, "cost": {"p5": 900_000.0, "p95": 1_200_000.0}},
    }
    assert summary_lines(result) == [
        "API commitment per period:",
        "  period 1 (2027-01, 12 months): commit $250,000 at 10% discount, expected cost $301,234, "
        "chance some goes unused 20%",
        "Seat mix per team:",
        "  Platform: api <1%; pro 60% (14 annual + 5.6 month-to-month seats on average); "
        "max_20x 40% (3.2 month-to-month seats on average)",
        "Total expected cost: $1,000,000 (p5 $900,000 – p95 $1,200,000)",
    ]


def test_summary_gives_the_range_walk_aways_and_top_three_priced_asks() -> None:
    point = {"commitment": 100.0, "discount": 0.12, "probability_unused": 0.25, "expected_cost": 1.0}
    ask = {"title": "T", "target_value": None}
    result = {
        "api": {"periods": [{"index": 0, "start_month": "2027-01", "months": 12, "recommended": point}]},
        "seats": {"teams": []},
        "total": {"expected_cost": 1.0, "cost": {"p5": 1.0, "p95": 1.0}},
        "negotiation": {
            "tolerance": 0.0025,
            "ranges": [
                {
                    "index": 0,
                    "low": {**point, "commitment": 90.4, "probability_unused": 0.104},
                    "high": {**point, "commitment": 120.6, "probability_unused": 0.5},
                    "recommended": point,
                }
            ],
            "walk_away": [{"index": 0, "band_floor": 90.0, "above_list_commitment": 150.2}],
            "asks": [
                {**ask, "title": "A", "target_value": 30.0},
                {**ask, "title": "B", "target_value": 20.0},
                {**ask, "title": "Zero", "target_value": 0.0},
                {**ask, "title": "C", "target_value": 10.0},
                {**ask, "title": "D", "target_value": 5.0},
                ask,
            ],
        },
    }
    lines = summary_lines(result)
    assert lines[2:6] == [
        "Recommended range (expected cost within 0.25% of the least):",
        "  period 1: $90 – $121 (chance some goes unused 10% – 50%)",
        "    walk away: below $90 the 12% band is lost; above $150 committing costs more than paying list",
        "Top asks: A ($30); B ($20); C ($10)",
    ]


def test_summary_names_the_planned_levers_and_the_unoptimised_answer() -> None:
    point = {"commitment": 100.0, "discount": 0.1, "probability_unused": 0.2, "expected_cost": 1.0}
    result = {
        "api": {"periods": [{"index": 0, "start_month": "2027-01", "months": 12, "recommended": point}]},
        "seats": {"teams": []},
        "total": {"expected_cost": 1.0, "cost": {"p5": 1.0, "p95": 1.0}},
        "planned_levers": {
            "levers": [{"lever": "cache_hit_rate", "start_month": "2027-04"}],
            "unoptimised_commitments": [120.0],
            "cost_of_committing_before_levers_land": 7.4,
            "cost_if_levers_slip": 3.0,
        },
    }
    assert summary_lines(result)[2] == (
        "Sized on the planned levers (cache_hit_rate from 2027-04); sized on today's spend it would be $120, "
        "costing $7 more once they land (if they slip, the recommendation costs $3 more)"
    )


def test_summary_gives_annual_seats_per_seat_year_when_a_renewal_changes_them() -> None:
    point = {"commitment": 0.0, "discount": 0.0, "probability_unused": 0.0, "expected_cost": 1.0}
    mix = [
        {"plan": "pro", "share": 0.6, "annual_seats": 5, "annual_seats_by_year": [5, 7],
         "expected_monthly_seats": 1.25},
        {"plan": "team_premium", "share": 0.4, "annual_seats": 5, "annual_seats_by_year": [5, 5],
         "expected_monthly_seats": 0.0},
    ]  # fmt: skip
    result = {
        "api": {"periods": [{"index": 0, "start_month": "2027-01", "months": 24, "recommended": point}]},
        "seats": {"teams": [{"name": "Platform", "mix": mix}]},
        "total": {"expected_cost": 1.0, "cost": {"p5": 1.0, "p95": 1.0}},
    }
    assert summary_lines(result)[3] == (
        "  Platform: pro 60% (5/7 annual + 1.2 month-to-month seats on average); "
        "team_premium 40% (5 annual seats)"
    )
