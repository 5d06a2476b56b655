"""Common factors: what moves features, teams and plans together (docs/model.md#correlation).

Each factor is drawn from its own stream `generator(seed, block, COMMON_PATH, item)`, one standard normal
per trial and then one per month and trial, so it is the same for every feature, team and plan of the
block whichever order they are simulated in and whichever process runs the block:

    P   paths factor (item PATHS_ITEM)
    F = paths x P + sqrt(1 - paths^2) x E_F      features factor (E_F: item FEATURES_ITEM)
    T = paths x P + sqrt(1 - paths^2) x E_T      teams factor (E_T: item TEAMS_ITEM)
    Z_cap                                        capacity shock of every plan, per trial (CAPACITY_ITEM)

A feature's growth normal becomes features x F + sqrt(1 - features^2) x its own normal and its month-t
traffic noise normal features x F_t + sqrt(1 - features^2) x its own; a team's drift normal and its
month-t shock innovation load on T and T_t with `teams` likewise. Each stays standard normal (the
marginals, hence the per-team seat decisions, do not change); two features correlate features^2, two
teams teams^2, a feature and a team features x teams x paths^2. A factor whose loading is 0 is not drawn,
so the model without correlation draws exactly the numbers it drew before factors existed. The capacity
shock is drawn always: the catalog states every plan's capacity as a multiple of one figure, so a change
of limits moves them all.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from forecasting.engine.arrays import FloatArray, PerTrial
from forecasting.engine.inputs import Correlation
from forecasting.engine.streams import COMMON_PATH, generator

PATHS_ITEM = 0
FEATURES_ITEM = 1
TEAMS_ITEM = 2
CAPACITY_ITEM = 3


@dataclass(frozen=True)
class Factor:
    """A common factor of one block: its loading, one draw per trial and one per month and trial."""

    loading: float
    trial: PerTrial  # (n,) loaded on each member's trial-level normal (feature growth, team drift)
    monthly: FloatArray  # (T, n) loaded on each member's monthly normals (feature noise, team shock)


def common_normals(seed: int, block: int, item: int, shape: tuple[int, ...]) -> FloatArray:
    """Standard normals from the common stream `item` of the block (float64, exact)."""
    return generator(seed, block, COMMON_PATH, item).standard_normal(shape)


def _factor(
    correlation: Correlation, loading: float, own_item: int, seed: int, block: int, months: int, trials: int
) -> Factor:
    """paths x P + sqrt(1 - paths^2) x E: row 0 per trial, rows 1..T per month (each stream draws its
    trial-level row first, then the months)."""
    paths = correlation.paths
    draws = common_normals(seed, block, own_item, (1 + months, trials))
    if paths > 0.0:
        draws *= math.sqrt(1.0 - paths**2)
        draws += paths * common_normals(seed, block, PATHS_ITEM, (1 + months, trials))
    return Factor(loading, draws[0], draws[1:])


def features_factor(
    correlation: Correlation, seed: int, block: int, *, months: int, trials: int
) -> Factor | None:
    """F of the block, or None when the features loading is 0 (nothing drawn)."""
    if correlation.features == 0.0:
        return None
    return _factor(correlation, correlation.features, FEATURES_ITEM, seed, block, months, trials)


def teams_factor(
    correlation: Correlation, seed: int, block: int, *, months: int, trials: int
) -> Factor | None:
    """T of the block, or None when the teams loading is 0 (nothing drawn)."""
    if correlation.teams == 0.0:
        return None
    return _factor(correlation, correlation.teams, TEAMS_ITEM, seed, block, months, trials)


def capacity_normals(seed: int, block: int, trials: int) -> PerTrial:
    """Z_cap per trial: the one capacity shock of every plan and team in the trial."""
    return common_normals(seed, block, CAPACITY_ITEM, (trials,))


def load(loading: float, factor: PerTrial, own: PerTrial) -> PerTrial:
    """loading x factor + sqrt(1 - loading^2) x own: a standard normal correlated `loading` with the
    factor (own may be float32; the result is float64)."""
    own64 = np.asarray(own, dtype=np.float64)
    if loading == 1.0:
        return np.asarray(factor, dtype=np.float64).copy()
    return np.asarray(loading * factor + math.sqrt(1.0 - loading**2) * own64, dtype=np.float64)


@dataclass(frozen=True)
class SeatFactors:
    """The common draws of the seat path in one block: what every team's trial-level draws share."""

    capacity: PerTrial  # Z_cap: every plan's log capacity is ln(capacity) + capacity_sd x Z_cap
    usage: Factor | None  # T, loaded on each team's drift and shock innovations; None: teams independent


def seat_factors(
    correlation: Correlation | None, seed: int, block: int, *, months: int, trials: int
) -> SeatFactors:
    """The seat path's common draws of block `block` (None: no correlation, the capacity shock only).

    Every team of a block asks for the same draws: they are computed once per (loadings, seed, block,
    months, trials) and kept, read-only, for the next teams (a pure function of its arguments)."""
    return _seat_factors(correlation or Correlation(), seed, block, months, trials)


@functools.lru_cache(maxsize=4)  # a block's seat scenarios: baseline and the correlation driver's sides
def _seat_factors(correlation: Correlation, seed: int, block: int, months: int, trials: int) -> SeatFactors:
    capacity = capacity_normals(seed, block, trials)
    usage = teams_factor(correlation, seed, block, months=months, trials=trials)
    for array in (capacity, *(() if usage is None else (usage.trial, usage.monthly))):
        array.flags.writeable = False
    return SeatFactors(capacity, usage)
