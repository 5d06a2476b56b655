"""The heavy tail of the top band, drawn per engineer in the fast path (docs/model.md#seat-path).

With a wide persistent spread (sigma_p = sigma sqrt(w) large: p90/median 10 and persistence 0.9 give 1.7)
a plan's overflow in the top band (zeta above the last break-even, unbounded) comes from the few engineers
far out in the tail. Their number per trial is small and discrete and each one's usage is heavy-tailed, so
the mean over the band is far from any three-moment factor: with the per-trial shifted lognormal alone the
fast path's p5 of team cost was +50% off the per-engineer simulation at 40 engineers and +11% at 300
(benchmarks/seat_accuracy_grid.py).

So the top band is cut at z_c, the level above which TAIL_ENGINEERS engineers of the team are expected
(z_c = Phi^-1(1 - TAIL_ENGINEERS / headcount), never below the band's lower edge: a small team's whole top
band is drawn per engineer). The body below z_c stays on the band approximations (its own tables, bounded
above, so its factor is only mildly skewed); the engineers above z_c are a share of the pool split like
any band, and each is simulated as the brute force does: zeta from the normal truncated to (z_c, inf), an
activity draw and a month noise per month (tabulated, as `brute_force.simulate_exact(tabulated=True)`),
present all term or joining (leaving) at a uniform point of the headcount path like the fast path's later
engineers. The cost is that of a brute force of about TAIL_ENGINEERS engineers, whatever the team's size,
so it is spent only where the tail needs it: sigma_p of at least TAIL_MIN_PERSISTENT_SD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from forecasting.engine.inputs import TeamInput
from forecasting.engine.seats.decision import TeamDecision
from forecasting.engine.seats.model import Float32Array, TrialLevelDraws, usage_shape
from forecasting.engine.seats.tables import BandTable, build_tables
from forecasting.engine.streams import NORMAL_TABLE, normal_bits

# Expected engineers drawn one by one in a team's tail. The top-order engineers carry the tail of the
# band's overflow; with 8 of them the body's factor held p5 / p50 / p95 within 2% of the brute force on
# the heavy-tail grid (benchmarks/seat_accuracy_grid.py, docs/model.md#seat-path).
TAIL_ENGINEERS = 8.0
# The per-engineer tail is drawn where the persistent sd sigma sqrt(w) is at least this. Below it the band
# factor alone holds 2% on the grid (p90/median 2 at any persistence: sigma_p <= 0.53; the large reference
# scenario's teams: sigma_p <= 0.91); p90/median 5 at persistence 0.6 (0.97) already needs it at 40
# engineers. See docs/model.md#seat-path for the table.
TAIL_MIN_PERSISTENT_SD = 0.95
CHUNK_ELEMENTS = 1 << 21  # engineer-months per chunk of trials, as in brute_force


@dataclass(frozen=True)
class TailSplit:
    """The top band's plan, where its tail starts, the tail's share of the pool and the body's table."""

    plan: int  # index in decision.terms
    cut: float  # z_c
    share: float  # P(zeta > z_c)
    body_table: BandTable | None  # the plan's bands with the top one cut at z_c (None: no body left)


def tail_split(team: TeamInput, decision: TeamDecision, months: int) -> TailSplit | None:
    """The split of the top band, or None where the band approximations suffice (see the module)."""
    shape = usage_shape(team)
    engineers = max(team.headcount_now, team.headcount_end)
    if shape.persistent_sd < TAIL_MIN_PERSISTENT_SD or engineers <= 0:
        return None
    edges, owners = decision.band_edges_zeta, decision.band_plans
    plan = decision.plans.index(owners[-1])
    top_low = edges[-2]
    cut = max(top_low, -float(special.ndtri(min(TAIL_ENGINEERS / engineers, 1.0))))
    share = float(special.ndtr(-cut))
    if share <= 0.0:
        return None
    segments: list[list[tuple[float, float]]] = [[] for _ in decision.terms]
    for i, owner in enumerate(owners):
        if owner == owners[-1] and edges[i] < cut:
            segments[plan].append((edges[i], min(edges[i + 1], cut)))
    body = None
    if segments[plan]:
        body = build_tables(team, decision.terms, segments, shape, months).plans[plan]
    return TailSplit(plan, cut, share, body)


@dataclass(frozen=True)
class TailResult:
    demand: Float32Array  # (T, n) active tail engineers per month
    usage: np.ndarray  # (n,) overflow (usage for usage-only plans) in USD, before lambda
    monthly: Float32Array  # (T, n) the same per month


def simulate_tail(
    rng: np.random.Generator,
    team: TeamInput,
    split: TailSplit,
    draws: TrialLevelDraws,
    first: Float32Array,
    later: Float32Array,
    growing: Float32Array,
    adoption: np.ndarray,
) -> TailResult:
    """The tail engineers of every trial, one by one: `first` (n,) of them present all term, `later` (n,)
    joining (growing) or leaving (shrinking) along the term."""
    shape = usage_shape(team)
    months, trials = draws.log_level.shape
    demand = np.zeros((months, trials), dtype=np.float32)
    monthly = np.zeros((months, trials), dtype=np.float32)
    total = (first + later).astype(np.intp)
    pool = int(total.max(initial=0))
    if pool == 0:
        return TailResult(demand, np.zeros(trials), monthly)
    ramp = (np.arange(months) / max(months - 1, 1)).astype(np.float32)
    thresholds = np.rint(adoption * 65536.0).astype(np.uint32)
    tail_mass = math.erfc(split.cut / math.sqrt(2)) / 2  # Phi(-z_c)
    log_capacity = draws.log_capacity[split.plan]
    chunk = max(1, CHUNK_ELEMENTS // (pool * months))
    for start in range(0, trials, chunk):
        part = slice(start, min(start + chunk, trials))
        count = part.stop - part.start
        slots = np.arange(pool)[:, None]
        exists = slots < total[None, part]  # (P, n)
        joins = slots >= first[None, part]  # the later engineers
        u = rng.random((2, pool, count))
        # zeta | zeta > z_c by inversion in the upper tail: -Phi^-1(u Phi(-z_c))
        zeta = -special.ndtri((1.0 - u[0]) * tail_mass)  # 1 - u in (0, 1]: zeta finite
        # A later engineer is present from ramp >= u (growing) or while ramp < u (shrinking).
        grows = growing[None, part] > 0
        after = ramp[:, None, None] >= u[1][None]
        present = exists[None] & (~joins[None] | np.where(grows[None], after, ~after))
        bits = normal_bits(rng, (2, months * pool * count))
        active = present & (bits[0].reshape(months, pool, count) < thresholds[:, None, None])
        amount = np.take(NORMAL_TABLE, bits[1]).reshape(months, pool, count)
        del bits
        amount *= np.float32(shape.transient_sd)
        amount += (shape.persistent_sd * zeta).astype(np.float32)[None]
        amount += draws.log_level[:, None, part]
        np.exp(amount, out=amount)
        amount -= np.exp(log_capacity[part]).astype(np.float32)[None, None]  # exp(-inf) = 0: usage-only
        np.maximum(amount, 0.0, out=amount)
        amount *= active
        demand[:, part] = active.sum(axis=1, dtype=np.float32)
        monthly[:, part] = amount.sum(axis=1)
    return TailResult(demand, monthly.sum(axis=0, dtype=np.float64), monthly)
