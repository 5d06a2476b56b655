"""The result of a forecast run, typed: the one definition of the output contract (docs/result.md).

The engine builds a `ForecastResult` (`forecasting.engine.results.build_result`), the run stores
`to_json(result)`, the API's OpenAPI component `ForecastResult` is generated from these classes
(`forecasting.api.schema`) and `reports/` reads stored results as these types. Money is in USD and
unrounded, shares and probabilities are fractions (0.12 is 12%). A key is left out of no level: parts
without a value are null or empty lists, never absent. Descriptions for the OpenAPI document are the
classes' docstrings and the `Annotated[..., "description"]` of a field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from forecasting.engine.jsondata import json_data

Usd = Annotated[float, "USD"]
Share = Annotated[float, "A fraction: 0.12 is 12%."]

Lever = Literal["model_mix", "cache_hit_rate", "batch_share", "all"]
ConcessionName = Literal[
    "rollover_25",
    "overage_at_committed_rate",
    "ramp_allowed",
    "band_thresholds_20pct_lower",
    "seats_removable_quarterly",
]
Driver = Literal[
    "growth",
    "tokens",
    "cache_hit_rate",
    "headcount",
    "adoption",
    "usage_intensity",
    "plan_capacity",
    "correlation",
]


class Simulation(TypedDict):
    """How the Monte Carlo ran."""

    trials: int
    seed: int
    engine_version: str
    seconds: Annotated[float, "Wall-clock seconds of the run (the only figure that differs between reruns)."]
    block_trials: int
    blocks: int


class Catalog(TypedDict):
    """The price catalog the run priced with."""

    slug: str
    as_of: Annotated[str, "The catalog's date, YYYY-MM-DD."]


class CostBand(TypedDict):
    """Percentiles of a cost over the trials, USD."""

    p5: Usd
    p50: Usd
    p95: Usd


class Distribution(TypedDict):
    """Mean and percentiles of a spend over the trials, USD."""

    mean: Usd
    p5: Usd
    p50: Usd
    p95: Usd


class PeriodSpend(TypedDict):
    """Mean and percentiles of the list API spend in a contract period, USD."""

    mean: Usd
    p5: Usd
    p10: Usd
    p50: Usd
    p90: Usd
    p95: Usd


class MonthlySpend(TypedDict):
    """List API spend in one month, USD."""

    month: Annotated[str, "YYYY-MM"]
    mean: Usd
    p5: Usd
    p50: Usd
    p95: Usd


class FeatureSpend(TypedDict):
    """List API spend of one feature over the term."""

    name: str
    spend: Distribution


class CommitmentPoint(TypedDict):
    """One commitment for a period and what it costs in expectation (USD)."""

    commitment: Annotated[float, "Committed spend for the period, USD."]
    discount: Share
    expected_cost: Usd
    expected_unused: Usd
    probability_unused: Annotated[float, "Probability that part of the commitment goes unused."]
    expected_overage: Usd
    p95_cost: Usd


class Baselines(TypedDict):
    """The simple commitments the recommendation is compared with."""

    no_commitment: CommitmentPoint
    run_rate: CommitmentPoint
    median: CommitmentPoint


class ApiPeriod(TypedDict):
    """One contract period of the API commitment (docs/decisions.md#api-commitment-per-period)."""

    index: Annotated[int, "0-based"]
    start_month: Annotated[str, "YYYY-MM"]
    months: int
    spend: PeriodSpend
    recommended: CommitmentPoint
    curve: Annotated[list[CommitmentPoint], "Expected cost against commitment (the chart's curve)."]
    baselines: Baselines


class Api(TypedDict):
    """The API path: list spend and the recommended commitment per contract period."""

    monthly: list[MonthlySpend]
    features: list[FeatureSpend]
    claude_code_api_usage_counts: Annotated[
        bool, "Whether API-billed Claude Code usage draws down the API commitment."
    ]
    extra_usage_counts: Annotated[
        bool, "Whether the seat plans' extra usage draws down the API commitment (false by default)."
    ]
    claude_code_api_spend: Annotated[Distribution, "API-billed Claude Code spend over the term."]
    expected_cost: Annotated[float, "API cost over the term at the recommendation, USD."]
    cost: CostBand
    expected_unused: Usd
    periods: list[ApiPeriod]


class PlanShare(TypedDict):
    """One plan of a team's recommended mix."""

    plan: Annotated[str, "A plan key of the catalog (`api`: billed by the API, no seat)."]
    share: Annotated[float, "Share of the team's active engineers on this plan."]
    annual_seats: Annotated[int, "Annual seats bought for the first seat year (annual_seats_by_year[0])."]
    annual_seats_by_year: Annotated[
        list[int],
        "Annual seats per seat year of 12 months (the last may be shorter), re-chosen at each renewal.",
    ]
    expected_monthly_seats: Annotated[float, "Mean seats bought month to month on top of the annual ones."]
    annual_seats_by_quarter: Annotated[
        list[int] | None, "Annual seats per quarter when seats are removable quarterly, else null."
    ]


class PlanCost(TypedDict):
    """The cost if every active engineer of the team were on one plan."""

    plan: str
    expected_cost_per_engineer_month: Usd


class BreakEven(TypedDict):
    """The typical monthly usage (month-0 median of an engineer at that persistent level) at which the next
    plan's expected cost per engineer-month becomes lower."""

    from_plan: str
    to_plan: str
    monthly_usage_usd: Usd


class PlanCostLine(TypedDict):
    """One plan's expected cost per active engineer-month along `PlanCostCurve.usage_usd`."""

    plan: str
    seat_price_usd: Annotated[
        float,
        "The seat price the decision compared, USD per seat-month (annual where annual seats are bought).",
    ]
    capacity_usd: Annotated[float, "The plan's median capacity, API-equivalent USD per month."]
    cost_per_engineer_month: list[Usd]


class PlanCostCurve(TypedDict):
    """The curves the plan mix is cut from: they cross at the team's break-evens."""

    usage_usd: Annotated[
        list[float], "Typical monthly usage of an engineer (month-0 median at their level), USD, ascending."
    ]
    plans: list[PlanCostLine]


class Team(TypedDict):
    """The seat decision and seat cost of one team (docs/decisions.md#seats-per-team)."""

    name: str
    mix: list[PlanShare]
    plan_costs: list[PlanCost]
    break_even: list[BreakEven]
    plan_cost_curve: Annotated[
        PlanCostCurve | None,
        "Cost per engineer-month against typical usage; null when all engineers are alike.",
    ]
    best_single_plan: PlanCost
    expected_cost: Annotated[
        float,
        "Seat cost over the term the decision minimises, USD: expected_cash_cost + expected_blocked_value.",
    ]
    cost: CostBand
    expected_seat_fees: Usd
    expected_idle_seat_cost: Usd
    expected_extra_usage: Usd
    expected_blocked_usage: Annotated[
        float,
        "Blocked usage valued at blocked_usage_value, USD (not paid); equals expected_blocked_value.",
    ]
    expected_api_billed_usage: Usd
    expected_blocked_usage_usd: Annotated[
        float, "API-equivalent usage refused by plans' limits over the term, USD, unvalued (not paid)."
    ]
    expected_blocked_value: Annotated[
        float, "expected_blocked_usage_usd x blocked_usage_value: the lost work the decision counts, USD."
    ]
    expected_cash_cost: Annotated[
        float, "What is paid over the term, USD: seat fees + extra usage + API-billed usage."
    ]
    warnings: list[str]


class Seats(TypedDict):
    """The seat path: every team and their sum."""

    teams: list[Team]
    expected_cost: Usd
    cost: CostBand


class Total(TypedDict):
    """API plus seats, with API-billed seat usage counted once, USD."""

    expected_cost: Usd
    cost: CostBand


class BlendedSide(TypedDict):
    """One way of sizing the commitment."""

    commitments: Annotated[list[float], "Commitment per period, USD."]
    expected_cost: Annotated[float, "Total cost over the term (API and seats), USD."]
    expected_unused: Usd


class BlendedVsSeparated(TypedDict):
    """One commitment sized on API and seat spend together vs the API alone.

    See docs/decisions.md#blended-vs-separated.
    """

    blended: BlendedSide
    separated: BlendedSide
    expected_saving: Annotated[float, "Blended expected cost minus separated, USD."]


class TokenLever(TypedDict):
    """What one token lever saves (docs/decisions.md#token-levers)."""

    lever: Lever
    description: str
    expected_saving: Annotated[float, "Expected API cost saved over the term, USD."]
    commitments: Annotated[list[float], "The commitment per period re-sized on the lever's spend, USD."]


class PlannedLeverStart(TypedDict):
    """A planned token lever and the month it lands (docs/scenario.md#planned-levers)."""

    lever: Literal["model_mix", "cache_hit_rate", "batch_share"]
    start_month: Annotated[str, "YYYY-MM, inside the term."]


class PlannedLevers(TypedDict):
    """The recommendation is sized on the planned spend (each planned lever from its start month on); this
    is the unoptimised answer beside it and what each side risks (docs/decisions.md#planned-levers)."""

    levers: Annotated[list[PlannedLeverStart], "Earliest start month first."]
    unoptimised_commitments: Annotated[
        list[float], "The commitment per period sized on the unoptimised spend (no lever), USD."
    ]
    unoptimised_expected_cost: Annotated[
        float, "Expected API cost of the unoptimised commitments settled against the planned spend, USD."
    ]
    cost_of_committing_before_levers_land: Annotated[
        float,
        "unoptimised_expected_cost minus the recommendation's expected API cost (api.expected_cost), USD: "
        "what sizing on today's spend costs once the levers land; >= 0 up to the search's tolerance.",
    ]
    expected_cost_if_levers_slip: Annotated[
        float,
        "Expected API cost of the recommended commitments if no planned lever lands (settled against the "
        "unoptimised spend), USD.",
    ]
    cost_if_levers_slip: Annotated[
        float,
        "expected_cost_if_levers_slip minus the unoptimised commitments' expected cost on the unoptimised "
        "spend, USD: the risk of committing against levers that do not land; >= 0 up to the search's "
        "tolerance.",
    ]


class Concession(TypedDict):
    """What one contract ask is worth (docs/decisions.md#concessions)."""

    name: ConcessionName
    description: str
    expected_saving: Annotated[float, "Expected cost saved over the term, USD."]


class CommitmentRange(TypedDict):
    """The commitments of one period whose expected cost is within `tolerance` of the optimum
    (docs/decisions.md#recommended-range): the contiguous stretch of the cost curve around the recommendation,
    found by bisection on all trials. The periods move as they do on the cost curve."""

    index: Annotated[int, "0-based period"]
    low: Annotated[CommitmentPoint, "The smallest commitment in the range."]
    high: Annotated[CommitmentPoint, "The largest commitment in the range."]
    recommended: Annotated[CommitmentPoint, "The point picked inside the range (by `Negotiation.rule`)."]


class WalkAway(TypedDict):
    """The limits of one period beyond which the deal stops paying (docs/decisions.md#walk-away-points)."""

    index: Annotated[int, "0-based period"]
    band_floor: Annotated[
        float | None,
        "The lowest commitment that keeps the recommended band's discount, USD (prorated for a short "
        "period); null when the recommendation earns no discount.",
    ]
    above_list_commitment: Annotated[
        float | None,
        "The commitment above which committing costs more in expectation than paying list (no "
        "commitment), USD; null when the recommendation is no commitment.",
    ]


class Ask(TypedDict):
    """One line of the negotiation sheet (docs/decisions.md#negotiation-sheet)."""

    term: Annotated[str, "A stable key: discount_depth, band_thresholds, ramp, rollover, ..."]
    title: str
    opening: Annotated[str, "The opening ask in words."]
    opening_value: Annotated[float | None, "Expected saving over the term if the opening ask is won, USD."]
    target: Annotated[str, "The target in words."]
    target_value: Annotated[
        float | None, "Expected saving over the term at the target, USD; null when the model cannot price it."
    ]
    walk_away: Annotated[str, "The point beyond which to walk away, in words."]
    trade: Annotated[str, "What could be traded for it."]
    basis: Annotated[str, "How the value was computed."]


class Negotiation(TypedDict):
    """What to sign, the recommended range, walk-away points and the negotiation sheet
    (docs/decisions.md#negotiation)."""

    tolerance: Annotated[Share, "The recommended range's relative slack on the term's expected API cost."]
    rule: Annotated[str, "How the recommended point is picked inside the range, in words."]
    ranges: list[CommitmentRange]
    walk_away: list[WalkAway]
    least_discount: Annotated[
        float | None,
        "The least discount at which committing the recommended amounts still beats paying list in "
        "expectation; null when the recommendation is no commitment.",
    ]
    value_per_discount_point: Annotated[
        float | None,
        "Expected saving over the term of one more percentage point of discount on every band (the "
        "commitment re-optimised), USD; null without a commitment.",
    ]
    asks: Annotated[list[Ask], "Largest target value first; unpriced asks last."]


class SensitivityRow(TypedDict):
    """One driver moved down and up (docs/decisions.md#sensitivity)."""

    driver: Driver
    low: Annotated[str, "The driver's low setting in words."]
    high: Annotated[str, "The driver's high setting in words."]
    expected_cost_low: Usd
    expected_cost_high: Usd
    commitment_low: Annotated[float, "First period's recommended commitment, USD."]
    commitment_high: Annotated[float, "First period's recommended commitment, USD."]


class SensitivityBaseline(TypedDict):
    """The unmoved case on the sensitivity subsample, which the rows are compared with."""

    trials: int
    expected_cost: Usd
    commitment: Annotated[float, "First period's recommended commitment, USD."]
    standard_error: Annotated[float, "Monte Carlo standard error of expected_cost, USD."]


class StandardErrors(TypedDict):
    """Monte Carlo standard errors of the headline means, USD."""

    total_expected_cost: Usd
    api_expected_cost: Usd
    seats_expected_cost: Usd
    commitment: Annotated[list[float], "Of the recommended commitment, per period."]
    sensitivity_expected_cost: Annotated[float | None, "Null when the run has no sensitivity analysis."]


class Diagnostics(TypedDict):
    """How much to trust the numbers."""

    standard_errors: StandardErrors
    warnings: list[str]


class ValueOfInformation(TypedDict):
    """What knowing one uncertain input before signing would save on the API commitment
    (docs/decisions.md#value-of-information)."""

    group: Annotated[str, "`growth`, `tokens_per_request`, or `all` (every input: the EVPI)."]
    description: str
    evppi: Annotated[float, "Expected value of (partial) perfect information, USD over the term."]


class SeatsAndCommitment(TypedDict):
    """Seats and the commitment decided together (docs/decisions.md#seats-and-commitment-together): seat
    usage that draws down the commitment is priced at the effective committed rate when seats are chosen.
    The expected costs are the pilot's (its trials only, common random numbers), over the teams with a
    counting plan: their seats outside the API plus the whole API cost at the re-optimised commitment."""

    chosen: Annotated[
        Literal["sequential", "joint"],
        "Which seat decisions the run uses: the sequential ones (counted usage at list) or the joint ones.",
    ]
    rate: Annotated[float, "The rate r per list dollar the returned seat decisions were made at (1: list)."]
    rates: Annotated[list[float], "r after each alternation (API cost / list spend at the optimum)."]
    iterations: int
    pilot_trials: Annotated[int, "Trials of the pilot; 0 when nothing counts toward the commitment."]
    sequential_expected_cost: Annotated[Usd | None, "Null when there was nothing to decide."]
    joint_expected_cost: Annotated[Usd | None, "Null when there was nothing to decide."]
    saving: Annotated[Usd | None, "sequential - joint expected cost on the pilot; null: nothing decided."]
    saving_standard_error: Annotated[Usd | None, "Of the saving, over the pilot trials."]
    teams_changed: Annotated[int, "Teams whose seat order differs from the sequential decision."]


class ForecastResult(TypedDict):
    """The result of a forecast run (docs/result.md). Money in USD, unrounded; shares as fractions.

    Without the extra analyses, `blended_vs_separated` and `sensitivity_baseline` are null and
    `token_levers`, `concessions` and `sensitivity` are empty.
    """

    simulation: Simulation
    catalog: Catalog
    api: Api
    seats: Seats
    total: Total
    blended_vs_separated: BlendedVsSeparated | None
    token_levers: list[TokenLever]
    planned_levers: Annotated[PlannedLevers | None, "Null when the scenario plans no token lever."]
    concessions: Annotated[list[Concession], "Largest saving first."]
    sensitivity: Annotated[list[SensitivityRow], "Largest swing in expected cost first."]
    sensitivity_baseline: SensitivityBaseline | None
    negotiation: Annotated[Negotiation | None, "Null without the extra analyses."]
    value_of_information: Annotated[
        list[ValueOfInformation], "Largest first; empty without the extra analyses."
    ]
    diagnostics: Diagnostics
    seats_and_commitment: SeatsAndCommitment


def to_json(result: ForecastResult) -> dict[str, Any]:
    """The result as plain JSON data to store or send (`json_data`: a NaN or an infinity is an error)."""
    data: dict[str, Any] = json_data(result)
    return data
