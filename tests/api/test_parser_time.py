"""The strict JSON parser takes time linear in the body, for the bodies that made it quadratic (issue 11).

A property over body shapes: parsing 4x the body (a quarter of the 2 MB size limit, then all of it)
takes under 10x the time, where a quadratic parser takes about 16x and a linear one about 4x. Times are
the best of five runs, so a busy machine cannot fail a linear parser. The absolute time of a body at the
size limit (target: under a second) is a benchmark, `python -m benchmarks.parser_bench`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest

from procurement.api.exceptions import InvalidJson
from procurement.api.parsers import parse_strict_json
from procurement.jsontext import structure_depth

LIMIT_BYTES = 2 * 1024 * 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE


def _escaped_quotes(size: int) -> str:
    return '"' + '\\"' * (size // 2)  # unterminated: used to be retried from every quote


def _keys_with_one_repeat(size: int) -> str:
    count = size // 12
    return "{" + ",".join(f'"k{i}":0' for i in range(count)) + ',"k0":1}'


def _backslashes(size: int) -> str:
    return '["' + "\\\\" * (size // 2)  # unterminated string of escaped backslashes


def _many_strings(size: int) -> str:
    return "[" + ",".join(['"a[{"'] * (size // 6)) + "]"


def _open_brackets(size: int) -> str:
    return "[" * size


SHAPES: dict[str, Callable[[int], str]] = {
    "unterminated escaped quotes": _escaped_quotes,
    "keys with one repeated": _keys_with_one_repeat,
    "unterminated backslashes": _backslashes,
    "many strings holding brackets": _many_strings,
    "open brackets": _open_brackets,
}


def _once(text: str) -> float:
    started = time.perf_counter()
    with contextlib.suppress(InvalidJson):
        parse_strict_json(text)
    return time.perf_counter() - started


def best_seconds(*texts: str) -> list[float]:
    """The best of five timings of each text, taken in turns so that load on the machine (the other
    xdist worker) weighs on all of them alike."""
    best = [float("inf")] * len(texts)
    for _ in range(5):
        for index, text in enumerate(texts):
            best[index] = min(best[index], _once(text))
    return best


@pytest.mark.parametrize("shape", SHAPES)
def test_parse_time_grows_linearly_with_the_body(shape: str) -> None:
    small, large = SHAPES[shape](LIMIT_BYTES // 4), SHAPES[shape](LIMIT_BYTES)
    assert len(large) > 3.5 * len(small)
    small_seconds, large_seconds = best_seconds(small, large)
    # A floor of 5 ms keeps timer noise out of tiny times.
    assert large_seconds < 10 * max(small_seconds, 0.005), (small_seconds, large_seconds)


def test_depth_counts_lists_and_objects_not_brackets_inside_strings() -> None:
    assert structure_depth(parse_strict_json('{"a": "[[[[", "b": [1, "]]]"]}')) == 2
    assert structure_depth(parse_strict_json('["\\\\", [["\\"["]]]')) == 3
    with pytest.raises(InvalidJson, match="hundreds of levels deep"):
        parse_strict_json("[" * 100_000)
    with pytest.raises(InvalidJson, match="51 levels deep"):
        parse_strict_json("[" * 51 + "]" * 51)


def test_duplicate_keys_and_nul_are_refused_with_their_paths() -> None:
    with pytest.raises(InvalidJson) as refused:
        parse_strict_json('{"a": 1, "b": {"c": "x\\u0000", "d\\u0000": 1}, "a": 2}')
    errors = refused.value.errors
    assert set(errors) == {"a", "b.c", "b.d\\u0000"}
    assert "more than once" in errors["a"][0]
    assert "NUL" in errors["b.c"][0]
