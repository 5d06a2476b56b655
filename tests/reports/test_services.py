"""The brief of a stored run (ORM -> BriefData -> PDF) and the CLI's `write_brief_for_document`."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from forecasting.models import ForecastRun
from forecasting.services import forecast_document
from procurement.models import PriceCatalog, catalog_snapshot
from reports.formatting import money
from reports.services import (
    BriefNotReady,
    brief_data_for,
    brief_filename,
    brief_pdf_for,
    write_brief_for_document,
)
from tests.reports.pdf_tools import page_texts, reader, squash
from tests.reports.run_rows import (
    example_catalog,
    example_result,
    organization,
    succeeded_run,
    unfinished_run,
)

pytestmark = pytest.mark.django_db


def test_brief_data_is_the_runs_stored_rows_not_the_live_catalog() -> None:
    run = succeeded_run(organization("Acme Robotics, Inc."), scenario_name="FY2027 base")
    data = brief_data_for(ForecastRun.objects.get(pk=run.pk))
    assert data.organization_name == "Acme Robotics, Inc."
    assert data.scenario_name == "FY2027 base"
    assert data.run_id == run.pk
    assert data.catalog == example_catalog()  # the snapshot, with its own slug and sources
    assert data.result == example_result()


def test_brief_is_dated_with_the_runs_finish_date_in_utc() -> None:
    # 23:30 in New York on 1 December is already 2 December in UTC: the date must not follow the server's
    # zone, or the same run would give a different document on another machine.
    new_york = datetime.timezone(datetime.timedelta(hours=-5))
    finished = datetime.datetime(2026, 12, 1, 23, 30, tzinfo=new_york)
    run = succeeded_run(organization(), finished_at=finished)
    assert brief_data_for(run).generated_on == "2026-12-02"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (ForecastRun.Status.QUEUED, "queued (0% done)"),
        (ForecastRun.Status.RUNNING, "running (40% done)"),
        (ForecastRun.Status.FAILED, "failed"),
    ],
)
def test_a_run_without_a_result_has_no_brief_and_says_why(status: str, words: str) -> None:
    run = unfinished_run(organization(), status=status, blocks_done=0 if status == "queued" else 2)
    with pytest.raises(BriefNotReady) as refused:
        brief_data_for(run)
    assert words in str(refused.value)
    assert refused.value.status == status


def test_same_run_gives_the_same_pdf_bytes_with_its_numbers() -> None:
    run = succeeded_run(organization("Acme Robotics, Inc."), scenario_name="FY2027 base")
    first = brief_pdf_for(run)
    second = brief_pdf_for(ForecastRun.objects.get(pk=run.pk))  # a fresh read of the JSON columns
    assert first == second
    cover = squash(page_texts(first, [0])[0])
    result = example_result()
    for shown in (
        "AcmeRobotics,Inc.",
        "FY2027base",
        f"run{run.pk}",
        "2026-12-01",
        squash(money(result["total"]["expected_cost"])),
        squash(money(result["api"]["periods"][0]["recommended"]["commitment"])),
    ):
        assert shown in cover


def test_brief_filename_is_ascii_whatever_the_names() -> None:
    run = succeeded_run(organization('Ünïcode "quoted"\r\nX-Injected: 1'), scenario_name="名前")
    assert brief_filename(run) == f"brief-run-{run.pk}.pdf"


def test_write_brief_for_document_writes_a_valid_pdf_named_after_the_document(tmp_path: Path) -> None:
    target = tmp_path / "brief.pdf"
    result = example_result()
    write_brief_for_document(result, {"name": "CLI scenario"}, example_catalog(), target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF-")
    document = reader(pdf)
    assert len(document.pages) >= 6  # one page or more per section, six sections
    cover = squash(page_texts(pdf, [0])[0])
    assert "CLIscenario" in cover
    assert "runcli" in cover
    assert squash(money(result["total"]["expected_cost"])) in cover
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.pdf"]  # no temporary file left


def test_write_brief_for_document_leaves_no_file_when_the_result_is_unusable(tmp_path: Path) -> None:
    target = tmp_path / "brief.pdf"
    broken: dict[str, Any] = example_result()
    del broken["total"]
    with pytest.raises(KeyError):
        write_brief_for_document(broken, {"name": "CLI scenario"}, example_catalog(), target)
    assert list(tmp_path.iterdir()) == []


def test_cli_brief_of_a_real_engine_result_shows_its_headline_numbers(
    tmp_path: Path, minimal_document: dict[str, Any], default_catalog: PriceCatalog
) -> None:
    # The CLI's path end to end on a small run (1,000 trials: the numbers need not be precise, only the
    # engine's result shape must be what the brief reads).
    result = forecast_document(minimal_document, catalog=default_catalog, trials=1_000, seed=3)
    target = tmp_path / "brief.pdf"
    write_brief_for_document(
        result, minimal_document, catalog_snapshot(default_catalog), target, organization_name="Acme"
    )
    cover = squash(page_texts(target.read_bytes(), [0])[0])
    assert squash(minimal_document["name"]) in cover
    assert squash(money(result["total"]["expected_cost"])) in cover
    for period in result["api"]["periods"]:
        assert squash(money(period["recommended"]["commitment"])) in cover
    brief = squash("".join(page_texts(target.read_bytes())))
    for team in result["seats"]["teams"]:
        assert squash(team["name"]) in brief
