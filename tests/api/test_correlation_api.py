"""The API refuses a bad `correlation` loading with 400 and the field path, and serves loadings back."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.api.conftest import Member

SCENARIOS = "/api/v1/scenarios/"
pytestmark = pytest.mark.django_db


def _with(document: dict[str, Any], correlation: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["correlation"] = correlation
    return changed


def test_the_api_refuses_a_loading_above_one_with_400_and_its_path(
    editor: Member, minimal_document: dict[str, Any]
) -> None:
    response = editor.call("POST", SCENARIOS, _with(minimal_document, {"features": 1.5}))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["correlation.features"]
    good = editor.call("POST", SCENARIOS, _with(minimal_document, {"features": 0.3}))
    assert good.status_code == 201
    served = editor.call("GET", good.json()["url"]).json()
    assert served["correlation"] == {"teams": 0.0, "features": 0.3, "paths": 0.0}
