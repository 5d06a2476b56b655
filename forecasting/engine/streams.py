"""Random streams: every draw of the engine comes from a generator named by (seed, block, path, item).

Block i of a run draws from stream i of `SeedSequence(seed)` (`SeedSequence(seed, spawn_key=(i,))` is
exactly `SeedSequence(seed).spawn(i + 1)[i]`), and inside a block each path and each feature or team has
its own child stream. So a block's numbers do not depend on which process runs it, on the order blocks
run in, or on how many other features or teams were simulated before it; re-simulating one path (levers,
sensitivity) sees the same numbers (common random numbers).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import special

API_PATH = 0
SEAT_PATH = 1
# The common factors of a block (forecasting.engine.factors): one stream per factor, items below.
COMMON_PATH = 2

# Tabulated standard normal for the per-(month, trial) draws of both paths: 2^16 equiprobable quantiles
# Phi^-1((i + 1/2) / 2^16), rescaled to unit variance. Inverse-transform sampling from 16 random bits
# costs ~1.2 ns a draw here against ~9 ns for `standard_normal`; the table is exact to 4 decimals in every
# quantile up to |z| = 4.17, its largest value (a tail probability of 3e-5 is cut off, irrelevant to p5/p95).
_NORMAL_LEVELS = 1 << 16
_raw_table = special.ndtri((np.arange(_NORMAL_LEVELS) + 0.5) / _NORMAL_LEVELS)
NORMAL_TABLE: NDArray[np.float32] = (_raw_table / np.sqrt(np.mean(_raw_table**2))).astype(np.float32)


def generator(seed: int, block: int, path: int, item: int) -> np.random.Generator:
    """The generator for one feature (path API_PATH), one team (path SEAT_PATH) or one common factor
    (path COMMON_PATH) in one block."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, path, item)))


def block_sizes(trials: int, block_trials: int) -> list[int]:
    """Trials in each block: full blocks of `block_trials`, the last one shorter if need be."""
    full, rest = divmod(trials, block_trials)
    return [block_trials] * full + ([rest] if rest else [])


def normal_bits(rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.uint16]:
    """16 random bits per future normal draw (cheap to draw even when some are not used)."""
    count = int(math.prod(int(d) for d in shape))
    raw = rng.bit_generator.random_raw((count + 3) // 4)
    return np.asarray(raw, dtype=np.uint64).view(np.uint16)[:count].reshape(shape)


def table_normals(
    rng: np.random.Generator, shape: tuple[int, ...], out: NDArray[np.float32] | None = None
) -> NDArray[np.float32]:
    """Standard normal draws (float32) by table lookup on 16 random bits each; see NORMAL_TABLE."""
    if out is None:
        return np.take(NORMAL_TABLE, normal_bits(rng, shape))
    np.take(NORMAL_TABLE, normal_bits(rng, shape), out=out, mode="wrap")
    return out
