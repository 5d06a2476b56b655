"""API commitment per contract period (DESIGN section 6.1): the sample-average optimum under the contract.

Per period p with list spend S (one value per trial) and commitment C with discount d(C) (the highest
band whose floor, prorated for a short last period, is <= C): consumed = (1 - d) S; the commitment plus
any credit rolled over from period p - 1 is available; unused = (available - consumed)+, of which
`rollover_share` becomes credit for period p + 1 (the last period's is lost) and the rest is forfeited;
overage is (consumed - available)+ at the committed rate or (S - available / (1 - d))+ at list. The
period costs C + overage. Reported "unused" is the forfeited part (DESIGN: unused less rollover).

Internally a commitment is a full-period equivalent y (C_p = y * months_p / period_months), so the band
of y against the full thresholds is the band of C_p against the prorated ones.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from forecasting.engine.inputs import ApiContract

FloatArray = NDArray[np.float64]
# Relative slack on the optimality condition of the weighted quantile: a kink whose tail weight equals
# the threshold up to cumulative-sum rounding counts as optimal, so exact ties pick the smaller commitment.
QUANTILE_TIE_TOLERANCE = 1e-9
CURVE_POINTS = 57  # evenly spaced curve points; band floors and the recommendation are added
SEARCH_GRID_POINTS = 49  # first pass of the 1-D search used when rollover couples the periods
ZOOM_ROUNDS, ZOOM_POINTS = 5, 9  # refinement: each round shrinks the bracket to 2/8 of its width
PATTERN_SWEEPS = 6
POLISH_SWEEPS, POLISH_GRID_POINTS = 1, 9  # narrow line searches on all trials after the subsample search
SEARCH_TRIALS = 5_000  # the multi-start search runs on at most this many (evenly strided) trials
MULTI_START_MAX_PERIODS = 4  # beyond this many periods the pattern search runs from one start
MAX_START_COMBINATIONS = 256  # starting plans tried before the pattern search (rollover with ramps)


@dataclass(frozen=True)
class Period:
    index: int
    start_month: int  # 0-based offset in the term
    months: int


@dataclass(frozen=True)
class CommitmentPoint:
    commitment_usd: float
    discount: float
    expected_cost_usd: float
    expected_unused_usd: float
    probability_unused: float
    expected_overage_usd: float
    p95_cost_usd: float


@dataclass(frozen=True)
class PeriodDecision:
    period: Period
    recommended: CommitmentPoint
    curve: tuple[CommitmentPoint, ...]
    baselines: Mapping[str, CommitmentPoint]  # "no_commitment", "run_rate", "median"


@dataclass(frozen=True)
class CommitmentDecision:
    periods: tuple[PeriodDecision, ...]
    cost_usd: FloatArray  # (n,) per-trial API cost over the term at the recommendation
    unused_usd: FloatArray  # (n,) per-trial forfeited commitment over the term
    expected_cost_usd: float


def contract_periods(term_months: int, period_months: int) -> tuple[Period, ...]:
    """Consecutive commitment periods of `period_months` covering the term; the last may be shorter."""
    if term_months < 1 or period_months < 1:
        raise ValueError("term_months and period_months must be >= 1")
    starts = range(0, term_months, period_months)
    return tuple(Period(i, s, min(period_months, term_months - s)) for i, s in enumerate(starts))


@dataclass(frozen=True)
class _Rules:
    """The contract resolved against the periods; commitments are full-period equivalents."""

    floors_usd: FloatArray  # ascending band floors of a full period, the first 0
    discounts: FloatArray
    ratios: FloatArray  # months of each period / period months
    at_list: bool
    rollover: float
    max_unused_probability: float | None
    ramp: bool

    def discount(self, y: float) -> float:
        return float(self.discounts[np.searchsorted(self.floors_usd, y, side="right") - 1])

    def band_bounds(self, y: float) -> tuple[float, float]:
        """The closed range of y sharing y's band."""
        k = int(np.searchsorted(self.floors_usd, y, side="right")) - 1
        upper = math.inf if k + 1 == len(self.floors_usd) else math.nextafter(self.floors_usd[k + 1], 0.0)
        return float(self.floors_usd[k]), upper


@dataclass(frozen=True)
class _Outcome:
    """Per-period, per-trial settlement of one commitment plan; arrays are (P, n)."""

    commitments_usd: FloatArray
    discounts: FloatArray
    cost_usd: FloatArray
    forfeited_usd: FloatArray
    overage_usd: FloatArray

    def point(self, p: int) -> CommitmentPoint:
        cost, forfeited = self.cost_usd[p], self.forfeited_usd[p]
        return CommitmentPoint(
            commitment_usd=float(self.commitments_usd[p]),
            discount=float(self.discounts[p]),
            expected_cost_usd=float(cost.mean()),
            expected_unused_usd=float(forfeited.mean()),
            probability_unused=float(np.count_nonzero(forfeited > 0.0) / cost.size),
            expected_overage_usd=float(self.overage_usd[p].mean()),
            p95_cost_usd=float(np.quantile(cost, 0.95)),
        )


