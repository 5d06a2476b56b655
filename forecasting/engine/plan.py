"""What a run decides before it draws a single number: variants, seat decisions, blocks.

Everything here is a deterministic function of the `ForecastInput`, so every worker that runs a block
rebuilds the same `RunPlan` and blocks stay independent of one another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from forecasting.engine.api_path import ApiVariant, cost_per_request_usd
from forecasting.engine.commitment import Period, contract_periods
from forecasting.engine.inputs import (
    Correlation,
    ForecastInput,
    LeverTargets,
    ModelPrice,
    PlannedLever,
    SeatContract,
    SeatPlan,
    TeamInput,
)
from forecasting.engine.joint import PILOT_TRIALS, JointOutcome, rates_for, solve
from forecasting.engine.seat_path import TeamDecision, decide_team
from forecasting.engine.seats.organization import OrganizationMinimum, organization_minimums
from forecasting.engine.streams import block_sizes

# Sensitivity runs on the first blocks only (docs/decisions.md#sensitivity allows a subsample;
# its standard error is reported).
SENSITIVITY_TRIALS = 5_000
# How far each driver moves in the tornado (docs/decisions.md#sensitivity:
# "moved down and up by a stated amount").
GROWTH_SHIFT = 0.02  # feature growth, absolute change of the monthly rate
TOKENS_SCALE = 0.20  # tokens per request, relative
CACHE_HIT_SHIFT = 0.10  # cache hit rate, absolute
HEADCOUNT_SCALE = 0.20  # end headcount, relative
ADOPTION_SHIFT = 0.10  # end adoption, absolute
INTENSITY_SCALE = 0.20  # usage median and p90, relative
CAPACITY_SCALE = 0.20  # every plan's capacity, relative
# Correlation: every loading this much lower (floored at 0) and higher (capped at 1). 0.3 is the suggested
# loading of docs/scenario.md#correlation, so a scenario without a correlation
# section sees what the suggested loadings would do (stated reasoning, docs/decisions.md#sensitivity).
CORRELATION_SHIFT = 0.30
QUARTER_MONTHS = 3  # the concession "seats removable quarterly"
# Trials of the joint seat-and-commitment pilot (joint.PILOT_TRIALS; 0 turns the joint decision off, as
# the tests and benchmarks/joint_bench.py do to get the sequential decision alone).
JOINT_PILOT_TRIALS = PILOT_TRIALS

LEVERS = ("model_mix", "cache_hit_rate", "batch_share")


@dataclass(frozen=True)
class SeatScenario:
    """One version of the seat path: its teams, plans and the decisions made for them."""

    name: str
    teams: tuple[TeamInput, ...]
    plans: Mapping[str, SeatPlan]
    contract: SeatContract
    decisions: tuple[TeamDecision, ...]
    exact_max_engineers: int | None = None  # None: the seat path's default cut-off for exact draws
    correlation: Correlation | None = None  # None: the run's loadings (the sensitivity's driver sets its own)
    # Organisation-scoped minimums kept and topped up in the simulation, and what was decided about each
    # (docs/decisions.md#minimum-seats)
    organization_minimums: tuple[OrganizationMinimum, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunPlan:
    inp: ForecastInput
    extras: bool
    periods: tuple[Period, ...]
    blocks: tuple[int, ...]  # trials per block
    models: Mapping[str, ModelPrice]
    api_variants: tuple[ApiVariant, ...]  # base first, then levers (every block)
    api_planned: ApiVariant | None  # the planned levers from their start months (every block); None: none
    api_sensitivity: tuple[ApiVariant, ...]  # sensitivity variants (sensitivity blocks only)
    seats: SeatScenario  # the recommendation (with quarterly seat counts too when `extras`)
    seat_sensitivity: tuple[SeatScenario, ...]
    sensitivity_blocks: int
    # seats and the commitment decided together (docs/decisions.md#seats-and-commitment-together)
    joint: JointOutcome | None = None

    @property
    def trials(self) -> int:
        return sum(self.blocks)

    def block_offset(self, block: int) -> int:
        return sum(self.blocks[:block])


# map(function, teams): the built-in one, or a process pool's (decisions are pure, so either gives the same).
TeamMap = Callable[[Callable[[TeamInput], TeamDecision], Iterable[TeamInput]], Iterator[TeamDecision]]


def plan_run(inp: ForecastInput, *, extras: bool = True, map_teams: TeamMap = map) -> RunPlan:
    """Decide everything that does not depend on the draws. `extras`: levers, concessions, sensitivity.
    `map_teams` runs the per-team seat decisions (a process pool's map spreads them over processes)."""
    models = {m.key: m for m in inp.models}
    plans = {p.key: p for p in inp.plans}
    blocks = tuple(block_sizes(inp.trials, inp.block_trials))
    sensitivity_blocks = _sensitivity_blocks(blocks) if extras else 0
    periods = contract_periods(inp.term_months, inp.api_contract.commitment_period_months)
    planned = planned_variant(inp, models)
    contract = _base_contract(inp, extras=extras)
    counts = inp.api_contract.extra_usage_counts
    sequential = seat_scenario(
        "base", inp.teams, plans, contract, inp.term_months, map_teams=map_teams, extra_usage_counts=counts
    )

    def decide(rates: Mapping[str, float], teams: Sequence[int]) -> list[TeamDecision]:
        chosen = tuple(inp.teams[j] for j in teams)
        decide_one = partial(
            decide_team,
            plans=plans,
            contract=contract,
            months=inp.term_months,
            counted_rates=rates,
            extra_usage_counts=counts,
        )
        return list(map_teams(decide_one, chosen))

    joint = solve(
        inp,
        models=models,
        plans=plans,
        seat_contract=contract,
        periods=periods,
        api_variant=planned or ApiVariant("base"),
        pilot_trials=min(JOINT_PILOT_TRIALS, blocks[0]) if blocks else 0,
        sequential=sequential.decisions,
        decide=decide,
    )
    seats = replace(sequential, decisions=joint.decisions)
    if joint.chosen == "joint":  # organisation minimums settled again on the joint decisions, at r
        redecide = partial(
            decide_team,
            plans=plans,
            contract=contract,
            months=inp.term_months,
            counted_rates=rates_for(inp, joint.rate),
            extra_usage_counts=counts,
        )
        decisions, minimums, warnings = organization_minimums(
            inp.teams, plans, contract, inp.term_months, joint.decisions, redecide
        )
        seats = replace(seats, decisions=decisions, organization_minimums=minimums, warnings=warnings)
    return RunPlan(
        inp=inp,
        extras=extras,
        periods=periods,
        blocks=blocks,
        models=models,
        api_variants=(ApiVariant("base"), *(_lever_variants(inp, models) if extras else ())),
        api_planned=planned,
        api_sensitivity=_api_sensitivity(inp, models) if extras else (),
        seats=seats,
        seat_sensitivity=_seat_sensitivity(inp, plans, map_teams, joint.rate) if extras else (),
        sensitivity_blocks=sensitivity_blocks,
        joint=joint,
    )


def seat_scenario(
    name: str,
    teams: tuple[TeamInput, ...],
    plans: Mapping[str, SeatPlan],
    contract: SeatContract,
    months: int,
    *,
    exact_max_engineers: int | None = None,
    map_teams: TeamMap = map,
    counted_rates: Mapping[str, float] | None = None,
    extra_usage_counts: bool = False,
) -> SeatScenario:
    """Decide every team of one seat scenario; `counted_rates` and `extra_usage_counts` as in
    `decide_team` (docs/decisions.md#seats-and-commitment-together)."""
    decide = partial(
        decide_team,
        plans=plans,
        contract=contract,
        months=months,
        counted_rates=counted_rates,
        extra_usage_counts=extra_usage_counts,
    )
    decisions = tuple(map_teams(decide, teams))
    # After the teams: each organisation-scoped minimum topped up or its plan dropped from every team.
    decisions, minimums, warnings = organization_minimums(teams, plans, contract, months, decisions, decide)
    return SeatScenario(
        name,
        teams,
        plans,
        contract,
        decisions,
        exact_max_engineers,
        organization_minimums=minimums,
        warnings=warnings,
    )


def _sensitivity_blocks(blocks: tuple[int, ...]) -> int:
    covered, count = 0, 0
    while count < len(blocks) and covered < SENSITIVITY_TRIALS:
        covered += blocks[count]
        count += 1
    return count


def _lever_variants(inp: ForecastInput, models: Mapping[str, ModelPrice]) -> list[ApiVariant]:
    """One variant per lever that some feature sets, and one with every lever at once."""
    variants = []
    used = [
        lever for lever in LEVERS if any(_lever_target(f.levers, lever) is not None for f in inp.features)
    ]
    for lever in used:
        variants.append(
            ApiVariant(f"lever:{lever}", cost_per_request_usd=_lever_costs(inp, models, (lever,)))
        )
    if len(used) > 1:
        variants.append(ApiVariant("lever:all", cost_per_request_usd=_lever_costs(inp, models, tuple(used))))
    return variants


def planned_variant(inp: ForecastInput, models: Mapping[str, ModelPrice]) -> ApiVariant | None:
    """The spend the commitment is sized on when levers are planned (docs/decisions.md#planned-levers):
    base costs before the first start month, then from each start month on the costs with every lever
    started by then, priced exactly as the lever variants are (`_lever_costs`). None when nothing is planned.
    """
    if not inp.planned_levers:
        return None
    _check_planned(inp, inp.planned_levers)
    switches = tuple((month, _lever_costs(inp, models, active)) for month, active in _schedule(inp))
    return ApiVariant("planned", switches=switches)


def _schedule(inp: ForecastInput) -> list[tuple[int, tuple[str, ...]]]:
    """(start month, the levers active from it) for each distinct start month of the planned levers."""
    planned = inp.planned_levers
    return [
        (
            month,
            tuple(
                lever for lever in LEVERS if any(p.lever == lever and p.start_month <= month for p in planned)
            ),
        )
        for month in sorted({p.start_month for p in planned})
    ]


def _check_planned(inp: ForecastInput, planned: tuple[PlannedLever, ...]) -> None:
    levers = [p.lever for p in planned]
    if len(set(levers)) != len(levers):
        raise ValueError(f"planned levers must be distinct, got {levers}")
    for p in planned:
        if p.lever not in LEVERS:
            raise ValueError(f"unknown token lever {p.lever!r}; use one of {', '.join(LEVERS)}")
        if not 0 <= p.start_month < inp.term_months:
            raise ValueError(f"planned lever {p.lever}: start month {p.start_month} is outside the term")
        if all(_lever_target(f.levers, p.lever) is None for f in inp.features):
            raise ValueError(f"planned lever {p.lever}: no feature sets a target for it")


def _lever_target(levers: LeverTargets | None, lever: str) -> Any:
    return None if levers is None else getattr(levers, lever)


def _lever_costs(
    inp: ForecastInput, models: Mapping[str, ModelPrice], levers: tuple[str, ...], cache_shift: float = 0.0
) -> tuple[float, ...]:
    """Each feature's cost per request with `levers` at their targets; `cache_shift` then moves the hit
    rate (the lever's target, or the feature's own) as the sensitivity's cache driver does."""
    costs = []
    for feature in inp.features:
        overrides: dict[str, Any] = {lever: _lever_target(feature.levers, lever) for lever in levers}
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if "cache_hit_rate" in overrides:  # a higher hit rate cannot push hits + writes above 1
            overrides["cache_hit_rate"] = min(
                float(overrides["cache_hit_rate"]), 1.0 - feature.cache_write_rate
            )
        if cache_shift:
            hit = float(overrides.get("cache_hit_rate", feature.cache_hit_rate)) + cache_shift
            overrides["cache_hit_rate"] = min(max(hit, 0.0), 1.0 - feature.cache_write_rate)
        costs.append(cost_per_request_usd(feature, models, **overrides))
    return tuple(costs)


def _api_sensitivity(inp: ForecastInput, models: Mapping[str, ModelPrice]) -> tuple[ApiVariant, ...]:
    def cache_costs(shift: float) -> tuple[float, ...]:
        return tuple(
            cost_per_request_usd(
                f, models, cache_hit_rate=min(max(f.cache_hit_rate + shift, 0.0), 1.0 - f.cache_write_rate)
            )
            for f in inp.features
        )

    def planned(shift: float = 0.0) -> tuple[tuple[int, tuple[float, ...]], ...]:
        """With planned levers, every driver moves around the planned spend: the same switches, priced
        with the hit rate moved by `shift` (docs/decisions.md#planned-levers)."""
        return tuple((month, _lever_costs(inp, models, active, shift)) for month, active in _schedule(inp))

    low, high = correlation_moves(inp.correlation)
    return (
        ApiVariant("growth:low", growth_shift=-GROWTH_SHIFT, switches=planned()),
        ApiVariant("growth:high", growth_shift=GROWTH_SHIFT, switches=planned()),
        ApiVariant("tokens:low", tokens_scale=1 - TOKENS_SCALE, switches=planned()),
        ApiVariant("tokens:high", tokens_scale=1 + TOKENS_SCALE, switches=planned()),
        # A lower cache hit rate costs more, so "low" (the cheaper side, labelled "+10 pp" in
        # analyses.DRIVER_MOVES) is the higher hit rate (tests/engine/test_sensitivity_direction.py).
        ApiVariant(
            "cache_hit_rate:low",
            cost_per_request_usd=cache_costs(CACHE_HIT_SHIFT),
            switches=planned(CACHE_HIT_SHIFT),
        ),
        ApiVariant(
            "cache_hit_rate:high",
            cost_per_request_usd=cache_costs(-CACHE_HIT_SHIFT),
            switches=planned(-CACHE_HIT_SHIFT),
        ),
        # The one driver of both paths: analyses.sensitivity pairs these with the seat scenarios of the
        # same names (the same loadings on the seat side).
        ApiVariant("correlation:low", correlation=low, switches=planned()),
        ApiVariant("correlation:high", correlation=high, switches=planned()),
    )


def correlation_moves(correlation: Correlation) -> tuple[Correlation, Correlation]:
    """The correlation driver's two sides: every loading CORRELATION_SHIFT lower (floored at 0, i.e.
    independence for a scenario without correlation) and CORRELATION_SHIFT higher (capped at 1)."""

    def moved(sign: float) -> Correlation:
        def loading(value: float) -> float:
            return min(max(value + sign * CORRELATION_SHIFT, 0.0), 1.0)

        c = correlation
        return Correlation(teams=loading(c.teams), features=loading(c.features), paths=loading(c.paths))

    return moved(-1.0), moved(1.0)


def _base_contract(inp: ForecastInput, *, extras: bool) -> SeatContract:
    """The seat contract decided on; with `extras`, seat counts per quarter are chosen as well, so the
    concession "seats removable quarterly" is priced on the same draws (`TeamBlock.cost_windowed_usd`)."""
    if not extras or not inp.seat_contract.annual_term or inp.seat_contract.removable_every_months:
        return inp.seat_contract
    return replace(inp.seat_contract, removable_every_months=QUARTER_MONTHS)


def _seat_sensitivity(
    inp: ForecastInput, plans: Mapping[str, SeatPlan], map_teams: TeamMap, rate: float = 1.0
) -> tuple[SeatScenario, ...]:
    """The seat drivers moved down and up, each decided at the joint decision's rate r (the rate the
    recommendation was decided at), so the baseline and the variants decide as the recommendation does."""
    if not inp.teams:
        return ()
    rates, counts = rates_for(inp, rate), inp.api_contract.extra_usage_counts
    # The tornado compares variants with a baseline priced the same way: all on the fast seat path (no
    # exact per-engineer draws for small teams), which keeps the subsample cheap and the differences fair.
    months, contract = inp.term_months, inp.seat_contract
    out = [
        seat_scenario(
            "baseline",
            inp.teams,
            plans,
            contract,
            months,
            exact_max_engineers=0,
            map_teams=map_teams,
            counted_rates=rates,
            extra_usage_counts=counts,
        )
    ]
    # Correlation leaves the marginals, hence the decisions, as they are: the baseline's, re-drawn. A side
    # with the run's own loadings is the baseline itself (analyses.sensitivity then uses the baseline).
    for side, correlation in zip(("low", "high"), correlation_moves(inp.correlation), strict=True):
        if correlation != inp.correlation:
            out.append(replace(out[0], name=f"correlation:{side}", correlation=correlation))
    for side, sign in (("low", -1.0), ("high", 1.0)):
        for driver, (teams, moved) in _seat_moves(inp, plans, sign).items():
            out.append(
                seat_scenario(
                    f"{driver}:{side}",
                    teams,
                    moved,
                    contract,
                    months,
                    exact_max_engineers=0,
                    map_teams=map_teams,
                    counted_rates=rates,
                    extra_usage_counts=counts,
                )
            )
    return tuple(out)


def _seat_moves(
    inp: ForecastInput, plans: Mapping[str, SeatPlan], sign: float
) -> dict[str, tuple[tuple[TeamInput, ...], Mapping[str, SeatPlan]]]:
    """Each seat driver moved one way (sign -1 down, +1 up) by its stated amount."""
    scale, intensity = 1 + sign * HEADCOUNT_SCALE, 1 + sign * INTENSITY_SCALE
    capacity = 1 + sign * CAPACITY_SCALE
    return {
        "headcount": (tuple(replace(t, headcount_end=t.headcount_end * scale) for t in inp.teams), plans),
        "adoption": (
            tuple(
                replace(t, adoption_end=min(max(t.adoption_end + sign * ADOPTION_SHIFT, 0.0), 1.0))
                for t in inp.teams
            ),
            plans,
        ),
        "usage_intensity": (
            tuple(
                replace(
                    t,
                    usage_median_usd=t.usage_median_usd * intensity,
                    usage_p90_usd=t.usage_p90_usd * intensity,
                )
                for t in inp.teams
            ),
            plans,
        ),
        "plan_capacity": (
            inp.teams,
            {k: replace(p, capacity_usd=p.capacity_usd * capacity) for k, p in plans.items()},
        ),
    }
