"""One preparation of a scenario document (`prepare_document`): a run started from the API or the admin's
"Run forecast", the CLI and `forecast_document` prepare the same document from the same input, and the
CLI validates the file once."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

import procurement.scenario_document
from forecasting.management.commands import forecast as command_module
from forecasting.models import ForecastRun
from forecasting.services import PreparedDocument, forecast_document, prepare_document
from forecasting.services import execution as execution_module
from procurement.models import Scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def prepared(monkeypatch: pytest.MonkeyPatch) -> list[PreparedDocument]:
    """Each document the CLI and `forecast_document` hand to the engine, recorded on its way there."""
    seen: list[PreparedDocument] = []
    real = execution_module.forecast_prepared

    def spy(document: PreparedDocument, **kwargs: Any) -> dict[str, Any]:
        seen.append(document)
        return real(document, **kwargs)

    monkeypatch.setattr(execution_module, "forecast_prepared", spy)  # forecast_document's
    monkeypatch.setattr(command_module, "forecast_prepared", spy)  # the CLI's
    return seen


def api_start(scenario: Scenario, user: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(f"/api/v1/scenarios/{scenario.pk}/forecasts/", body or {}, format="json")
    assert response.status_code == 202, response.content
    snapshot: dict[str, Any] = ForecastRun.objects.get(pk=response.json()["id"]).scenario_snapshot
    return snapshot


def admin_start(scenario: Scenario, user: Any) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    response = client.post(reverse("admin:procurement_scenario_run_forecast", args=[scenario.pk]))
    assert response.status_code == 302
    snapshot: dict[str, Any] = ForecastRun.objects.filter(scenario=scenario).latest("pk").scenario_snapshot
    return snapshot


def cli(document: dict[str, Any], tmp_path: Path, *flags: str) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document))
    call_command("forecast", str(path), "--output", str(tmp_path / "result.json"), *flags)


@pytest.mark.parametrize(
    "requested", [{}, {"trials": 3_000, "seed": 13}], ids=["the scenario's trials and seed", "requested ones"]
)
def test_every_entry_point_prepares_the_same_document(
    requested: dict[str, int],
    scenario: Scenario,
    editor: Any,
    small_document: dict[str, Any],
    prepared: list[PreparedDocument],
    tmp_path: Path,
) -> None:
    documents = [api_start(scenario, editor, requested)]
    if not requested:  # the admin's "Run forecast" asks for no trials or seed: the scenario's own
        documents.append(admin_start(scenario, editor))
    cli(
        small_document,
        tmp_path,
        *(arg for key, value in requested.items() for arg in (f"--{key}", str(value))),
    )
    trials, seed = requested.get("trials"), requested.get("seed")
    forecast_document(small_document, catalog=scenario.price_catalog, trials=trials, seed=seed)
    documents += [p.document for p in prepared]  # the CLI's, then forecast_document's
    assert len(documents) == (3 if requested else 4)
    assert all(document == documents[0] for document in documents[1:])
    assert documents[0]["simulation"] == {"trials": 2_000, "seed": 7, **requested}
    assert documents[0]["price_catalog"] == scenario.price_catalog.slug
    assert [f["name"] for f in documents[0]["features"]] == [f["name"] for f in small_document["features"]]
    written = json.loads((tmp_path / "result.json").read_text())
    assert (written["simulation"]["trials"], written["simulation"]["seed"]) == (
        requested.get("trials", 2_000),
        requested.get("seed", 7),
    )


def test_without_a_seed_anywhere_one_is_chosen_and_recorded(small_document: dict[str, Any]) -> None:
    document = {**small_document, "simulation": {"trials": 2_000}}
    first, second = prepare_document(document), prepare_document(document)
    assert 0 <= first.seed < 2**32
    assert first.seed != second.seed  # 1 chance in 4 billion of a false failure
    assert document["simulation"] == {"trials": 2_000}  # the caller's document is left as it was


def test_the_cli_validates_the_document_once(
    small_document: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted wherever the validator is called from: every module that imported it gets the counter."""
    real = procurement.scenario_document.validate_scenario_document
    calls: list[object] = []

    def counting(doc: object, **kwargs: Any) -> dict[str, Any]:
        calls.append(doc)
        return real(doc, **kwargs)

    holders = [m for m in list(sys.modules.values()) if vars(m).get("validate_scenario_document") is real]
    assert len(holders) >= 2  # the package and procurement.services at least
    for module in holders:
        monkeypatch.setattr(module, "validate_scenario_document", counting)
    cli(small_document, tmp_path, "--trials", "3000")
    assert len(calls) == 1
    assert (tmp_path / "result.json").exists()
