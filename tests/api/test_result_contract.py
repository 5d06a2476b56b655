"""The published `ForecastResult` component is the contract, and a run's stored result matches it strictly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from forecasting.api.schema import result_schema
from forecasting.models import ForecastRun
from procurement.models import Scenario
from tests.api.conftest import Member
from tests.api.test_forecasts import start_path
from tests.engine.test_contract import contract_errors


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    component: dict[str, Any] = json.loads(response.content)["components"]["schemas"]["ForecastResult"]
    return component


def test_the_published_component_is_generated_from_the_contract(published: dict[str, Any]) -> None:
    assert published == json.loads(json.dumps(result_schema()))
    assert published["required"] == list(published["properties"])
    period = published["properties"]["api"]["properties"]["periods"]["items"]
    assert period["properties"]["baselines"]["required"] == ["no_commitment", "run_rate", "median"]
    assert published["properties"]["blended_vs_separated"]["nullable"] is True
    assert published["properties"]["concessions"]["items"]["properties"]["name"]["enum"][0] == "rollover_25"


@pytest.mark.django_db
def test_a_runs_stored_and_served_result_matches_the_strict_contract(
    editor: Member, scenario_a: Scenario, django_capture_on_commit_callbacks: Any, in_process_celery: None
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        started = editor.call("POST", start_path(scenario_a), {"trials": 1_000, "seed": 5})
    served = editor.call("GET", started.json()["url"]).json()["result"]
    stored = ForecastRun.objects.get(pk=started.json()["id"]).result
    assert served == stored
    assert served["simulation"]["trials"] == 1_000
    assert contract_errors(served) == []


def test_the_example_result_of_the_api_and_report_tests_matches_the_strict_contract(
    result_example: dict[str, Any],
) -> None:
    assert contract_errors(result_example) == []
