"""Random streams: every draw of the engine comes from a generator named by (seed, block, path, item).

Block i of a run draws from stream i of `SeedSequence(seed)` (`SeedSequence(seed, spawn_key=(i,))` is
exactly `SeedSequence(seed).spawn(i + 1)[i]`), and inside a block each path and each feature or team has
its own child stream. So a block's numbers do not depend on which process runs it, on the order blocks
run in, or on how many other features or teams were simulated before it; re-simulating one path (levers,
sensitivity) sees the same numbers (common random numbers).
"""

from __future__ import annotations

import numpy as np

API_PATH = 0
SEAT_PATH = 1


def generator(seed: int, block: int, path: int, item: int) -> np.random.Generator:
    """The generator for one feature (path API_PATH) or one team (path SEAT_PATH) in one block."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, path, item)))


def block_sizes(trials: int, block_trials: int) -> list[int]:
    """Trials in each block: full blocks of `block_trials`, the last one shorter if need be."""
    full, rest = divmod(trials, block_trials)
    return [block_trials] * full + ([rest] if rest else [])
