"""The one JSON policy for computed output (forecast results, usage fits): plain data, and a NaN or an
infinity is an error, never a stored value.

JSON and PostgreSQL's jsonb have no NaN. A computation that has no value to give says so with None on
purpose; a non-finite float reaching storage is a bug, and the error names where it is.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np


class NotJsonData(ValueError):
    """A value that JSON cannot hold (a NaN, an infinity, or an object that is not data); `path` says
    where, as `api.periods[0].recommended.commitment`."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path or "(top level)"
        super().__init__(f"{self.path}: {problem}")


def json_data(value: Any) -> Any:
    """`value` as plain JSON data: NumPy scalars and arrays become Python numbers and lists, tuples
    become lists; NotJsonData for a NaN, an infinity or anything that is not data."""
    return _plain(value, "")


def _plain(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):  # NumPy integers too, which json cannot write
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise NotJsonData(path, f"{number} is not a finite number")
        return number
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotJsonData(path, f"key {key!r} is not a string")
            out[key] = _plain(item, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise NotJsonData(path, f"{type(value).__name__} is not JSON data")
