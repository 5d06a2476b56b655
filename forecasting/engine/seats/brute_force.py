"""Exact per-engineer simulation of the seat path: the reference the fast path is checked against.

Every engineer of the pool gets a persistent level zeta_i, a Bernoulli(a_t) activity and a month noise
nu_it in every month; an engineer exists in month t when i < round(H_t). Plan by band of zeta_i,
demand = active engineers per plan and month, overflow = sum of (U_it - cap_k)^+ over active engineers.
The trial-level draws (headcount, drift, capacity, shock) come first from the same stream as the fast
path's, so the two simulations see the same trials and differ only in the per-engineer part.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from forecasting.engine.arrays import FloatArray
from forecasting.engine.factors import SeatFactors, seat_factors
from forecasting.engine.inputs import Correlation, SeatContract, SeatPlan, TeamInput
from forecasting.engine.seats.accounts import team_block
from forecasting.engine.seats.decision import TeamDecision
from forecasting.engine.seats.model import (
    TeamBlock,
    TrialLevelDraws,
    adoption_path,
    draw_trial_level,
    usage_shape,
)
from forecasting.engine.seats.validation import check_block_arguments
from forecasting.engine.streams import NORMAL_TABLE, SEAT_PATH, generator, normal_bits

CHUNK_ELEMENTS = 1 << 21  # engineer-months per chunk of trials: ~16 MB per float64 array


def simulate_team_brute_force(
    team: TeamInput,
    decision: TeamDecision,
    plans: Mapping[str, SeatPlan],
    contract: SeatContract,
    *,
    months: int,
    seed: int,
    block: int,
    item: int,
    trials: int,
    correlation: Correlation | None = None,
) -> TeamBlock:
    """Simulate one team for one block with one random draw per engineer and month (docs/model.md#seat-path).

    Same model and pricing as `simulate_team_block`, no approximation beyond the tabulated normal of the
    shared AR(1) shock innovations. Cost grows with engineers x months x trials; use it to validate.
    `correlation`: the scenario's loadings (None: teams independent); the capacity shock is common anyway.
    """
    check_block_arguments(team, decision, plans, contract, months=months, trials=trials)
    return simulate_exact(
        generator(seed, block, SEAT_PATH, item),
        team,
        decision,
        months=months,
        trials=trials,
        shared=seat_factors(correlation, seed, block, months=months, trials=trials),
    )


def simulate_exact(
    rng: np.random.Generator,
    team: TeamInput,
    decision: TeamDecision,
    *,
    months: int,
    trials: int,
    shared: SeatFactors,
    tabulated: bool = False,
) -> TeamBlock:
    """The per-engineer simulation on an existing stream (the fast path uses it for small cohorts).

    `tabulated`: draw each engineer-month from 32 random bits, 16 for the activity (a uniform with 2^-16
    resolution: adoption within 2^-17 of a_t) and 16 for the month noise (a normal from
    `streams.NORMAL_TABLE`), cheaper than `random` + `standard_normal`; the fast path uses it, the
    reference (`simulate_team_brute_force`) keeps the exact draws. `shared`: the block's common draws.
    """
    draws = draw_trial_level(rng, team, decision.terms, months=months, trials=trials, shared=shared)
    plan_count = len(decision.terms)
    demand = np.zeros((plan_count, months, trials), dtype=np.float32)
    usage = np.zeros((plan_count, trials))
    api_monthly = np.zeros((months, trials))
    engineers = draws.engineers(team.headcount_now)
    pool = int(engineers.max(initial=0))
    chunk = max(1, CHUNK_ELEMENTS // max(pool * months, 1))
    for start in range(0, trials, chunk):
        part = slice(start, min(start + chunk, trials))
        _simulate_chunk(rng, team, decision, draws, engineers, part, demand, usage, api_monthly, tabulated)
    return team_block(decision, demand, usage, np.ascontiguousarray(api_monthly.T))


def _simulate_chunk(
    rng: np.random.Generator,
    team: TeamInput,
    decision: TeamDecision,
    draws: TrialLevelDraws,
    engineers: np.ndarray,
    part: slice,
    demand: np.ndarray,
    usage: FloatArray,
    api_monthly: FloatArray,
    tabulated: bool = False,
) -> None:
    """Fill `demand`, `usage` and `api_monthly` for the trials in `part` (arrays are (.., T, pool, n))."""
    shape, months = usage_shape(team), engineers.shape[0]
    count, pool = part.stop - part.start, int(engineers.max(initial=0))
    zeta = rng.standard_normal((pool, count))
    active = np.arange(pool, dtype=np.float32)[None, :, None] < engineers[:, None, part]
    adoption = adoption_path(team, months)
    if tabulated:
        cells = months * pool * count
        bits = normal_bits(rng, (2, cells))  # 16 bits for the activity, 16 for the month noise
        # P(bits < threshold) = threshold / 2^16: a_t to within 2^-17 (a_t = 1: every engineer is active).
        thresholds = np.rint(adoption * 65536.0).astype(np.uint32)
        active &= bits[0].reshape(months, pool, count) < thresholds[:, None, None]
        amount = np.take(NORMAL_TABLE, bits[1]).reshape(months, pool, count)
        del bits
    else:
        awake = rng.random((months, pool, count), dtype=np.float32)
        amount = rng.standard_normal((months, pool, count), dtype=np.float32)
        active &= awake < adoption.astype(np.float32)[:, None, None]
        del awake
    band = np.searchsorted(np.array(decision.band_edges_zeta[1:-1]), zeta, side="right")
    plan_index = np.array([decision.plans.index(p) for p in decision.band_plans])[band]  # (pool, n)
    # U - cap for capacity plans, U for usage-only plans (ln cap = -inf there, so exp gives 0).
    capacity = np.exp(draws.log_capacity[:, part])[plan_index, np.arange(count)[None, :]].astype(np.float32)
    amount *= np.float32(shape.transient_sd)
    amount += (shape.persistent_sd * zeta).astype(np.float32)[None]
    amount += draws.log_level[:, None, part]
    np.exp(amount, out=amount)
    amount -= capacity[None]
    np.maximum(amount, 0.0, out=amount)
    amount *= active  # inactive engineer-months use nothing
    presence = active.astype(np.float32)
    for k in np.unique(plan_index).tolist():
        # Sums over the pool of the engineers on plan k: a contraction over the engineer axis, several
        # times faster than tallying every engineer-month into (plan, month, trial) cells with bincount.
        member = (plan_index == k).astype(np.float32)  # (pool, n)
        demand[k, :, part] = np.einsum("tpn,pn->tn", presence, member)  # counts: exact in float32
        amounts = np.einsum("tpn,pn->tn", amount, member)  # (T, n) USD, float32 sums of <= pool terms
        usage[k, part] = amounts.sum(axis=0, dtype=np.float64)
        if decision.terms[k].api_billed:
            api_monthly[:, part] += amounts
