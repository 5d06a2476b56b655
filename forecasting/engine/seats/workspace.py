"""Scratch arrays of the fast seat path, reused from one block to the next.

A block of 5,000 trials x 36 months needs some twenty (months, trials) temporaries (~15 MB). Allocated
afresh, the allocator hands them back to the OS after every block and the next block page-faults them
in again: measured here, that cost as much as the arithmetic. A `Workspace` keeps them per thread and
hands the same arrays to the next block of the same size. Every array it returns is uninitialised
scratch: callers overwrite it completely before reading it, and nothing that outlives a block (a
`TeamBlock`) may be a workspace array. Results never depend on the cache.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

_local = threading.local()


class Workspace:
    """Named scratch arrays for blocks of `trials` trials; other shapes are allocated fresh."""

    def __init__(self, trials: int) -> None:
        cache: dict[tuple[str, tuple[int, ...], str], NDArray[Any]] | None = getattr(_local, "cache", None)
        if cache is None or getattr(_local, "trials", None) != trials:
            cache = {}  # a new block size (the short last block of a run): drop the old arrays
            _local.cache, _local.trials = cache, trials
        self._cache = cache
        self.trials = trials

    def array(self, name: str, shape: tuple[int, ...], dtype: DTypeLike = np.float32) -> NDArray[Any]:
        """Uninitialised scratch of this shape; the same array for the same name in the next block."""
        if not shape or shape[-1] != self.trials:
            return np.empty(shape, dtype=dtype)
        key = (name, shape, np.dtype(dtype).str)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = np.empty(shape, dtype=dtype)
        return found
