"""The planning tool's journey: a client generated from the live /api/schema/, used as a tool would use it.

The client is generated on every run by openapi-python-client (pinned in requirements/dev.in) from the
schema the server serves, so the schema is checked against the server's real answers: if a response did
not match its schema, the generated models would fail to parse it (or lose fields, which the round trip
below catches).
"""

from __future__ import annotations

import copy
import importlib
import io
import json
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.api import XLSX
from tests.conftest import MINIMAL_DOCUMENT
from tests.live.conftest import Journey
from tests.live.stack import BIN, Stack

pytestmark = pytest.mark.live
PACKAGE = "planning_client"
RUN_TIMEOUT_SECONDS = 240


@pytest.fixture(scope="session")
def generated(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The client package generated from this server's schema, imported."""
    folder = tmp_path_factory.mktemp("client")
    schema = httpx.get(stack.url("/api/schema/?format=json"), timeout=30)
    assert schema.status_code == 200
    (folder / "schema.json").write_bytes(schema.content)
    config = folder / "config.json"
    config.write_text(
        json.dumps({"post_hooks": [], "project_name_override": PACKAGE, "package_name_override": PACKAGE})
    )
    made = subprocess.run(
        [
            str(BIN / "openapi-python-client"), "generate", "--path", str(folder / "schema.json"),
            "--output-path", str(folder / PACKAGE), "--meta", "none", "--config", str(config),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(package: Any, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_planning_tool(generated: Any, stack: Stack, journey: Journey) -> None:
    scenarios_create = _module(generated, "api.scenarios.scenarios_create")
    scenarios_retrieve = _module(generated, "api.scenarios.scenarios_retrieve")
    scenarios_update = _module(generated, "api.scenarios.scenarios_update")
    forecasts_create = _module(generated, "api.forecasts.scenarios_forecasts_create")
    forecasts_retrieve = _module(generated, "api.forecasts.forecasts_retrieve")
    brief_pdf = _module(generated, "api.forecasts.forecasts_brief_pdf")
    result_xlsx = _module(generated, "api.forecasts.forecasts_result_xlsx")
    models = _module(generated, "models")
    journey.step("generate a client from /api/schema/")

    secret = stack.manage("create_api_token", "planning-tool", "--org", "demo", "--role", "editor").stdout
    client = generated.AuthenticatedClient(base_url=stack.base_url, token=secret.strip(), prefix="Token")
    journey.step("token for the planning tool (create_api_token)")

    document = copy.deepcopy(MINIMAL_DOCUMENT)
    document["name"] = f"Planning tool FY2027 ({stack.name})"
    document["simulation"] = {"trials": 2_000, "seed": 11}
    created = scenarios_create.sync_detailed(client=client, body=models.ScenarioDocument.from_dict(document))
    assert created.status_code == 201, created.content[:500]
    scenario = created.parsed
    assert isinstance(scenario, models.Scenario)
    assert created.headers["location"] == scenario.url
    assert [team.name for team in scenario.teams] == ["Platform", "Web"]
    journey.step("create a scenario (201, Location)")

    fetched = scenarios_retrieve.sync_detailed(str(scenario.id), client=client)
    assert fetched.status_code == 200
    sent_back = models.ScenarioDocument.from_dict(fetched.parsed.to_dict())  # id, url, times included
    updated = scenarios_update.sync_detailed(str(scenario.id), client=client, body=sent_back)
    assert updated.status_code == 200, updated.content[:500]
    journey.step("GET the scenario and PUT it back unchanged")

    started = forecasts_create.sync_detailed(
        str(scenario.id), client=client, body=models.ForecastStart(trials=2_000, seed=11)
    )
    assert started.status_code == 202, started.content[:500]
    run = started.parsed
    assert isinstance(run, models.ForecastRun)
    assert started.headers["location"] == run.url
    journey.step("start a forecast (202, Location)")

    progress_seen: list[tuple[str, float]] = []
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while True:
        polled = forecasts_retrieve.sync_detailed(str(run.id), client=client)
        assert polled.status_code == 200
        detail = polled.parsed
        status = detail.status.value
        if not progress_seen or progress_seen[-1] != (status, detail.progress):
            progress_seen.append((status, detail.progress))
        if status in ("succeeded", "failed"):
            break
        assert time.monotonic() < deadline, (progress_seen, stack.tails())
        time.sleep(0.5)
    assert status == "succeeded", (detail.error, stack.tails())
    assert [p for _, p in progress_seen] == sorted(p for _, p in progress_seen)  # progress never goes back
    assert progress_seen[-1] == ("succeeded", 1.0)
    journey.step(f"poll to success ({len(progress_seen)} distinct states)")

    raw = json.loads(polled.content)
    result = detail.result
    assert isinstance(result, models.ForecastResult)
    assert result.to_dict() == raw["result"]  # the generated models lost nothing of the result
    periods = raw["result"]["api"]["periods"]
    assert len(periods) == 2  # 24 months in 12-month periods
    for period in periods:
        assert period["recommended"]["commitment"] >= 0
        assert period["recommended"]["expected_cost"] > 0
    assert raw["result"]["simulation"]["trials"] == 2_000
    journey.step("read the result through the generated models")

    brief = brief_pdf.sync_detailed(str(run.id), client=client)
    assert brief.status_code == 200
    assert brief.headers["content-type"] == "application/pdf"
    assert brief.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(brief.content)).pages)
    assert document["name"] in text
    journey.step("download the brief (a PDF naming the scenario)")

    workbook = result_xlsx.sync_detailed(str(run.id), client=client)
    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(workbook.content))
    decision = dict(book["Decision"].iter_rows(min_row=2, values_only=True))
    total = raw["result"]["total"]["expected_cost"]
    assert decision["Total expected cost over the term"] == pytest.approx(total, rel=1e-12)
    assert decision["Scenario"] == document["name"]
    journey.step("download the result workbook (its total is the result's)")

    bad = copy.deepcopy(document)
    bad["name"] = "Planning tool, bad numbers"
    bad["teams"][0]["usage_p90_usd"] = 100  # below the median of 150
    bad["features"][0]["model_mix"] = {"claude-sonnet-4-5": 0.5}  # sums to 0.5
    refused = scenarios_create.sync_detailed(client=client, body=models.ScenarioDocument.from_dict(bad))
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/json"
    error = refused.parsed
    assert isinstance(error, models.Error)
    paths = set(error.errors.additional_properties)
    assert {"teams[0].usage_p90_usd", "features[0].model_mix"} <= paths, paths
    journey.step("a bad scenario: 400 with field paths")
    missing = forecasts_retrieve.sync_detailed("999999999", client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Error)
    journey.step("an unknown run: JSON 404")
