"""A strict JSON parser: the body must be UTF-8 JSON that a careful client could have meant.

Refused with a 400 and the field path where there is one (docs/operations.md#reliability-and-security):
the constants NaN, Infinity and -Infinity, numbers that overflow a double (`1e999`), integers longer than
MAX_INTEGER_DIGITS, duplicate keys, lone UTF-16 surrogates (they cannot be stored as UTF-8), NUL
characters (PostgreSQL text and jsonb cannot hold them), and nesting deeper than MAX_DEPTH
(procurement.jsontext.loads_bounded).

Every step is linear in the size of the body: a hostile body up to the size limit is refused in well
under a second (tests/api/test_parser_time.py), never holding a web worker.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import JSONParser

from procurement.api.exceptions import InvalidJson
from procurement.jsontext import TooDeep, loads_bounded, printable

MAX_INTEGER_DIGITS = 30  # the largest legal integer is a 19-digit seed; Python refuses > 4,300 digits
NUL_REFUSED = "contains a NUL character (\\u0000), which text cannot hold"


class _Refused:
    """A parsed value the API refuses; the walk after parsing reports it at its field path."""

    def __init__(self, message: str) -> None:
        self.message = message


class _DuplicateKeys(dict[str, Any]):
    def __init__(self, pairs: list[tuple[str, Any]], duplicates: list[str]) -> None:
        super().__init__(pairs)
        self.duplicates = duplicates


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        if encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"{media_type} (JSON must be sent as UTF-8)")
        raw = stream.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidJson(f"The body is not valid UTF-8 (byte {error.start}).") from error
        return parse_strict_json(text)


def parse_strict_json(text: str) -> Any:
    """The decoded document, or InvalidJson with the offending field paths."""
    try:
        value = loads_bounded(
            text,
            parse_constant=lambda name: _Refused(f"{name} is not a number; send a finite number"),
            parse_float=_parse_float,
            parse_int=_parse_int,
            object_pairs_hook=_object,
        )
    except TooDeep as error:
        raise InvalidJson(str(error)) from error
    except ValueError as error:  # JSONDecodeError is a ValueError
        raise InvalidJson(f"Malformed JSON: {error}.") from error
    errors: dict[str, list[str]] = {}
    for path, message in _refusals(value, ""):
        errors.setdefault(path or "document", []).append(message)
    if errors:
        raise InvalidJson("The JSON contains values the API does not accept.", errors=errors)
    return value


def _parse_float(literal: str) -> float | _Refused:
    value = float(literal)
    if not math.isfinite(value):
        return _Refused(f"{literal} is too large for a number (it overflows to infinity)")
    return value


def _parse_int(literal: str) -> int | _Refused:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        return _Refused(f"an integer of {len(literal.lstrip('-')):,} digits is too long")
    return int(literal)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    counts = Counter(key for key, _ in pairs)
    return _DuplicateKeys(pairs, sorted(key for key, count in counts.items() if count > 1))


def _refusals(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, message) for every refused value; the depth is bounded, so recursion is safe."""
    if isinstance(value, _Refused):
        yield path, value.message
    elif isinstance(value, str):
        if not _is_storable(value):
            yield path, "contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text"
        if "\x00" in value:
            yield path, NUL_REFUSED
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _refusals(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key in getattr(value, "duplicates", []):
            yield _join(path, _printable(key)), "is given more than once"
        for key, item in value.items():
            if not _is_storable(key):
                yield (
                    _join(path, _printable(key)),
                    "the key contains a lone UTF-16 surrogate, which is not text",
                )
            if "\x00" in key:
                yield _join(path, _printable(key)), f"the key {NUL_REFUSED}"
            yield from _refusals(item, _join(path, _printable(key)))


def _is_storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(key: str) -> str:
    """The key as it can appear in an error path (a lone surrogate or NUL shown as its escape)."""
    shown = key if _is_storable(key) else key.encode("utf-8", "backslashreplace").decode("utf-8")
    return printable(shown)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