class _Book:
    """List spend per period (P, n) and the contract: settles commitment plans over the trials.

    In period p with available A = C + credit and consumed c = (1 - d) S, gap = c - A: overage is
    gap+ at the committed rate and gap+ / (1 - d) at list (= (S - A / (1 - d))+), unused is (-gap)+.
    """

    def __init__(self, spend: FloatArray, rules: _Rules) -> None:
        self.spend = np.ascontiguousarray(spend.T)
        self.rules = rules
        self.trials = spend.shape[0]
        self._consumed: dict[tuple[int, int], FloatArray] = {}
        self._floors = [float(f) for f in rules.floors_usd]
        limit = rules.max_unused_probability
        self.allowed_unused = self.trials if limit is None else math.floor(limit * self.trials + 1e-9)

    def band(self, y: float) -> int:
        return bisect.bisect_right(self._floors, y) - 1  # scalar lookups: bisect beats numpy here

    def consumed(self, k: int, p: int) -> FloatArray:
        if (k, p) not in self._consumed:
            self._consumed[(k, p)] = (1.0 - self.rules.discounts[k]) * self.spend[p]
        return self._consumed[(k, p)]

    def gap(self, y: FloatArray, p: int, credit: FloatArray | None) -> tuple[int, FloatArray]:
        gap = self.consumed(self.band(float(y[p])), p) - self.rules.ratios[p] * y[p]
        if credit is not None:
            gap -= credit
        return self.band(float(y[p])), gap

    def carries(self, p: int) -> bool:
        return self.rules.rollover > 0.0 and p + 1 < self.spend.shape[0]

    def expected_cost(
        self, y: FloatArray, start: int = 0, credit: FloatArray | None = None, prefix_usd: float = 0.0
    ) -> float:
        """Expected term cost from period `start` on (given the credit entering it); inf if infeasible."""
        total = prefix_usd
        for p in range(start, self.spend.shape[0]):
            k, gap = self.gap(y, p, credit)
            if self._breaks_limit(gap, p):
                return math.inf
            overage_sum = float(np.maximum(gap, 0.0).sum())
            total += self.rules.ratios[p] * y[p] + overage_sum / self.trials * self._overage_factor(k)
            credit = self.rules.rollover * np.maximum(-gap, 0.0) if self.carries(p) else None
        return total

    def entering(self, y: FloatArray, q: int) -> tuple[FloatArray | None, float]:
        """Credit entering period q and the expected cost before it (both fixed while y[q] moves)."""
        credit, prefix = None, 0.0
        for p in range(q):
            k, gap = self.gap(y, p, credit)
            prefix += self.rules.ratios[p] * y[p] + float(np.maximum(gap, 0.0).mean()) * self._overage_factor(
                k
            )
            credit = self.rules.rollover * np.maximum(-gap, 0.0) if self.carries(p) else None
        return credit, prefix

    def settle(
        self, y: FloatArray, start: int = 0, stop: int | None = None, credit: FloatArray | None = None
    ) -> _Outcome:
        """Per-trial cost, forfeited commitment and overage of periods start..stop-1."""
        stop = self.spend.shape[0] if stop is None else stop
        shape = (stop - start, self.trials)
        cost, forfeited, overage = np.empty(shape), np.empty(shape), np.empty(shape)
        for i, p in enumerate(range(start, stop)):
            k, gap = self.gap(y, p, credit)
            overage[i] = np.maximum(gap, 0.0) * self._overage_factor(k)
            unused = np.maximum(-gap, 0.0)
            credit = self.rules.rollover * unused if self.carries(p) else None
            forfeited[i] = unused if credit is None else unused - credit
            cost[i] = self.rules.ratios[p] * y[p] + overage[i]
        discounts = np.array([self.rules.discounts[self.band(float(v))] for v in y[start:stop]])
        return _Outcome((self.rules.ratios * y)[start:stop], discounts, cost, forfeited, overage)

    def _overage_factor(self, k: int) -> float:
        return 1.0 / (1.0 - float(self.rules.discounts[k])) if self.rules.at_list else 1.0

    def _breaks_limit(self, gap: FloatArray, p: int) -> bool:
        """P(forfeited > 0) above the limit; nothing is forfeited when all unused rolls over."""
        if self.allowed_unused >= self.trials or (self.rules.rollover == 1.0 and p + 1 < self.spend.shape[0]):
            return False
        return bool(np.count_nonzero(gap < 0.0) > self.allowed_unused)


