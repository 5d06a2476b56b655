"""Hostile requests replayed against a live server: each must answer 4xx, in JSON, within a deadline.

The list is the probe of issue 11 (bodies that froze gunicorn workers, NUL bytes that reached
PostgreSQL, nesting that overflowed the usage importer's stack, a chunked body read as empty, an oversized
body, a zip bomb) plus their neighbours. `replay` sends each with httpx and reports status and seconds,
so a test asserts on it and `python -m tests.live.hostile URL EDITOR VIEWER` prints the table.
"""

from __future__ import annotations

import io
import json
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import MINIMAL_DOCUMENT

DEADLINE_SECONDS = 1.0
SCENARIOS = "/api/v1/scenarios/"
USAGE_IMPORTS = "/api/v1/usage-imports/"


@dataclass
class Hostile:
    name: str
    method: str
    path: str  # may hold {scenario}: the id of a scenario the editor can change
    role: str  # "editor" or "viewer": whose token sends it
    expect: tuple[int, ...]  # acceptable statuses (all 4xx)
    build: Callable[[], dict[str, Any]] = field(repr=False)  # httpx request keyword arguments
    field: str | None = None  # the error path the answer must name


def _json(text: str | bytes) -> dict[str, Any]:
    body = text.encode() if isinstance(text, str) else text
    return {"content": body, "headers": {"Content-Type": "application/json"}}


def _scenario_body(**overrides: Any) -> str:
    """A valid scenario but for the overrides, so a refusal is theirs."""
    return json.dumps({**MINIMAL_DOCUMENT, "name": "Hostile", **overrides})


def _many_keys(count: int) -> bytes:
    """An object of `count` distinct keys and one repeated: 1.7 MB at 150,001 keys."""
    keys = ",".join(f'"k{index}":0' for index in range(count))
    return ("{" + keys + ',"k0":1}').encode()


def _chunked(body: bytes) -> Iterator[bytes]:
    yield body  # an iterator makes httpx send Transfer-Encoding: chunked with no Content-Length


