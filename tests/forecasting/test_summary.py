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
        "P(unused) 20%",
        "Seat mix per team:",
        "  Platform: api <1%; pro 60% (14 annual + 5.6 month-to-month seats on average); "
        "max_20x 40% (3.2 month-to-month seats on average)",
        "Total expected cost: $1,000,000 (p5 $900,000 – p95 $1,200,000)",
    ]
