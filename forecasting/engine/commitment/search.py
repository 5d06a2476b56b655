"""The public commitment optimiser and its search (docs/decisions.md#api-commitment-per-period).

Without rollover the optimum is exact (`exact.py`); with rollover the periods couple and the objective,
evaluated exactly on the trials (`settlement.py`), is searched: a line search for one shared commitment,
and with ramps a multi-start pattern search over periods. The result types are the package's public face.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from forecasting.engine.arrays import FloatArray, PerTrial, TrialsByMonth, TrialsByPeriod
from forecasting.engine.commitment.exact import exact_candidates, separable_optimum, with_value
from forecasting.engine.commitment.rules import Period, resolve
from forecasting.engine.commitment.settlement import Book, CommitmentPoint
from forecasting.engine.inputs import ApiContract
from forecasting.engine.tolerances import RELATIVE_IMPROVEMENT

CURVE_POINTS = 57  # evenly spaced curve points; band floors and the recommendation are added
SEARCH_GRID_POINTS = 49  # first pass of the 1-D search used when rollover couples the periods
ZOOM_ROUNDS, ZOOM_POINTS = 5, 9  # refinement: each round shrinks the bracket to 2/8 of its width
PATTERN_SWEEPS = 6
POLISH_SWEEPS, POLISH_GRID_POINTS = 1, 9  # narrow line searches on all trials after the subsample search
SEARCH_TRIALS = 5_000  # the multi-start search runs on at most this many (evenly strided) trials
MULTI_START_MAX_PERIODS = 4  # beyond this many periods the pattern search runs from one start
MAX_START_COMBINATIONS = 256  # starting plans tried before the pattern search (rollover with ramps)


@dataclass(frozen=True)
class PeriodDecision:
    period: Period
    recommended: CommitmentPoint
    curve: tuple[CommitmentPoint, ...]
    baselines: Mapping[str, CommitmentPoint]  # "no_commitment", "run_rate", "median"


@dataclass(frozen=True)
class CommitmentDecision:
    periods: tuple[PeriodDecision, ...]
    cost_usd: PerTrial  # API cost over the term at the recommendation
    unused_usd: PerTrial  # forfeited commitment over the term
    expected_cost_usd: float


def optimise_commitment(
    period_spend_usd: TrialsByPeriod,
    periods: Sequence[Period],
    contract: ApiContract,
    *,
    run_rate_usd_per_month: float,
    curves: bool = True,
) -> CommitmentDecision:
    """Commitment per period minimising expected API cost over the trials
    (docs/decisions.md#api-commitment-per-period).

    `period_spend_usd` is list spend per trial and period, shape (n, P). The objective is the sample
    average of the term cost under the module's settlement rules. Without rollover the periods
    separate and the optimum is exact: within a band the objective is convex piecewise linear in C with
    kinks at the (1 - d) S sample points, so its minimum is a weighted sample quantile (one C shared by
    every period when ramps are not allowed, C per period when they are), clamped to the band and to the
    largest C meeting `max_unused_probability` (P(forfeited > 0) <= limit in every period); band floors
    and the points just below the next floor are candidates too. With rollover the periods couple and
    the objective is evaluated exactly on the trials but searched (not guaranteed optimal): one shared
    commitment by line search over a grid seeded with the exact no-rollover optimum, band floors and
    baselines, with bracket zooming; with ramps, a multi-start pattern search over per-period and
    adjacent-exchange moves on a subsample of trials, polished on all trials. Feasible baselines are
    always candidates, so the recommendation never costs more in expectation than a baseline; with
    rollover and ramps the search starts from the no-ramp answer, so ramps never cost more either.

    Baselines: no commitment; run rate (run_rate_usd_per_month x the period's months, no growth, at its
    band's discount); median ((1 - d) x median list spend, highest band it qualifies for; per period when
    ramps are allowed, else the median term spend spread evenly over full periods).
    """
    book, y, baselines = _solve(period_spend_usd, periods, contract, run_rate_usd_per_month)
    outcome = book.settle(y)
    # Variants (levers, concessions, sensitivity) need only the recommendation: `curves=False` skips
    # the cost curve, the bulk of the work after the optimum is found.
    curve_points = _curves(book, y, baselines) if curves else [[] for _ in periods]
    settled = {name: book.settle(b) for name, b in baselines.items()}
    decisions = tuple(
        PeriodDecision(
            period=period,
            recommended=outcome.point(p),
            curve=tuple(curve_points[p]),
            baselines={name: o.point(p) for name, o in settled.items()},
        )
        for p, period in enumerate(periods)
    )
    total = outcome.cost_usd.sum(axis=0)
    return CommitmentDecision(decisions, total, outcome.forfeited_usd.sum(axis=0), float(total.mean()))


def run_rate_usd_per_month(monthly_list_usd: TrialsByMonth) -> float:
    """The run-rate baseline's list amount per month: today's spend with no growth, the median list spend
    of the term's first month (month 0) over the trials (docs/decisions.md#api-commitment-per-period).

    The one definition: the main decision, its variants and the blended comparison all pass theirs here.
    """
    return float(np.median(np.asarray(monthly_list_usd, dtype=np.float64)[:, 0]))


def commitment_standard_error(
    period_spend_usd: TrialsByPeriod,
    periods: Sequence[Period],
    contract: ApiContract,
    *,
    run_rate_usd_per_month: float,
    groups: int = 20,
) -> tuple[float, ...]:
    """Batch-means standard error of the recommended commitment per period.

    The trials are split into `groups` contiguous groups, each optimised alone; the result is the
    standard deviation of the group recommendations divided by sqrt(groups).
    """
    if groups < 2 or groups > period_spend_usd.shape[0]:
        raise ValueError("groups must be between 2 and the number of trials")
    rows = []
    for chunk in np.array_split(np.asarray(period_spend_usd, dtype=np.float64), groups):
        book, y, _ = _solve(chunk, periods, contract, run_rate_usd_per_month)
        rows.append(book.rules.ratios * y)
    return tuple(float(s) for s in np.std(np.array(rows), axis=0, ddof=1) / math.sqrt(groups))


def evaluate_commitments(
    period_spend_usd: TrialsByPeriod,
    periods: Sequence[Period],
    contract: ApiContract,
    commitments_usd: Sequence[float],
) -> tuple[PerTrial, PerTrial]:
    """Per-trial term cost and forfeited (unused) commitment of a given plan of commitments.

    `commitments_usd` are the period commitments as reported (a short last period's already prorated),
    settled under the same rules as `optimise_commitment`; used to price a plan sized elsewhere (e.g. on
    a blended forecast) against the real API spend.
    """
    spend, rules = resolve(period_spend_usd, periods, contract)
    book = Book(spend, rules)
    y = np.asarray(commitments_usd, dtype=np.float64) / rules.ratios
    outcome = book.settle(y)
    return outcome.cost_usd.sum(axis=0), outcome.forfeited_usd.sum(axis=0)


def _solve(
    period_spend_usd: TrialsByPeriod,
    periods: Sequence[Period],
    contract: ApiContract,
    run_rate_per_month: float,
) -> tuple[Book, FloatArray, dict[str, FloatArray]]:
    """The settlement book, the recommended plan and the baselines (full-period equivalents)."""
    spend, rules = resolve(period_spend_usd, periods, contract)
    book = Book(spend, rules)
    run_rate_usd = run_rate_per_month * contract.commitment_period_months
    baselines = _baselines(book, run_rate_usd, ramp=rules.ramp)
    # The rollover search starts from the baselines of both ramp settings, so that with ramps allowed
    # it starts from everything the search without ramps ends on (ramps never cost more).
    starts = [
        *_baselines(book, run_rate_usd, ramp=True).values(),
        *_baselines(book, run_rate_usd, ramp=False).values(),
    ]
    return book, _recommend(book, list(baselines.values()), starts), baselines


def _recommend(book: Book, baselines: list[FloatArray], starts: list[FloatArray]) -> FloatArray:
    """Full-period-equivalent commitments of the recommendation, never worse than a feasible baseline.

    On a grid (`Rules.grid_usd`) every candidate is a grid point, evaluated at the discount it earns:
    without rollover the grid points either side of each exact candidate (per band: its floor, its
    optimum, its top under the unused cap), which holds the best grid point of every band since the
    objective is convex within a band; with rollover the grid neighbourhood of the searched optimum.
    """
    rules, periods = book.rules, book.periods
    units = rules.units()
    if rules.rollover == 0.0 and rules.ramp:
        candidates = [separable_optimum(book, units)]
    elif rules.rollover == 0.0:
        values = exact_candidates(book, list(range(periods)))
        candidates = [np.full(periods, g) for v in values for g in rules.on_grid(v, float(units[0]))]
    else:
        candidates = _grid_neighbourhood(book, _rollover_optimum(book, starts))
    candidates += baselines
    costs = [book.expected_cost(c) for c in candidates]
    return candidates[int(np.argmin(costs))]  # the first minimum: the optimiser's own on ties


def _grid_neighbourhood(book: Book, y: FloatArray) -> list[FloatArray]:
    """Grid plans around a searched (rollover) optimum y; `[y]` without a grid.

    One commitment for every period: the grid points either side of y, plus each band's lowest grid
    point and its highest grid point below the next band's floor. With ramps: every combination of the
    grid points either side of each period's y_p (at most MAX_START_COMBINATIONS; beyond, each period in
    turn moves from below to above while that pays).
    """
    rules, periods = book.rules, book.periods
    if rules.grid_usd is None:
        return [y]
    units = rules.units()
    if not rules.ramp:
        unit, floors = float(units[0]), [float(f) for f in rules.floors_usd]
        values = rules.on_grid(float(y[0]), unit)
        values += [rules.snap(f, unit, up=True) for f in floors]
        values += [rules.snap(math.nextafter(f, -math.inf), unit, up=False) for f in floors[1:]]
        return [np.full(periods, v) for v in values]
    options = [rules.on_grid(float(v), float(u)) for v, u in zip(y, units, strict=True)]
    if 2**periods <= MAX_START_COMBINATIONS:
        return [np.array(c) for c in itertools.product(*options)]
    plan = np.array([o[0] for o in options])
    for p, option in enumerate(options):
        for value in option[1:]:
            moved = with_value(plan, p, value)
            if book.expected_cost(moved) < book.expected_cost(plan):
                plan = moved
    return [plan]


def _rollover_optimum(book: Book, starts: list[FloatArray]) -> FloatArray:
    """Rollover couples the periods: search one shared y, then (ramps) a pattern search over periods.

    The pattern search line-searches each period's commitment alone and each exchange between adjacent
    periods (y_p + t, y_p+1 - t): the objective is not smooth, and coordinate moves alone stall at kinks
    where moving commitment from one period into the next still pays. It runs from the three best of
    many starting plans on an evenly strided subsample of at most SEARCH_TRIALS trials; the best plan
    on all trials is then polished by narrow line searches on all trials.
    """
    periods, top = book.periods, _search_top(book, remaining=False)
    floors = [float(f) for f in book.rules.floors_usd]
    exact = Book(book.spend.T, replace(book.rules, rollover=0.0))
    seeds = exact_candidates(exact, list(range(periods))) + [float(v) for start in starts for v in start]
    shared = _line_minimum(
        lambda t: book.expected_cost(np.full(periods, t)), seeds, floors, (0.0, top), SEARCH_GRID_POINTS
    )
    y = np.full(periods, shared)
    if not book.rules.ramp:
        return y
    top = _search_top(book, remaining=True)
    sample = book.spend.T[:: math.ceil(book.trials / SEARCH_TRIALS)]
    search = Book(sample, book.rules)
    separable = separable_optimum(Book(sample, exact.rules))
    plans = [y, separable, *starts, *_band_combinations(book, separable)]
    costs = [search.expected_cost(plan) for plan in plans]
    best_starts = np.argsort(costs, kind="stable")[: 3 if periods <= MULTI_START_MAX_PERIODS else 1]
    found = [_pattern_search(search, plans[i].copy(), top, None) for i in best_starts]
    plans = [*found, y, separable_optimum(exact), *starts]
    best = plans[int(np.argmin([book.expected_cost(plan) for plan in plans]))].copy()
    return _pattern_search(book, best, top, top / (SEARCH_GRID_POINTS - 1))


def _band_combinations(book: Book, separable: FloatArray) -> list[FloatArray]:
    """Starting plans mixing, per period, 0, its no-rollover optimum and band floors (at most 256).

    With rollover a large early commitment in a higher band can roll into later periods; reaching such
    a plan from an even one takes simultaneous moves across band jumps that a local search never makes.
    """
    periods, floors = book.periods, [float(f) for f in book.rules.floors_usd[1:]]
    options = [[0.0, float(v), *floors] for v in separable]
    while len(options[0]) > 2 and len(options[0]) ** periods > MAX_START_COMBINATIONS:
        options = [o[:-1] for o in options]  # drop the highest floor first
    if len(options[0]) ** periods > MAX_START_COMBINATIONS:
        return []
    return [np.array(c) for c in itertools.product(*options)]


def _pattern_search(book: Book, y: FloatArray, top: float, width: float | None) -> FloatArray:
    """Sweeps of line searches until a sweep stops paying; `width` narrows each line (a polish)."""
    periods = book.periods
    for _ in range(PATTERN_SWEEPS if width is None else POLISH_SWEEPS):
        before = book.expected_cost(y)
        for p in range(periods):
            y = _move(book, y, (p, None), top, width)
            if p + 1 < periods:
                y = _move(book, y, (p, p + 1), top, width)
        if book.expected_cost(y) >= before * (1.0 - RELATIVE_IMPROVEMENT):
            break
    return y


def _move(
    book: Book, y: FloatArray, line: tuple[int, int | None], top: float, width: float | None
) -> FloatArray:
    """Best plan along one line: y_p = t (q None) or the exchange y_p + t, y_q - t."""
    (p, q), floors = line, [float(f) for f in book.rules.floors_usd]
    credit, prefix = book.entering(y, p)

    def moved(t: float) -> FloatArray:
        z = y.copy()
        if q is None:
            z[p] = t
        else:
            z[p], z[q] = y[p] + t, y[q] - t
        return z

    def cost(t: float) -> float:
        return book.expected_cost(moved(t), start=p, credit=credit, prefix_usd=prefix)

    if q is None:
        low, high, here, edges = 0.0, top, float(y[p]), floors
    else:
        low, high, here = max(-y[p], y[q] - top), min(top - y[p], y[q]), 0.0
        edges = [f - y[p] for f in floors] + [y[q] - f for f in floors]
    if width is not None:
        low, high = max(low, here - width), min(high, here + width)
    if low >= high:
        return y
    if width is None:
        return moved(_line_minimum(cost, [here], edges, (low, high), SEARCH_GRID_POINTS, zoom_from=2))
    return moved(_line_minimum(cost, [here], edges, (low, high), POLISH_GRID_POINTS, zoom_from=1))


def _search_top(book: Book, *, remaining: bool) -> float:
    """Upper end of the search, per full period.

    One commitment for every period: the largest list spend of any period (above it every period is
    covered alone, so more only adds cost). Per-period commitments with rollover: the largest list
    spend from each period to the end of the term, since committing beyond one period's spend can
    pay when it reaches a higher band and the unused part rolls forward.
    """
    spend = book.spend[::-1].cumsum(axis=0)[::-1] if remaining else book.spend
    return float(np.max(spend / book.rules.ratios[:, None]))


def _line_minimum(
    cost: Callable[[float], float],
    seeds: list[float],
    edges: list[float],
    bounds: tuple[float, float],
    points: int,
    zoom_from: int = 2,
) -> float:
    """Grid over the bounds with the seeds and both sides of every band edge, then bracket zooming
    around the `zoom_from` best points inside their band interval (the objective jumps only at edges)."""
    low, high = bounds
    edges = sorted(e for e in edges if low <= e <= high)
    below = [math.nextafter(e, -math.inf) for e in edges]
    grid = np.unique(np.concatenate([np.linspace(low, high, points), seeds, edges, below]))
    grid = grid[(grid >= low) & (grid <= high)]
    values = np.array([cost(float(t)) for t in grid])
    best_t, best_cost = float(grid[np.argmin(values)]), float(values.min())
    for i in np.argsort(values, kind="stable")[:zoom_from]:
        t = float(grid[i])
        band_low = max([low, *(e for e in edges if e <= t)])
        band_high = min([high, *(math.nextafter(e, -math.inf) for e in edges if e > t)])
        bracket = (
            max(float(grid[max(i - 1, 0)]), band_low),
            min(float(grid[min(i + 1, len(grid) - 1)]), band_high),
        )
        for _ in range(ZOOM_ROUNDS):
            ts = np.linspace(*bracket, ZOOM_POINTS)
            zoom = np.array([cost(float(v)) for v in ts])
            j = int(np.argmin(zoom))
            if zoom[j] < best_cost:
                best_t, best_cost = float(ts[j]), float(zoom[j])
            bracket = (float(ts[max(j - 1, 0)]), float(ts[min(j + 1, ZOOM_POINTS - 1)]))
    return best_t


def _baselines(book: Book, run_rate_per_period_usd: float, *, ramp: bool) -> dict[str, FloatArray]:
    """No commitment, run rate (no growth) and median forecast, as full-period equivalents.

    Each baseline names a list amount X per full period and commits the least C covering X at the
    discount C earns (`Rules.covering_commitment`), on the grid when the contract has one: the run rate
    X = today's monthly list spend x the period's months; the median X = the period's median list spend
    (without ramps, the median term spend spread evenly over full periods).
    """
    rules, periods = book.rules, book.periods
    units = replace(rules, ramp=ramp).units()
    if ramp:
        medians = np.median(book.spend, axis=1) / rules.ratios
    else:  # one commitment for every period: the median term spend spread evenly over full periods
        medians = np.full(periods, float(np.median(book.spend.sum(axis=0))) / float(rules.ratios.sum()))
    return {
        "no_commitment": np.zeros(periods),
        "run_rate": np.array([rules.covering_commitment(run_rate_per_period_usd, float(u)) for u in units]),
        "median": np.array(
            [rules.covering_commitment(float(m), float(u)) for m, u in zip(medians, units, strict=True)]
        ),
    }


def _curves(book: Book, y: FloatArray, baselines: Mapping[str, FloatArray]) -> list[list[CommitmentPoint]]:
    """Curve points per period; with ramps and rollover each period moves alone, the others stay put."""
    rules, periods = book.rules, book.periods
    useful = np.quantile(book.spend, 0.99, axis=1) / rules.ratios
    top = max(float(useful.max()), 1.25 * float(y.max()), *(float(b.max()) for b in baselines.values()))
    floors = rules.floors_usd[rules.floors_usd <= top]
    points = np.unique(np.concatenate([np.linspace(0.0, top, CURVE_POINTS), floors, y]))
    if rules.ramp and rules.rollover > 0.0:  # the credit entering period p does not move with y[p]
        entering = [book.entering(y, p)[0] for p in range(periods)]
        return [
            [book.settle(with_value(y, p, float(v)), p, p + 1, entering[p]).point(0) for v in points]
            for p in range(periods)
        ]
    curves: list[list[CommitmentPoint]] = [[] for _ in range(periods)]
    for v in points:  # one settlement alive at a time: 60 of them would hold O(60 n P) memory
        outcome = book.settle(np.full(periods, v))
        for p in range(periods):
            curves[p].append(outcome.point(p))
    return curves
