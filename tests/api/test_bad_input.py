"""The explicit bad-input list (docs/operations.md#reliability-and-security:
fuzzing alone does not find these).

Every request answers 400, 413 or 415 in the API's JSON error shape, names the field where there is one,
never reaches the unexpected-error handler, and saves nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from forecasting.models import ForecastRun
from procurement.models import DiscountBand, Feature, Scenario, Team
from tests.api.conftest import Member
from tests.conftest import MINIMAL_DOCUMENT

pytestmark = pytest.mark.django_db

JSON = "application/json"
PLACEHOLDER = "__PLACEHOLDER__"


def _document(**changes: Any) -> dict[str, Any]:
    """MINIMAL_DOCUMENT with `a.b[0].c`-style paths set (None as value deletes the key)."""
    document = copy.deepcopy(MINIMAL_DOCUMENT)
    for path, value in changes.items():
        *parents, last = path.replace("]", "").replace("[", ".").split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return document


def _doc(**changes: Any) -> bytes:
    return json.dumps(_document(**{k.replace("__", "."): v for k, v in changes.items()})).encode()


def _literal(path: str, literal: str) -> bytes:
    """The document with the value at `path` written as a raw JSON literal (NaN, 1e999, ...)."""
    text = json.dumps(_document(**{path: PLACEHOLDER}))
    return text.replace(f'"{PLACEHOLDER}"', literal).encode()


def _big_body() -> bytes:
    """Just over DATA_UPLOAD_MAX_MEMORY_SIZE (2 MiB by default): a valid document padded in a name."""
    return json.dumps({**MINIMAL_DOCUMENT, "name": "x" * (2 * 1024 * 1024 + 10)}).encode()


@dataclass(frozen=True)
class Bad:
    case: str
    method: str
    target: str  # "scenarios", "scenario" (Acme's saved one), "start", "runs"
    body: bytes | Callable[[], bytes] = b""
    status: int = 400
    field: str | None = None  # the error path the answer must name
    content_type: str = JSON
    query: str = ""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    budget: float | None = None


BAD_INPUTS: list[Bad] = [
    # NUL characters: PostgreSQL text and jsonb cannot hold them (a 500 there, never on SQLite)
    Bad("nul_in_price_catalog", "POST", "scenarios", _doc(price_catalog="x\u0000"), field="price_catalog"),
    Bad("nul_in_name_put", "PUT", "scenario", _doc(name="Acme\u0000"), field="name"),
    Bad("nul_in_team_name", "POST", "scenarios", _doc(teams__0__name="\u0000"), field="teams[0].name"),
    Bad("nul_in_a_key", "POST", "scenarios", b'{"na\\u0000me": "x"}', field="na\\u0000me"),
    # numbers that are not numbers
    Bad(
        "nan_string",
        "POST",
        "scenarios",
        _literal("teams[0].headcount_now", '"NaN"'),
        field="teams[0].headcount_now",
    ),
    Bad(
        "infinity_string",
        "POST",
        "scenarios",
        _literal("features[0].growth", '"Infinity"'),
        field="features[0].growth",
    ),
    Bad(
        "nan_literal",
        "POST",
        "scenarios",
        _literal("teams[0].headcount_now", "NaN"),
        field="teams[0].headcount_now",
    ),
    Bad(
        "infinity_literal",
        "POST",
        "scenarios",
        _literal("features[0].growth", "Infinity"),
        field="features[0].growth",
    ),
    Bad(
        "minus_infinity_literal",
        "POST",
        "scenarios",
        _literal("term_months", "-Infinity"),
        field="term_months",
    ),
    Bad(
        "overflowing_float",
        "POST",
        "scenarios",
        _literal("features[0].volatility", "1e999"),
        field="features[0].volatility",
    ),
    Bad("integer_5000_digits", "POST", "scenarios", _literal("term_months", "1" * 5000), field="term_months"),
    Bad(
        "integer_40_digits_seed",
        "POST",
        "scenarios",
        _literal("simulation.seed", "9" * 40),
        field="simulation.seed",
    ),
    Bad("boolean_for_number", "POST", "scenarios", _doc(term_months=True), field="term_months"),
    Bad(
        "boolean_for_share",
        "POST",
        "scenarios",
        _doc(**{"teams[0]__adoption_now": False}),
        field="teams[0].adoption_now",
    ),
    Bad("number_for_string", "POST", "scenarios", _doc(name=5), field="name"),
    Bad(
        "string_for_boolean",
        "POST",
        "scenarios",
        _doc(**{"contract__api__ramp_allowed": "yes"}),
        field="contract.api.ramp_allowed",
    ),
    Bad("ten_kb_name", "POST", "scenarios", _doc(name="n" * 10_240), field="name"),
    Bad(
        "ten_kb_team_name",
        "POST",
        "scenarios",
        _doc(**{"teams[1]__name": "t" * 10_240}),
        field="teams[1].name",
    ),
    Bad("unknown_top_level_field", "POST", "scenarios", _doc(budget=100), field="budget"),
    Bad(
        "unknown_nested_field", "POST", "scenarios", _doc(**{"teams[0]__salary": 1}), field="teams[0].salary"
    ),
    Bad("missing_required_field", "POST", "scenarios", _doc(start_month=None), field="start_month"),
    Bad("wrong_type_list_for_object", "POST", "scenarios", _doc(teams={}), field="teams"),
    Bad(
        "p90_below_median",
        "POST",
        "scenarios",
        _doc(**{"teams[0]__usage_p90_usd": 10}),
        field="teams[0].usage_p90_usd",
    ),
    Bad(
        "model_mix_not_summing_to_one",
        "POST",
        "scenarios",
        _doc(**{"features[0]__model_mix": {"claude-haiku-4-5": 0.5}}),
        field="features[0].model_mix",
    ),
    Bad(
        "unknown_price_catalog", "POST", "scenarios", _doc(price_catalog="acme-secret"), field="price_catalog"
    ),
    Bad("duplicate_keys", "POST", "scenarios", b'{"name": "A", "name": "B"}', field="name"),
    Bad("lone_surrogate", "POST", "scenarios", _literal("name", '"\\ud800x"'), field="name"),
    Bad("body_is_a_list", "POST", "scenarios", b"[]", field="document"),
    Bad("body_is_a_string", "POST", "scenarios", b'"scenario"', field="document"),
    Bad("body_is_null", "POST", "scenarios", b"null", field="document"),
    Bad("empty_body", "POST", "scenarios", b"", field="name"),
    Bad("empty_object", "PUT", "scenario", b"{}", field="start_month"),
    Bad("malformed_json", "POST", "scenarios", b'{"name": '),
    Bad("trailing_garbage", "POST", "scenarios", b"{} {}"),
    Bad("not_utf8", "POST", "scenarios", b'{"name": "\xff\xfe"}'),
    Bad("nesting_1000_deep", "POST", "scenarios", b"[" * 1000 + b"]" * 1000),
    Bad("nesting_1000_deep_unclosed", "PUT", "scenario", b'{"a":' * 1000),
    Bad("over_size_body", "POST", "scenarios", _big_body, status=413),
    Bad("text_plain", "POST", "scenarios", _doc(), status=415, content_type="text/plain"),
    Bad(
        "form_urlencoded",
        "POST",
        "scenarios",
        b"name=x",
        status=415,
        content_type="application/x-www-form-urlencoded",
    ),
    Bad(
        "multipart",
        "PUT",
        "scenario",
        b"--b\r\n\r\n--b--",
        status=415,
        content_type="multipart/form-data; boundary=b",
    ),
    Bad(
        "latin1_charset",
        "POST",
        "scenarios",
        _doc(),
        status=415,
        content_type="application/json; charset=latin-1",
    ),
    Bad("text_plain_with_body_start", "POST", "start", b"{}", status=415, content_type="text/plain"),
    # forecast starts
    Bad("trials_zero", "POST", "start", b'{"trials": 0}', field="trials"),
    Bad("trials_negative", "POST", "start", b'{"trials": -1}', field="trials"),
    Bad("trials_a_billion", "POST", "start", b'{"trials": 1000000000}', field="trials"),
    Bad("trials_string", "POST", "start", b'{"trials": "5000"}', field="trials"),
    Bad("trials_boolean", "POST", "start", b'{"trials": true}', field="trials"),
    Bad("trials_fraction", "POST", "start", b'{"trials": 1500.5}', field="trials"),
    Bad("trials_nan_literal", "POST", "start", b'{"trials": NaN}', field="trials"),
    Bad("seed_negative", "POST", "start", b'{"seed": -1}', field="seed"),
    Bad("seed_beyond_64_bits", "POST", "start", b'{"seed": 18446744073709551616}', field="seed"),
    Bad("start_unknown_field", "POST", "start", b'{"trails": 5000}', field="trails"),
    Bad("start_body_is_a_list", "POST", "start", b"[5000]", field="document"),
    Bad("compute_budget_exceeded", "POST", "start", b'{"trials": 1000000}', field="trials", budget=5e7),
    Bad(
        "idempotency_key_with_spaces",
        "POST",
        "start",
        b"{}",
        field="Idempotency-Key",
        headers={"HTTP_IDEMPOTENCY_KEY": "a b"},
    ),
    # a chunked body reaches Django as empty: it was answered "name is required" (issue 11)
    Bad(
        "chunked_body",
        "POST",
        "scenarios",
        _doc(),
        status=411,
        headers={"HTTP_TRANSFER_ENCODING": "chunked"},
    ),
    Bad("chunked_start", "POST", "start", b"{}", status=411, headers={"HTTP_TRANSFER_ENCODING": "chunked"}),
    # query parameters
    Bad("status_filter_unknown", "GET", "runs", query="?status=done", field="status"),
    Bad("scenario_filter_not_an_id", "GET", "runs", query="?scenario=1e3", field="scenario"),
    Bad("scenario_filter_zero", "GET", "runs", query="?scenario=0", field="scenario"),
    Bad("organization_filter_empty", "GET", "scenarios", query="?organization=", field="organization"),
    # page sizes the schema does not allow: DRF used to ignore them and answer 200 with 50 results
    Bad("page_size_not_a_number", "GET", "runs", query="?page_size=abc", field="page_size"),
    Bad("page_size_zero", "GET", "scenarios", query="?page_size=0", field="page_size"),
    Bad("page_size_over_200", "GET", "scenarios", query="?page_size=201", field="page_size"),
    Bad("page_size_twice", "GET", "runs", query="?page_size=5&page_size=6", field="page_size"),
    Bad("page_size_5000_digits", "GET", "runs", query="?page_size=" + "9" * 5000, field="page_size"),
    Bad(
        "organization_filter_with_nul",
        "GET",
        "scenarios",
        query="?organization=ac%00me",
        field="organization",
    ),
]


def _rows() -> tuple[int, ...]:
    models = (Scenario, Team, Feature, DiscountBand, ForecastRun)
    return tuple(model.objects.count() for model in models)


def _path(bad: Bad, scenario: Scenario) -> str:
    paths = {
        "scenarios": "/api/v1/scenarios/",
        "scenario": f"/api/v1/scenarios/{scenario.pk}/",
        "start": f"/api/v1/scenarios/{scenario.pk}/forecasts/",
        "runs": "/api/v1/forecasts/",
    }
    return paths[bad.target] + bad.query


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[bad.case for bad in BAD_INPUTS])
def test_bad_input_is_refused_in_json_naming_the_field_and_saves_nothing(
    bad: Bad, editor: Member, scenario_a: Scenario, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    if bad.budget is not None:
        settings.FORECAST_COMPUTE_BUDGET = bad.budget
    before = _rows()
    body = bad.body() if callable(bad.body) else bad.body
    with caplog.at_level(logging.ERROR, logger="procurement.api"):
        response = editor.call(
            bad.method, _path(bad, scenario_a), raw=body, content_type=bad.content_type, **bad.headers
        )
    assert response.status_code == bad.status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert set(payload) == {"detail", "code", "errors"}
    if bad.field is not None:
        assert bad.field in payload["errors"], payload
    assert _rows() == before
    assert not [record for record in caplog.records if record.name == "procurement.api"]


def test_the_list_holds_at_least_thirty_requests() -> None:
    assert len(BAD_INPUTS) >= 30


def test_brackets_inside_strings_do_not_count_as_nesting(
    editor: Member, minimal_document: dict[str, Any]
) -> None:
    response = editor.call("POST", "/api/v1/scenarios/", {**minimal_document, "name": "[" * 60 + "{" * 60})
    assert response.status_code == 201
    assert response.json()["name"] == "[" * 60 + "{" * 60
