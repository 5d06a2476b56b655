"""`manage.py forecast`: same result as a run, progress and summary printed, field-path errors, PDF."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from forecasting.management.commands.forecast import Command
from forecasting.services import execute_forecast, start_forecast
from procurement.models import Organization
from procurement.services import save_scenario
from tests.forecasting.runs import seated_document, without_seconds

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario_file(tmp_path: Path, small_document: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(small_document))
    return path


def run_command(*argv: str) -> tuple[int, str, str]:
    """Run as `manage.py forecast ...` does: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    command = Command(stdout=out, stderr=err)
    # run_from_argv closes every connection when it ends, which would end the test's transaction.
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            command.run_from_argv(["manage.py", "forecast", *argv])
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_cli_writes_the_result_of_a_run_of_the_same_scenario_and_seed(
    scenario_file: Path,
    tmp_path: Path,
    organization: Organization,
    small_document: dict[str, Any],
    capsys: Any,
) -> None:
    output = tmp_path / "out" / "result.json"
    call_command("forecast", str(scenario_file), "--output", str(output), "--trials", "3000", "--seed", "13")
    written = json.loads(output.read_text())
    run, _ = start_forecast(save_scenario(organization, small_document), user=None, trials=3_000, seed=13)
    execute_forecast(run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert without_seconds(written) == without_seconds(run.result)
    printed = capsys.readouterr().out
    assert "simulated block 3 of 3 (100%)" in printed
    first_period = written["api"]["periods"][0]["recommended"]
    assert f"commit ${first_period['commitment']:,.0f} at {first_period['discount']:.0%} discount" in printed
    total = written["total"]
    assert f"Total expected cost: ${total['expected_cost']:,.0f}" in printed
    assert f"p95 ${total['cost']['p95']:,.0f}" in printed
    for team in written["seats"]["teams"]:
        assert f"  {team['name']}: " in printed


def test_a_bad_scenario_file_prints_field_path_errors_and_exits_non_zero(
    tmp_path: Path, small_document: dict[str, Any], db: None
) -> None:
    document = seated_document()
    team = document["teams"][0]
    del team["usage_preset"]
    team["usage_median_usd"], team["usage_p90_usd"] = 150, 10  # a p90 below the median
    document["features"][0]["cache_hit_rate"] = 1.5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    status, _out, err = run_command(str(path), "--output", str(tmp_path / "r.json"))
    assert status == 1
    assert "teams[0].usage_p90_usd: must be ≥ usage_median_usd" in err, err
    assert "features[0].cache_hit_rate" in err
    assert not (tmp_path / "r.json").exists()


def test_trials_out_of_bounds_and_unknown_catalog_are_field_errors(
    scenario_file: Path, tmp_path: Path, db: None
) -> None:
    status, _, err = run_command(
        str(scenario_file), "--output", str(tmp_path / "r.json"), "--trials", "5", "--catalog", "nope"
    )
    assert status == 1
    assert "simulation.trials" in err
    assert "price_catalog" in err


def test_a_file_that_is_not_json_is_refused_with_its_position(tmp_path: Path, db: None) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x",')
    status, _, err = run_command(str(path), "--output", str(tmp_path / "r.json"))
    assert status == 1
    assert "is not JSON" in err
    assert "line 1" in err


def test_the_cli_writes_the_pdf_brief_when_the_renderer_is_present(
    scenario_file: Path, tmp_path: Path, db: None
) -> None:
    pdf = tmp_path / "brief.pdf"
    status, out, _ = run_command(
        str(scenario_file),
        "--output",
        str(tmp_path / "r.json"),
        "--pdf",
        str(pdf),
        "--organization",
        "Acme Corp",
    )
    assert status == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert f"Brief written to {pdf}" in out
    cover = PdfReader(pdf).pages[0].extract_text()
    assert "Acme Corp" in cover
