"""Engine inputs: the scenario (docs/scenario.md) with every catalog number resolved.

Frozen dataclasses only; no Django, no I/O. Money is USD, rates are fractions, months are 0-based
offsets from the scenario's start month. The Django side (`forecasting.services`) builds these from a
saved scenario and its price catalog; tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

OverflowRule = Literal["extra_usage", "blocked"]
OverageRegime = Literal["list", "committed_rate"]
CacheTtl = Literal["5m", "1h"]
LeverName = Literal["model_mix", "cache_hit_rate", "batch_share"]
MinSeatsScope = Literal["organization", "team"]

API_PLAN = "api"  # the pseudo-plan "no seat, pay per token at list"


@dataclass(frozen=True)
class ModelPrice:
    """List prices of one model, USD per million tokens, with its cache, batch and long-context rules.

    The one price type of the project: the engine's models and the usage importer's price table
    (`procurement.imports.pricing`) both hold these, priced by `forecasting.engine.pricing`. The defaults
    are the catalog's general multipliers (docs/pricing.md): 5-minute cache write 1.25x input, 1-hour
    write 2x, cache read 0.1x, Batch 0.5x. `key` is the catalog model key, keyword-only; a table already
    keyed by model (the importer's) may leave it empty.
    """

    key: str = field(default="", kw_only=True)
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    cache_write_5m_multiplier: float = 1.25
    cache_write_1h_multiplier: float = 2.0
    cache_read_multiplier: float = 0.10
    batch_multiplier: float = 0.5
    # When a request's input (uncached + cache reads + cache writes) exceeds the threshold, the whole
    # request is billed at the long-context rates (Sonnet 4 / 4.5). None: no long-context premium.
    long_context_threshold_tokens: int | None = None
    long_context_input_usd_per_mtok: float | None = None
    long_context_output_usd_per_mtok: float | None = None


@dataclass(frozen=True)
class SeatPlan:
    """A seat plan. `capacity_usd` is the API-equivalent monthly usage it covers (median across trials)."""

    key: str
    monthly_usd: float
    annual_monthly_usd: float | None  # price per seat-month when billed annually; None: monthly only
    capacity_usd: float  # 0 for the `api` pseudo-plan and for usage-billed Enterprise seats
    capacity_sd: float  # per-trial log-sd of capacity (limits change)
    overflow: OverflowRule
    min_seats: int = 0
    # Where `min_seats` applies (docs/decisions.md#minimum-seats): "team", each team's seats of the plan
    # (a floor per team), or "organization", the seats of the plan summed over all teams. Default "team":
    # the stricter reading (a floor per team never costs less than one per organisation), and what a
    # catalog snapshot saved before the field existed was computed with.
    min_seats_scope: MinSeatsScope = "team"


@dataclass(frozen=True)
class TeamInput:
    """A cohort of exchangeable engineers (docs/scenario.md#teams)."""

    name: str
    headcount_now: float
    headcount_end: float
    headcount_sd: float
    adoption_now: float
    adoption_end: float
    usage_median_usd: float
    usage_p90_usd: float
    usage_persistence: float = 0.6
    usage_growth: float = 0.0
    usage_growth_sd: float = 0.0
    usage_volatility: float = 0.0
    allowed_plans: tuple[str, ...] = (API_PLAN,)


@dataclass(frozen=True)
class LeverTargets:
    """Target values of a feature's token levers (docs/decisions.md#token-levers);
    None leaves a lever as it is."""

    model_mix: tuple[tuple[str, float], ...] | None = None
    cache_hit_rate: float | None = None
    batch_share: float | None = None


@dataclass(frozen=True)
class PlannedLever:
    """A token lever the organisation plans to pull and the month it lands, as a 0-based offset from the
    scenario's start month (docs/decisions.md#planned-levers). The commitment is sized on the spend with
    every planned lever from its start month on."""

    lever: LeverName
    start_month: int = 0


@dataclass(frozen=True)
class FeatureInput:
    """An API feature (docs/scenario.md#features)."""

    name: str
    requests_per_month: float
    model_mix: tuple[tuple[str, float], ...]  # (model key, share), shares sum to 1
    input_tokens: float
    output_tokens: float
    launch_month: int = 0
    growth: float = 0.0
    growth_sd: float = 0.0
    volatility: float = 0.0
    tokens_sd: float = 0.0
    cache_hit_rate: float = 0.0
    cache_write_rate: float = 0.0
    cache_ttl: CacheTtl = "5m"
    batch_share: float = 0.0
    seasonality: tuple[float, ...] | None = None  # 12 calendar-month multipliers, January first
    levers: LeverTargets | None = None


@dataclass(frozen=True)
class DiscountBand:
    min_commitment_usd: float
    discount: float


# The scenario's commitment grid when it names none: commitments are signed in whole thousands of dollars,
# since a contract amount is a round figure and a $1,000 step against commitments of $10^5..10^7 moves the
# expected cost by well under 0.1% (stated reasoning; docs/scenario.md#contract-the-api-commitment). Here
# so that the scenario validator (procurement) and its conversion (forecasting.scenario_inputs) share it.
DEFAULT_COMMITMENT_GRANULARITY_USD = 1_000.0


@dataclass(frozen=True)
class ApiContract:
    commitment_period_months: int = 12
    discount_bands: tuple[DiscountBand, ...] = (DiscountBand(0.0, 0.0),)
    overage: OverageRegime = "list"
    rollover_share: float = 0.0
    ramp_allowed: bool = False
    max_unused_probability: float | None = None
    claude_code_api_usage_counts: bool = True
    # Whether the extra usage of seat plans (usage beyond a seat's limit, billed at standard API list rates)
    # draws down the API commitment. Default False: Anthropic sells it with the seat plan (Team owners
    # pre-purchase usage credits, seat-based Enterprise is billed at month end; support article 12005970),
    # and nothing published says it counts toward an API commitment, so it counts only where the contract
    # says so; False also reproduces every earlier result (docs/decisions.md#seats-and-commitment-together).
    extra_usage_counts: bool = False
    # Commitments are whole multiples of this (docs/decisions.md#api-commitment-per-period); None: any
    # amount (the engine's exact continuous optimum). Scenarios default to 1,000 (docs/scenario.md).
    commitment_granularity_usd: float | None = None


@dataclass(frozen=True)
class SeatContract:
    annual_term: bool = True
    blocked_usage_value: float = 1.0
    removable_every_months: int | None = None  # None: annual seats stay for the whole term


@dataclass(frozen=True)
class Correlation:
    """Loadings of the common factors (docs/model.md#correlation), each in [0, 1].

    `features` loads a company-wide traffic factor F on every feature's trial-level growth, `teams` a
    company-wide usage factor T on every team's usage drift, `paths` a factor P shared by F and T
    (F = paths x P + sqrt(1 - paths^2) x own noise, likewise T). Two features' growth normals then
    correlate features^2, two teams' drift normals teams^2, a feature and a team features x teams x paths^2.
    The defaults are 0 (independent: the model before correlation existed, kept so a scenario without a
    `correlation` section forecasts as it did); docs/scenario.md#correlation suggests 0.3, 0.3 and 0.2.
    """

    teams: float = 0.0
    features: float = 0.0
    paths: float = 0.0

    def __post_init__(self) -> None:
        for name in ("teams", "features", "paths"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:  # also refuses nan
                raise ValueError(f"correlation {name} must be a loading in [0, 1], got {value}")


@dataclass(frozen=True)
class ForecastInput:
    """Everything one forecast needs. `start_calendar_month` is 1..12 (for seasonality)."""

    name: str
    start_month: str  # "YYYY-MM"
    term_months: int
    trials: int
    seed: int
    api_contract: ApiContract
    seat_contract: SeatContract
    teams: tuple[TeamInput, ...]
    features: tuple[FeatureInput, ...]
    models: tuple[ModelPrice, ...]
    plans: tuple[SeatPlan, ...]
    catalog_slug: str = ""
    catalog_as_of: str = ""
    block_trials: int = 5_000  # fixed block size: never depends on the number of workers
    planned_levers: tuple[PlannedLever, ...] = ()  # empty: the commitment is sized on unoptimised spend
    correlation: Correlation = Correlation()  # all loadings 0: teams and features move independently

    @property
    def start_calendar_month(self) -> int:
        return int(self.start_month[5:7])

    def model(self, key: str) -> ModelPrice:
        return next(m for m in self.models if m.key == key)

    def plan(self, key: str) -> SeatPlan:
        return next(p for p in self.plans if p.key == key)