def _zip_bomb() -> bytes:
    """A 160 KB zip that inflates to 160 MB of one JSON string (well past the 20 MB import limit)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("usage.json", b'{"daily": "' + b"0" * 160_000_000 + b'"}')
    return buffer.getvalue()


def _upload(files: list[tuple[str, bytes]], **data: str) -> dict[str, Any]:
    return {
        "files": [("files", (name, content, "application/json")) for name, content in files],
        "data": data,
    }


USAGE = Path(__file__).resolve().parents[1] / "fixtures" / "usage"


def _ccusage() -> bytes:
    return (USAGE / "ccusage" / "eng-01.daily.json").read_bytes()


def _usage_report() -> bytes:
    return (USAGE / "admin-usage-report.json").read_bytes()


WORKSPACE = "wrkspc_01gTyx1sjrf2UXAhRWq9vtH9"  # a workspace of admin-usage-report.json

HOSTILE: list[Hostile] = [
    Hostile(
        "unterminated string of 50,000 escaped quotes (100 KB)",
        "POST", SCENARIOS, "editor", (400,), lambda: _json('"' + '\\"' * 50_000),
    ),
    Hostile(
        "the same from a viewer (refused before the body is read)",
        "POST", SCENARIOS, "viewer", (403,), lambda: _json('"' + '\\"' * 50_000),
    ),
    Hostile(
        "150,001 keys, one repeated (1.7 MB)",
        "POST", SCENARIOS, "editor", (400,), lambda: _json(_many_keys(150_000)),
    ),
    Hostile("100,000 nested [", "POST", SCENARIOS, "editor", (400,), lambda: _json("[" * 100_000)),
    Hostile(
        "NUL in price_catalog (POST)",
        "POST", SCENARIOS, "editor", (400,), lambda: _json(_scenario_body(price_catalog="x\u0000")),
        "price_catalog",
    ),
    Hostile(
        "NUL in the name (PUT)",
        "PUT", SCENARIOS + "{scenario}/", "editor", (400,), lambda: _json(_scenario_body(name="a\u0000b")),
        "name",
    ),
    Hostile(
        "NUL in a key",
        "POST", SCENARIOS, "editor", (400,), lambda: _json('{"na\\u0000me": "x"}'),
    ),
    Hostile(
        "20 MB body",
        "POST", SCENARIOS, "editor", (413,), lambda: _json(b'{"name": "' + b"x" * 20_000_000 + b'"}'),
    ),
    Hostile(
        "chunked body without Content-Length",
        "POST", SCENARIOS, "editor", (411,),
        lambda: {**_json(b""), "content": _chunked(_scenario_body().encode())},
    ),
    Hostile(
        "usage import: NUL in a feature_map key and value",
        "POST", USAGE_IMPORTS, "editor", (400,),
        lambda: _upload(
            [("usage.json", _usage_report())], feature_map=json.dumps({WORKSPACE: "Bot\u0000"})
        ),
        "feature_map",
    ),
    Hostile(
        "usage import: 100,000 nested [",
        "POST", USAGE_IMPORTS, "editor", (400,), lambda: _upload([("deep.json", b"[" * 100_000)]),
    ),
    Hostile(
        "usage import: NUL inside the file",
        "POST", USAGE_IMPORTS, "editor", (400,),
        lambda: _upload([("nul.json", _ccusage().replace(b'"claude-haiku-4-5-20251001"', b'"x\\u0000"', 1))]),
    ),
    Hostile(
        "usage import: 21 MB file",
        "POST", USAGE_IMPORTS, "editor", (413,), lambda: _upload([("big.json", b" " * 21_000_000)]),
    ),
    Hostile(
        "usage import: zip bomb (160 KB → 160 MB)",
        "POST", USAGE_IMPORTS, "editor", (400, 413), lambda: _upload([("bomb.zip", _zip_bomb())]),
    ),
    Hostile(
        "usage import from a viewer",
        "POST", USAGE_IMPORTS, "viewer", (403,), lambda: _upload([("eng-01.json", _ccusage())]),
    ),
    Hostile("page_size=abc", "GET", SCENARIOS + "?page_size=abc", "editor", (400,), lambda: {}),
    Hostile("scenario=0 filter", "GET", "/api/v1/forecasts/?scenario=0", "editor", (400,), lambda: {}),
]  # fmt: skip


@dataclass
class Answer:
    name: str
    status: int
    seconds: float
    expected: tuple[int, ...]
    json_body: bool
    names_field: bool = True

    @property
    def ok(self) -> bool:
        on_time = self.seconds < DEADLINE_SECONDS
        return self.status in self.expected and on_time and self.json_body and self.names_field


def replay(base_url: str, tokens: dict[str, str], scenario_id: int, timeout: float = 60) -> list[Answer]:
    answers = []
    for hostile in HOSTILE:
        request_args = hostile.build()
        headers = {**request_args.pop("headers", {}), "Authorization": f"Token {tokens[hostile.role]}"}
        path = hostile.path.format(scenario=scenario_id)
        with httpx.Client(base_url=base_url, timeout=timeout) as client:
            started = time.perf_counter()
            try:
                response = client.request(hostile.method, path, headers=headers, **request_args)
                status = response.status_code
                is_json = response.headers.get("content-type", "").startswith("application/json")
                errors = response.json().get("errors", {}) if is_json else {}
            except httpx.HTTPError:
                status, is_json, errors = 0, False, {}  # connection dropped or timed out
            seconds = time.perf_counter() - started
        names = hostile.field is None or any(key.startswith(hostile.field) for key in errors)
        answers.append(Answer(hostile.name, status, seconds, hostile.expect, is_json, names))
    return answers


def table(answers: list[Answer]) -> str:
    lines = ["| request | status (expected) | seconds | JSON, field named |", "|---|---|---|---|"]
    for answer in answers:
        expected = "/".join(str(code) for code in answer.expected)
        named = "yes" if answer.names_field else "no"
        lines.append(
            f"| {answer.name} | {answer.status or 'no answer'} ({expected}) | {answer.seconds:.3f} | "
            f"{'yes' if answer.json_body else 'no'}, {named} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    url, editor, viewer, scenario = sys.argv[1:5]
    print(table(replay(url, {"editor": editor, "viewer": viewer}, int(scenario))))
