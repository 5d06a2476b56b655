"""The API refuses a bad `planned_levers` with 400 and the field path, and serves a plan back as saved."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.api.conftest import Member

SCENARIOS = "/api/v1/scenarios/"
pytestmark = pytest.mark.django_db


def test_a_start_month_after_the_term_is_refused_with_400_and_its_path(
    editor: Member, minimal_document: dict[str, Any]
) -> None:
    bad = copy.deepcopy(minimal_document)
    bad["planned_levers"] = [{"lever": "model_mix", "start_month": "2030-01"}]  # the term ends 2028-12
    response = editor.call("POST", SCENARIOS, bad)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["planned_levers[0].start_month"]


def test_a_plan_is_saved_and_served_back(editor: Member, minimal_document: dict[str, Any]) -> None:
    good = copy.deepcopy(minimal_document)
    good["planned_levers"] = [{"lever": "cache_hit_rate", "start_month": "2027-06"}]
    created = editor.call("POST", SCENARIOS, good)
    assert created.status_code == 201
    served = editor.call("GET", created.json()["url"]).json()
    assert served["planned_levers"] == good["planned_levers"]