def optimise_commitment(
    period_spend_usd: FloatArray,
    periods: Sequence[Period],
    contract: ApiContract,
    *,
    run_rate_usd_per_month: float,
    curves: bool = True,
) -> CommitmentDecision:
    """Commitment per period minimising expected API cost over the trials (DESIGN section 6.1).

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


def commitment_standard_error(
    period_spend_usd: FloatArray,
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
    period_spend_usd: FloatArray,
    periods: Sequence[Period],
    contract: ApiContract,
    commitments_usd: Sequence[float],
) -> tuple[FloatArray, FloatArray]:
    """Per-trial term cost and forfeited (unused) commitment of a given plan of commitments.

    `commitments_usd` are the period commitments as reported (a short last period's already prorated),
    settled under the same rules as `optimise_commitment`; used to price a plan sized elsewhere (e.g. on
    a blended forecast) against the real API spend.
    """
    spend, rules = _validate(period_spend_usd, periods, contract)
    book = _Book(spend, rules)
    y = np.asarray(commitments_usd, dtype=np.float64) / rules.ratios
    outcome = book.settle(y)
    return outcome.cost_usd.sum(axis=0), outcome.forfeited_usd.sum(axis=0)


def _solve(
    period_spend_usd: FloatArray, periods: Sequence[Period], contract: ApiContract, run_rate_per_month: float
) -> tuple[_Book, FloatArray, dict[str, FloatArray]]:
    """The settlement book, the recommended plan and the baselines (full-period equivalents)."""
    spend, rules = _validate(period_spend_usd, periods, contract)
    book = _Book(spend, rules)
    run_rate_usd = run_rate_per_month * contract.commitment_period_months
    baselines = _baselines(book, run_rate_usd, ramp=rules.ramp)
    # The rollover search starts from the baselines of both ramp settings, so that with ramps allowed
    # it starts from everything the search without ramps ends on (ramps never cost more).
    starts = [
        *_baselines(book, run_rate_usd, ramp=True).values(),
        *_baselines(book, run_rate_usd, ramp=False).values(),
    ]
    return book, _recommend(book, list(baselines.values()), starts), baselines


def _recommend(book: _Book, baselines: list[FloatArray], starts: list[FloatArray]) -> FloatArray:
    """Full-period-equivalent commitments of the recommendation, never worse than a feasible baseline."""
    rules, periods = book.rules, book.spend.shape[0]
    if rules.rollover == 0.0 and rules.ramp:
        candidates = [_separable_optimum(book)]
    elif rules.rollover == 0.0:
        candidates = [np.full(periods, v) for v in _exact_candidates(book, list(range(periods)))]
    else:
        candidates = [_rollover_optimum(book, starts)]
    candidates += baselines
    costs = [book.expected_cost(c) for c in candidates]
    return candidates[int(np.argmin(costs))]  # the first minimum: the optimiser's own on ties


def _exact_candidates(book: _Book, active: list[int]) -> list[float]:
    """Full-period commitments containing the exact no-rollover optimum of the `active` periods' sum.

    For a band with discount d the derivative of the summed objective in y is
    sum(r) - s * (sum over kinks above y of r_p / n), kinks at (1 - d) S_pi / r_p, s = 1 / (1 - d) at
    list and 1 at the committed rate: the minimum is the smallest kink where it turns >= 0, clamped to
    the band and to the unused-probability cap.
    """
    rules, n = book.rules, book.trials
    ratios = rules.ratios[active]
    levels = (book.spend[active] / ratios[:, None]).ravel()
    order = np.argsort(levels, kind="stable")
    levels = levels[order]
    cumulative = np.cumsum(np.repeat(ratios / n, n)[order])
    total, needed = float(cumulative[-1]), float(ratios.sum())
    candidates: list[float] = []
    for k, discount in enumerate(rules.discounts):
        low, high = rules.band_bounds(float(rules.floors_usd[k]))
        high = min(high, _unused_cap(book, active, k))
        if low > high:
            continue
        allowed = needed * (1.0 - discount) if rules.at_list else needed
        excess = total - allowed - QUANTILE_TIE_TOLERANCE * total
        best = low if excess <= 0.0 else (1.0 - discount) * levels[np.searchsorted(cumulative, excess)]
        candidates += [low, min(max(best, low), high)] + ([high] if math.isfinite(high) else [])
    return candidates


def _unused_cap(book: _Book, active: list[int], k: int) -> float:
    """Largest y in band k with P(unused > 0) <= the limit in every active period (no rollover)."""
    m = book.allowed_unused
    if m >= book.trials:
        return math.inf
    consumed = np.array([np.partition(book.consumed(k, p), m)[m] for p in active])
    ratios = book.rules.ratios[active]
    cap = float(np.min(consumed / ratios))
    while np.any(ratios * cap > consumed):  # the settlement's rounding decides: step down to feasibility
        cap = math.nextafter(cap, -math.inf)
    return cap


def _separable_optimum(book: _Book) -> FloatArray:
    """Ramps without rollover: each period alone at its own exact optimum."""
    periods = book.spend.shape[0]
    y = np.zeros(periods)
    for p in range(periods):
        candidates = _exact_candidates(book, [p])
        costs = [book.expected_cost(_replace(y, p, v), start=p) - _tail(book, y, p) for v in candidates]
        y[p] = candidates[int(np.argmin(costs))]
    return y


def _tail(book: _Book, y: FloatArray, p: int) -> float:
    """Expected cost of the periods after p (constant while only y[p] moves and nothing rolls over)."""
    return book.expected_cost(y, start=p + 1) if p + 1 < book.spend.shape[0] else 0.0


def _rollover_optimum(book: _Book, starts: list[FloatArray]) -> FloatArray:
    """Rollover couples the periods: search one shared y, then (ramps) a pattern search over periods.

    The pattern search line-searches each period's commitment alone and each exchange between adjacent
    periods (y_p + t, y_p+1 - t): the objective is not smooth, and coordinate moves alone stall at kinks
    where moving commitment from one period into the next still pays. It runs from the three best of
    many starting plans on an evenly strided subsample of at most SEARCH_TRIALS trials; the best plan
    on all trials is then polished by narrow line searches on all trials.
    """
    periods, top = book.spend.shape[0], _search_top(book, remaining=False)
    floors = [float(f) for f in book.rules.floors_usd]
    exact = _Book(book.spend.T, replace(book.rules, rollover=0.0))
    seeds = _exact_candidates(exact, list(range(periods))) + [float(v) for start in starts for v in start]
    shared = _line_minimum(
        lambda t: book.expected_cost(np.full(periods, t)), seeds, floors, (0.0, top), SEARCH_GRID_POINTS
    )
    y = np.full(periods, shared)
    if not book.rules.ramp:
        return y
    top = _search_top(book, remaining=True)
    sample = book.spend.T[:: math.ceil(book.trials / SEARCH_TRIALS)]
    search = _Book(sample, book.rules)
    separable = _separable_optimum(_Book(sample, exact.rules))
    plans = [y, separable, *starts, *_band_combinations(book, separable)]
    costs = [search.expected_cost(plan) for plan in plans]
    best_starts = np.argsort(costs, kind="stable")[: 3 if periods <= MULTI_START_MAX_PERIODS else 1]
    found = [_pattern_search(search, plans[i].copy(), top, None) for i in best_starts]
    plans = [*found, y, _separable_optimum(exact), *starts]
    best = plans[int(np.argmin([book.expected_cost(plan) for plan in plans]))].copy()
    return _pattern_search(book, best, top, top / (SEARCH_GRID_POINTS - 1))


def _band_combinations(book: _Book, separable: FloatArray) -> list[FloatArray]:
    """Starting plans mixing, per period, 0, its no-rollover optimum and band floors (at most 256).

    With rollover a large early commitment in a higher band can roll into later periods; reaching such
    a plan from an even one takes simultaneous moves across band jumps that a local search never makes.
    """
    periods, floors = book.spend.shape[0], [float(f) for f in book.rules.floors_usd[1:]]
    options = [[0.0, float(v), *floors] for v in separable]
    while len(options[0]) > 2 and len(options[0]) ** periods > MAX_START_COMBINATIONS:
        options = [o[:-1] for o in options]  # drop the highest floor first
    if len(options[0]) ** periods > MAX_START_COMBINATIONS:
        return []
    return [np.array(c) for c in itertools.product(*options)]


def _pattern_search(book: _Book, y: FloatArray, top: float, width: float | None) -> FloatArray:
    """Sweeps of line searches until a sweep stops paying; `width` narrows each line (a polish)."""
    periods = book.spend.shape[0]
    for _ in range(PATTERN_SWEEPS if width is None else POLISH_SWEEPS):
        before = book.expected_cost(y)
        for p in range(periods):
            y = _move(book, y, (p, None), top, width)
            if p + 1 < periods:
                y = _move(book, y, (p, p + 1), top, width)
        if book.expected_cost(y) >= before * (1.0 - 1e-12):
            break
    return y


def _move(
    book: _Book, y: FloatArray, line: tuple[int, int | None], top: float, width: float | None
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


def _search_top(book: _Book, *, remaining: bool) -> float:
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


def _baselines(book: _Book, run_rate_per_period_usd: float, *, ramp: bool) -> dict[str, FloatArray]:
    """No commitment, run rate (no growth) and median forecast, as full-period equivalents."""
    rules, periods = book.rules, book.spend.shape[0]
    if ramp:
        medians = np.median(book.spend, axis=1) / rules.ratios
    else:  # one commitment for every period: the median term spend spread evenly over full periods
        medians = np.full(periods, float(np.median(book.spend.sum(axis=0))) / float(rules.ratios.sum()))
    return {
        "no_commitment": np.zeros(periods),
        "run_rate": np.full(periods, run_rate_per_period_usd),
        "median": np.array([_median_commitment(rules, float(m)) for m in medians]),
    }


def _median_commitment(rules: _Rules, median_spend_usd: float) -> float:
    """(1 - d) x median list spend, with the highest band whose floor it reaches."""
    committed = [(1.0 - d) * median_spend_usd for d in rules.discounts]
    qualifying = [c for c, floor in zip(committed, rules.floors_usd, strict=True) if c >= floor]
    return qualifying[-1] if qualifying else 0.0


def _curves(book: _Book, y: FloatArray, baselines: Mapping[str, FloatArray]) -> list[list[CommitmentPoint]]:
    """Curve points per period; with ramps and rollover each period moves alone, the others stay put."""
    rules, periods = book.rules, book.spend.shape[0]
    useful = np.quantile(book.spend, 0.99, axis=1) / rules.ratios
    top = max(float(useful.max()), 1.25 * float(y.max()), *(float(b.max()) for b in baselines.values()))
    floors = rules.floors_usd[rules.floors_usd <= top]
    points = np.unique(np.concatenate([np.linspace(0.0, top, CURVE_POINTS), floors, y]))
    if rules.ramp and rules.rollover > 0.0:  # the credit entering period p does not move with y[p]
        entering = [book.entering(y, p)[0] for p in range(periods)]
        return [
            [book.settle(_replace(y, p, float(v)), p, p + 1, entering[p]).point(0) for v in points]
            for p in range(periods)
        ]
    curves: list[list[CommitmentPoint]] = [[] for _ in range(periods)]
    for v in points:  # one settlement alive at a time: 60 of them would hold O(60 n P) memory
        outcome = book.settle(np.full(periods, v))
        for p in range(periods):
            curves[p].append(outcome.point(p))
    return curves


def _replace(y: FloatArray, p: int, value: float) -> FloatArray:
    changed = y.copy()
    changed[p] = value
    return changed


def _validate(
    period_spend_usd: FloatArray, periods: Sequence[Period], contract: ApiContract
) -> tuple[FloatArray, _Rules]:
    spend = np.asarray(period_spend_usd, dtype=np.float64)
    if spend.ndim != 2 or spend.shape[0] < 1 or spend.shape[1] != len(periods) or not len(periods):
        raise ValueError("period_spend_usd must have shape (trials, periods) with at least one of each")
    if not np.all(np.isfinite(spend)) or np.any(spend < 0.0):
        raise ValueError("period spend must be finite and >= 0")
    length = contract.commitment_period_months
    if length < 1 or any(p.months < 1 or p.months > length for p in periods):
        raise ValueError("every period needs 1..commitment_period_months months")
    floors = [b.min_commitment_usd for b in contract.discount_bands]
    discounts = [b.discount for b in contract.discount_bands]
    if not floors or any(b <= a for a, b in itertools.pairwise(floors)) or floors[0] < 0.0:
        raise ValueError("discount bands need strictly increasing floors >= 0")
    if any(not 0.0 <= d < 1.0 for d in discounts):
        raise ValueError("discounts must be in [0, 1)")
    if floors[0] > 0.0:  # below the lowest band there is no discount
        floors, discounts = [0.0, *floors], [0.0, *discounts]
    limit = contract.max_unused_probability
    if not 0.0 <= contract.rollover_share <= 1.0 or (limit is not None and not 0.0 <= limit <= 1.0):
        raise ValueError("rollover_share and max_unused_probability must be in [0, 1]")
    ratios = np.array([p.months / length for p in periods])
    rules = _Rules(
        np.array(floors),
        np.array(discounts),
        ratios,
        contract.overage == "list",
        contract.rollover_share,
        limit,
        contract.ramp_allowed,
    )
    return spend, rules
