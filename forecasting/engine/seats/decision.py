"""Seat decisions per team (docs/decisions.md#seats-per-team), made before any simulation from the
inputs alone."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from forecasting.engine.inputs import SeatContract, SeatPlan, TeamInput
from forecasting.engine.seats import seat_counts
from forecasting.engine.seats.costs import MonthMoments, month_moments, plan_cost, single_plan_cost
from forecasting.engine.seats.mix import Bands, cheapest_bands
from forecasting.engine.seats.model import PlanTerms, plan_terms, validate
from forecasting.engine.seats.tables import SeatTables, build_tables
from forecasting.engine.tolerances import RELATIVE_TIE

# Months of one annual seat term: annual seats are bought for a year and re-chosen at each renewal, so a
# longer term holds one count per seat year (the catalog's annual prices are per seat for 12 months).
SEAT_YEAR_MONTHS = 12
IDLE_WARNING_SEATS = 0.5  # warn when a plan's minimum leaves this many seats idle in an average month
# Plans with a team-scoped minimum whose 2^m inclusion choices are searched: the catalog has at most two
# minimum-bearing Claude Code plans (Team premium, Enterprise), so 4 leaves room at 16 re-cuts per team.
MAX_MINIMUM_SUBSETS_PLANS = 4
# Gauss-Legendre nodes per band for the mix's expected cost (the integrand is smooth inside a band).
MIX_NODES, MIX_WEIGHTS = np.polynomial.legendre.leggauss(32)


class BreakEven(NamedTuple):
    """Where the cheapest plan changes, as the month-0 median usage of an engineer at that level."""

    from_plan: str
    to_plan: str
    monthly_usage_usd: float  # exp(mu + sigma sqrt(w) zeta): median over month noise, no drift, no shock


# The plan cost curve reported per team: typical usage levels from $10 to $10,000 a month, log-spaced.
CURVE_USAGE_LOW, CURVE_USAGE_HIGH, CURVE_POINTS = 10.0, 10_000.0, 121
# A break-even above CURVE_USAGE_HIGH (an `api` plan cheaper again at the committed rate, issue 15) widens the
# curve to this multiple of it, so every break-even the text states is a crossing the chart draws.
CURVE_BEYOND_BREAK_EVEN = 1.5


@dataclass(frozen=True)
class CostCurve:
    """C_k against the typical usage exp(mu + sigma sqrt(w) zeta) of an engineer: the curves the mix is cut
    from, so they cross exactly at the break-evens (between grid points)."""

    usage_usd: tuple[float, ...]
    lines: tuple[CurveLine, ...]  # plans in allowed order, but for those left out of the mix


class CurveLine(NamedTuple):
    plan: str
    seat_price_usd: float  # p_k: the price the decision compares (annual per seat-month where used)
    capacity_usd: float
    cost_usd: tuple[float, ...]  # C_k at each usage of the curve


class PlanCost(NamedTuple):
    plan: str
    expected_cost_per_engineer_month: float  # USD, single-plan policy


@dataclass(frozen=True)
class PlanMix:
    """One allowed plan in the recommended mix."""

    plan: str
    share: float  # of engineers (by persistent usage level)
    annual_seats: int  # held in the first seat year (annual_seats_by_year[0])
    expected_monthly_seats: float  # mean over months of the seats bought month to month
    annual_seats_by_window: tuple[int, ...] | None = None  # when seats are removable every m months
    # One count per seat year of SEAT_YEAR_MONTHS (the last may be shorter), re-chosen at each renewal;
    # empty means no annual seats in any year.
    annual_seats_by_year: tuple[int, ...] = ()

    def annual_in_year(self, year: int) -> int:
        """Annual seats held in seat year `year` (0 when none were chosen)."""
        return self.annual_seats_by_year[year] if year < len(self.annual_seats_by_year) else 0


@dataclass(frozen=True)
class TeamDecision:
    """Plan mix, break-evens, single-plan costs and seat counts of one team; plans in allowed order."""

    team: str
    months: int
    terms: tuple[PlanTerms, ...]
    mix: tuple[PlanMix, ...]
    band_edges_zeta: tuple[float, ...]  # -inf, break-even levels, +inf (standard normal units)
    band_plans: tuple[str, ...]
    break_even: tuple[BreakEven, ...]
    plan_costs: tuple[PlanCost, ...]
    best_single_plan: str
    mix_cost_per_engineer_month: float  # expected cost per active engineer-month of the mix (seat fees
    # at the effective price, no idle seats)
    window_months: int | None
    warnings: tuple[str, ...]
    cost_curve: CostCurve | None  # None when every engineer is alike (no persistent spread)
    tables: SeatTables = field(repr=False, compare=False)
    # The seat plans' extra usage counts toward the API commitment (ApiContract.extra_usage_counts):
    # the simulation then keeps it per month (`TeamBlock.extra_usage_monthly_usd`).
    extra_usage_counts: bool = False
    # Closed-form expected seat-path cost over the term (`expected_term_cost`): what the choice of
    # plans compares; organisation-scoped minimums are not in it (`seats.organization` adds them).
    expected_term_cost_usd: float = 0.0
    dropped_plans: tuple[str, ...] = ()  # plans with a team-scoped minimum left out (cheaper without)

    @property
    def plans(self) -> tuple[str, ...]:
        return tuple(m.plan for m in self.mix)

    @property
    def shares(self) -> tuple[float, ...]:
        return tuple(m.share for m in self.mix)


def decide_team(
    team: TeamInput,
    plans: Mapping[str, SeatPlan],
    contract: SeatContract,
    *,
    months: int,
    counted_rates: Mapping[str, float] | None = None,
    extra_usage_counts: bool = False,
    excluded: frozenset[str] = frozenset(),
) -> TeamDecision:
    """Choose a team's plan mix and seat counts (docs/decisions.md#seats-per-team) in closed form,
    before any simulation.

    1. Cost per active engineer-month of each allowed plan as a function of the persistent level zeta,
       C_k(zeta) = p_k + lambda_k E[(U - cap_k)^+ | zeta] (see `costs`: months weighted by expected active
       engineers; ln(1 + D) approximated by a normal in this step only). p_k is the annual price per
       seat-month where the plan has one and the contract has an annual term, else the monthly price.
    2. The mix: each engineer on the cheapest plan for their zeta; bands of zeta between break-evens give
       shares Phi(edges). Break-evens are reported as exp(mu + sigma sqrt(w) zeta), the month-0 median
       usage of an engineer at that level.
    3. `plan_costs`: C_k integrated over zeta (every engineer on plan k), and the best single plan.
    4. Seats: annual seats N_k by the newsvendor on demand Binomial(round(H_t), a_t share_k), integrated
       over the headcount draw (see `seat_counts`), at least the plan's minimum, one count per seat year
       of SEAT_YEAR_MONTHS (re-chosen at each renewal from that year's demand); with
       `removable_every_months = m` also one N per window of m months.
    5. Team-scoped minimums inside the choice (docs/decisions.md#minimum-seats): for every subset of the
       plans with a team-scoped minimum and a positive share, the expected cost over the term of the mix
       re-cut without that subset (`expected_term_cost`, the forced idle seats priced); the cheapest is
       kept, and a warning names each plan left out. A kept plan whose minimum leaves idle seats is
       warned about too. `excluded` plans (an organisation-scoped minimum dropped for every team, see
       `seats.organization`) get no engineers.

    `counted_rates`: per plan key, the rate r the decision counts per dollar of that plan's billed usage
    when it draws down the API commitment (docs/decisions.md#seats-and-commitment-together); plans not
    named, and None, count at list (r = 1, today's sequential decision). `extra_usage_counts` only marks
    the decision so that the simulation keeps the extra usage per month.
    """
    validate(team, plans, contract, months)
    rates = counted_rates or {}
    terms = tuple(
        plan_terms(plans, contract, key, counted_rate=rates.get(key, 1.0)) for key in team.allowed_plans
    )
    moments = month_moments(team, months)
    demand = seat_counts.demand_model(team, months)
    window = contract.removable_every_months
    base = tuple(k for k, p in enumerate(terms) if p.key not in excluded) or tuple(range(len(terms)))
    bands = _cut(terms, base, moments)
    shares = bands.shares(len(terms))
    floored = [k for k in base if terms[k].has_seats and terms[k].min_seats > 0 and shares[k] > 0]
    if len(floored) > MAX_MINIMUM_SUBSETS_PLANS:  # 2^m cuts: beyond this, keep every plan
        floored = []
    # The final mix's entries for the cut with every plan: its cost reads them (no second newsvendor).
    mix, entry_warnings = _mix_entries(team.name, terms, shares, demand, months, window)
    best: tuple[float, tuple[int, ...]] = (
        expected_term_cost(terms, bands, moments, demand, months, entries=mix),
        (),
    )
    cost_with_all = best[0]
    for size in range(1, len(floored) + 1):
        for dropped in itertools.combinations(floored, size):
            kept = tuple(k for k in base if k not in dropped)
            if not kept:
                continue
            cut = _cut(terms, kept, moments)
            cost = expected_term_cost(terms, cut, moments, demand, months)
            if cost < best[0] * (1 - RELATIVE_TIE):
                best, bands = (cost, dropped), cut
    if best[1]:
        mix, entry_warnings = _mix_entries(team.name, terms, bands.shares(len(terms)), demand, months, window)
    warnings = []
    for k in best[1]:
        warnings.append(
            f"{team.name}: plan {terms[k].key} needs at least {terms[k].min_seats} seats per team; its "
            f"engineers cost about ${cost_with_all - best[0]:,.0f} less over the term on other plans, so it "
            "is left out."
        )
    warnings.extend(entry_warnings)
    costs = tuple(PlanCost(p.key, single_plan_cost(p, moments)) for p in terms)
    segments = [bands.segments(k) for k in range(len(terms))]
    return TeamDecision(
        team=team.name,
        months=months,
        terms=terms,
        mix=mix,
        band_edges_zeta=bands.edges,
        band_plans=tuple(terms[k].key for k in bands.plans),
        break_even=(break_even := _break_evens(bands, terms, moments)),
        plan_costs=costs,
        best_single_plan=min(costs, key=lambda c: c.expected_cost_per_engineer_month).plan,
        mix_cost_per_engineer_month=_mix_cost(bands, terms, moments),
        window_months=window,
        warnings=tuple(warnings),
        # The curves the mix was cut from: a plan left out for its minimum (or excluded) is not drawn,
        # so the lines still cross at the break-evens.
        cost_curve=_cost_curve(
            tuple(terms[k] for k in base if k not in best[1]),
            moments,
            high_usd=max(
                [CURVE_USAGE_HIGH, *(CURVE_BEYOND_BREAK_EVEN * b.monthly_usage_usd for b in break_even)]
            ),
        ),
        tables=build_tables(team, terms, segments, moments.shape, months),
        extra_usage_counts=extra_usage_counts,
        expected_term_cost_usd=best[0],
        dropped_plans=tuple(terms[k].key for k in best[1]),
    )


def _cut(terms: tuple[PlanTerms, ...], allowed: tuple[int, ...], moments: MonthMoments) -> Bands:
    """The cheapest bands over the plans `allowed` (indices into `terms`), plans indexed as in `terms`."""
    bands = cheapest_bands(tuple(terms[k] for k in allowed), moments)
    return Bands(bands.edges, tuple(allowed[k] for k in bands.plans))


def _mix_entries(
    team: str,
    terms: tuple[PlanTerms, ...],
    shares: tuple[float, ...],
    demand: seat_counts.DemandModel,
    months: int,
    window: int | None,
) -> tuple[tuple[PlanMix, ...], list[str]]:
    """Every allowed plan's seat counts for these shares, and the idle-minimum warnings."""
    mix, warnings = [], []
    for plan, share in zip(terms, shares, strict=True):
        entry, warning = _plan_mix(team, plan, share, demand, months, window)
        mix.append(entry)
        warnings.extend(warning)
    return tuple(mix), warnings


def expected_term_cost(
    terms: tuple[PlanTerms, ...],
    bands: Bands,
    moments: MonthMoments,
    demand: seat_counts.DemandModel,
    months: int,
    *,
    entries: tuple[PlanMix, ...] | None = None,
) -> float:
    """Expected seat-path cost of a team over the term for the mix `bands`, in closed form, USD.

    Usage: the expected active engineer-months E[sum_t D_t] times the mix's cost per engineer-month
    (`_mix_cost`) less its seat price part. Seats: each plan's expected fees with its annual seats
    (newsvendor, at least the team floor) and month-to-month seats, sum_y N_y |y| p_ann + p_mon
    E[sum_t (max(D_t, floor) - N_t)^+]: the idle annual seats, and those the minimum forces, are priced.
    `entries`: the mix's seat counts for these bands when already computed.
    """
    engineer_months = float(seat_counts.expected_demand(demand, 1.0, slice(0, months)).sum())
    shares = bands.shares(len(terms))
    if entries is None:
        entries, _ = _mix_entries("", terms, shares, demand, months, None)
    total = engineer_months * _mix_cost(bands, terms, moments)
    for plan, share, entry in zip(terms, shares, entries, strict=True):
        if share <= 0 or not plan.has_seats:
            continue
        annual = sum(
            n * (y.stop - y.start)
            for n, y in zip(entry.annual_seats_by_year, seat_years(months), strict=True)
        )
        fees = (
            plan.annual_monthly_usd or 0.0
        ) * annual + plan.monthly_usd * entry.expected_monthly_seats * months
        total += fees - plan.seat_price_usd * share * engineer_months
    return total


def _plan_mix(
    team: str, plan: PlanTerms, share: float, demand: seat_counts.DemandModel, months: int, window: int | None
) -> tuple[PlanMix, list[str]]:
    if share <= 0 or not plan.has_seats:
        return PlanMix(
            plan.key,
            share,
            0,
            0.0,
            None if window is None else (0,) * _window_count(months, window),
            (0,) * len(seat_years(months)),
        ), []
    floor = plan.min_seats
    whole = slice(0, months)
    years = seat_years(months)
    by_year = (
        tuple(max(seat_counts.newsvendor_seats(demand, plan, share, year), floor) for year in years)
        if plan.annual_monthly_usd is not None
        else (0,) * len(years)
    )
    warnings = []
    # Seats held only because of the minimum: E(min - D_t)^+ = E(D_t - min)^+ - (E D_t - min).
    forced = seat_counts.expected_excess(demand, share, whole, float(floor)) - float(
        seat_counts.expected_demand(demand, share, whole).mean() - floor
    )
    if floor > 0 and forced > IDLE_WARNING_SEATS:
        warnings.append(
            f"{team}: plan {plan.key} needs at least {floor} seats; about {forced:.1f} of them stay idle in "
            f"an average month ({share:.1%} of the engineers are on this plan)."
        )
    by_window = None
    if window is not None:
        by_window = tuple(
            max(seat_counts.newsvendor_seats(demand, plan, share, slice(s, s + window)), floor)
            if plan.annual_monthly_usd is not None
            else 0
            for s in range(0, months, window)
        )
    # max(D, floor) - N with N >= floor when annual seats exist; max(D, floor) = floor + (D - floor)^+.
    # Each seat year's month-to-month seats, weighted by its months.
    monthly = 0.0
    for year, annual in zip(years, by_year, strict=True):
        length = year.stop - year.start
        if annual > 0:
            monthly += length * seat_counts.expected_excess(demand, share, year, float(annual))
        else:
            monthly += length * (floor + seat_counts.expected_excess(demand, share, year, float(floor)))
    monthly /= months
    return PlanMix(plan.key, share, by_year[0], monthly, by_window, by_year), warnings


def seat_years(months: int) -> list[slice]:
    """The seat years of a term: windows of SEAT_YEAR_MONTHS months, the last one possibly shorter."""
    return [slice(s, min(s + SEAT_YEAR_MONTHS, months)) for s in range(0, months, SEAT_YEAR_MONTHS)]


def _window_count(months: int, window: int) -> int:
    return math.ceil(months / window)


def _break_evens(bands: Bands, terms: tuple[PlanTerms, ...], moments: MonthMoments) -> tuple[BreakEven, ...]:
    shape = moments.shape
    return tuple(
        BreakEven(
            terms[bands.plans[b - 1]].key,
            terms[bands.plans[b]].key,
            math.exp(shape.log_median + shape.persistent_sd * bands.edges[b]),
        )
        for b in range(1, len(bands.plans))
    )


def _cost_curve(
    terms: tuple[PlanTerms, ...], moments: MonthMoments, *, high_usd: float = CURVE_USAGE_HIGH
) -> CostCurve | None:
    shape = moments.shape
    if shape.persistent_sd == 0.0:
        return None
    usage = np.geomspace(CURVE_USAGE_LOW, high_usd, CURVE_POINTS)
    zeta = (np.log(usage) - shape.log_median) / shape.persistent_sd
    return CostCurve(
        tuple(float(u) for u in usage),
        tuple(
            CurveLine(
                p.key, p.seat_price_usd, p.capacity_usd, tuple(float(c) for c in plan_cost(zeta, p, moments))
            )
            for p in terms
        ),
    )


def _mix_cost(bands: Bands, terms: tuple[PlanTerms, ...], moments: MonthMoments) -> float:
    """Integral of min_k C_k(zeta) phi(zeta) over zeta, band by band (Gauss-Legendre)."""
    nodes, weights = MIX_NODES, MIX_WEIGHTS
    total = 0.0
    for b, k in enumerate(bands.plans):
        lo, hi = max(bands.edges[b], -10.0), min(bands.edges[b + 1], 10.0)
        if hi <= lo:
            continue
        zeta = lo + (hi - lo) * (nodes + 1) / 2
        density = np.exp(-(zeta**2) / 2) / math.sqrt(2 * math.pi)
        total += float((hi - lo) / 2 * np.sum(weights * density * plan_cost(zeta, terms[k], moments)))
    return total
