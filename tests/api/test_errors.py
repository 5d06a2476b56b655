"""The exception handler: one JSON shape for every error, and a JSON 500 for anything unexpected."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from rest_framework.exceptions import ValidationError

from procurement.api import views
from procurement.api.errors import flatten_errors
from procurement.jsontext import MAX_DEPTH, structure_depth
from procurement.models import Scenario
from procurement.services import save_scenario
from tests.api.conftest import Member
from tests.conftest import MINIMAL_DOCUMENT

pytestmark = pytest.mark.django_db


def test_an_unexpected_exception_becomes_a_logged_json_500(
    editor: Member, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom: secret detail")

    monkeypatch.setattr(views, "scenario_representation", explode)
    with caplog.at_level(logging.ERROR, logger="procurement.api"):
        response = editor.call("GET", f"/api/v1/scenarios/{_scenario(editor).pk}/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error", "errors": {}}
    assert "secret detail" not in response.content.decode()  # logged, never shown
    records = [r for r in caplog.records if r.name == "procurement.api"]
    assert len(records) == 1
    assert "GET /api/v1/scenarios/" in records[0].getMessage()
    assert records[0].exc_info is not None


def _scenario(member: Member) -> Scenario:
    return save_scenario(member.organization, MINIMAL_DOCUMENT)


def test_drf_validation_details_flatten_to_field_paths() -> None:
    detail = ValidationError(
        {"teams": [{"name": ["required"]}, {}], "non_field_errors": ["bad"], "trials": ["too big", "odd"]}
    ).detail
    assert flatten_errors(detail) == {
        "teams[0].name": ["required"],
        "document": ["bad"],
        "trials": ["too big", "odd"],
    }


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("{}", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"name": "[[[[{{{{"}', 1),
        ('{"name": "quote \\" then [[["}', 1),
        ("[" * 500 + "]" * 500, 500),
        ("1", 0),
    ],
)
def test_nesting_depth_counts_lists_and_objects_not_brackets_in_strings(text: str, depth: int) -> None:
    assert structure_depth(json.loads(text)) == depth


def test_the_depth_limit_admits_fifty_levels_and_refuses_fifty_one(editor: Member) -> None:
    def nested(levels: int) -> bytes:
        return ("[" * levels + "]" * levels).encode()

    at_limit = editor.call("POST", "/api/v1/scenarios/", raw=nested(MAX_DEPTH))
    over = editor.call("POST", "/api/v1/scenarios/", raw=nested(MAX_DEPTH + 1))
    assert at_limit.status_code == over.status_code == 400
    assert at_limit.json()["errors"] == {"document": ["the body must be a JSON object, not a list"]}
    assert over.json()["code"] == "parse_error"
    assert "51 levels" in over.json()["detail"]
