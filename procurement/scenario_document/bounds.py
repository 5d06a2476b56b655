"""Numeric bounds of every scenario field, shared by the JSON validator, model validators and DB checks.

One table so the REST API, the CLI, the admin forms and the database refuse the same values. The hard
limits (term 1..60, trials 1,000..1,000,000, headcount ≤ 1,000,000, shares in [0, 1], discount in [0, 1))
are the product's rules (docs/scenario.md); the others are sanity bounds of this project, wide enough for any
real company and narrow enough that the engine's arithmetic stays finite (e.g. (1 + growth)^60
with growth ≤ 1).
"""

from __future__ import annotations

from dataclasses import dataclass

# The scenario's default commitment grid, re-exported beside the other scenario bounds.
from forecasting.engine.inputs import DEFAULT_COMMITMENT_GRANULARITY_USD as DEFAULT_COMMITMENT_GRANULARITY_USD


@dataclass(frozen=True)
class Bound:
    """A closed or half-open interval; `integer` fields must hold whole numbers."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def contains(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        low = f"greater than {_fmt(self.low)}" if self.low_open else f"at least {_fmt(self.low)}"
        high = f"less than {_fmt(self.high)}" if self.high_open else f"at most {_fmt(self.high)}"
        return f"must be {low} and {high}"


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


SHARE = Bound(0.0, 1.0)
MAX_USD = 1e12  # no commitment or band threshold beyond a trillion USD
MAX_HEADCOUNT = 1_000_000  # docs/scenario.md
MAX_TEAMS = 500
MAX_FEATURES = 1_000
MAX_DISCOUNT_BANDS = 20
MODEL_MIX_TOLERANCE = 1e-6  # shares must sum to 1 within this (floating-point input from spreadsheets)

SCENARIO_BOUNDS: dict[str, Bound] = {
    "term_months": Bound(1, 60, integer=True),
    "trials": Bound(1_000, 1_000_000, integer=True),
    "seed": Bound(0, 2**63 - 1, integer=True),  # fits a signed 64-bit column; any int seeds SeedSequence
    "commitment_period_months": Bound(1, 60, integer=True),
    "rollover_share": SHARE,
    "max_unused_probability": SHARE,
    "commitment_granularity_usd": Bound(0.0, MAX_USD, low_open=True),
    "blocked_usage_value": Bound(0.0, 100.0),  # USD of lost productivity per API-dollar refused
    "min_commitment": Bound(0.0, MAX_USD),
    "discount": Bound(0.0, 1.0, high_open=True),
    # A factor loading (docs/scenario.md#correlation): 0 independent, 1 moved by the common factor alone.
    # Negative loadings are refused: a company-wide push moves usage the same way everywhere.
    "correlation_loading": SHARE,
}

TEAM_BOUNDS: dict[str, Bound] = {
    "headcount_now": Bound(0, MAX_HEADCOUNT),
    "headcount_end": Bound(0, MAX_HEADCOUNT),
    "headcount_sd": Bound(0.0, 2.0),  # log-sd; 2 already means a ×7 swing at one sd
    "adoption_now": SHARE,
    "adoption_end": SHARE,
    "usage_median_usd": Bound(0.0, 1e6, low_open=True),  # lognormal needs a positive median
    "usage_p90_usd": Bound(0.0, 1e6, low_open=True),
    "usage_persistence": SHARE,
    "usage_growth": Bound(-1.0, 1.0, low_open=True),  # monthly drift; −100% would be no usage at all
    "usage_growth_sd": Bound(0.0, 1.0),
    "usage_volatility": Bound(0.0, 2.0),
}

FEATURE_BOUNDS: dict[str, Bound] = {
    "requests_per_month": Bound(0.0, 1e11),
    "launch_month": Bound(0, 59, integer=True),  # and below term_months
    "growth": Bound(-1.0, 1.0, low_open=True),  # monthly rate; the engine truncates draws above −1
    "growth_sd": Bound(0.0, 1.0),
    "volatility": Bound(0.0, 2.0),
    "input_tokens": Bound(0.0, 10_000_000),  # per request; 1M context models with room to spare
    "output_tokens": Bound(0.0, 1_000_000),
    "tokens_sd": Bound(0.0, 2.0),
    "cache_hit_rate": SHARE,
    "cache_write_rate": SHARE,
    "batch_share": SHARE,
    "seasonality": Bound(0.0, 100.0, low_open=True),  # each calendar-month multiplier
    "model_share": SHARE,
}
