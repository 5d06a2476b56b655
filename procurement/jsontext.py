"""Decoding JSON text within bounds, shared by the API's parser and the usage importer; linear time.

`loads_bounded` refuses nesting deeper than MAX_DEPTH: the C decoder itself stops a body like 100,000 `[`
(it raises RecursionError, caught here, long before the stack is at risk), and the depth of what it did
decode is measured by an explicit walk. An earlier pre-scan of the text with a regular expression was
quadratic on an unterminated string (100 KB of `\"` took 30 s) and touched memory in proportion to the
body even when fixed; no pre-scan is needed. `nul_paths` finds the NUL characters PostgreSQL's text and
jsonb cannot hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 50  # a scenario nests 5 deep (features[i].levers.model_mix), a usage report 6; ample room


class TooDeep(ValueError):
    """JSON nested deeper than MAX_DEPTH; `depth` is None when the decoder stopped before the end."""

    def __init__(self, depth: int | None) -> None:
        self.depth = depth
        shown = f"{depth} levels deep" if depth is not None else "hundreds of levels deep"
        super().__init__(f"The JSON nests {shown}; at most {MAX_DEPTH} are allowed.")


def loads_bounded(text: str, **hooks: Any) -> Any:
    """`json.loads(text, **hooks)`, or TooDeep; JSONDecodeError as json.loads raises it."""
    try:
        value = json.loads(text, **hooks)
    except RecursionError:
        raise TooDeep(None) from None
    depth = structure_depth(value)
    if depth > MAX_DEPTH:
        raise TooDeep(depth)
    return value


def structure_depth(value: Any) -> int:
    """How deeply lists and objects nest in a decoded value ({} and [] count 1, a number 0)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item)
    return deepest


def nul_paths(value: Any, path: str = "") -> Iterator[str]:
    """The paths (`a.b[2]`) of strings and keys holding a NUL; the depth is bounded by loads_bounded."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "document"
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_paths(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{printable(key)}" if path else printable(key)
            if "\x00" in key:
                yield where
            yield from nul_paths(item, where)


def printable(key: str) -> str:
    """A key as it can appear in an error path: a NUL shown as its escape."""
    return key.replace("\x00", "\\u0000")
