"""Executing a run in-process (SQLite, eager Celery): result, progress, idempotency, failure paths."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from typing import Any

import pytest
from django.db import OperationalError

from forecasting.models import ForecastRun
from forecasting.services import execute_forecast, forecast_document, start_forecast
from forecasting.services import execution as execution_module
from forecasting.services.claims import record_progress
from procurement.models import Scenario
from tests.forecasting.runs import without_seconds

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(scenario: Scenario, editor: Any) -> ForecastRun:
    """A run started without publishing (the transaction of a `db` test never commits)."""
    return start_forecast(scenario, user=editor, trials=3_000, seed=11)[0]


def reference(scenario: Scenario, *, trials: int, seed: int) -> dict[str, Any]:
    """The same scenario forecast in-process by the CLI's path."""
    from procurement.services import scenario_to_document

    return forecast_document(
        scenario_to_document(scenario), catalog=scenario.price_catalog, trials=trials, seed=seed
    )


def test_a_started_run_executes_after_commit_and_equals_the_in_process_result(
    seated_scenario: Scenario, editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = start_forecast(seated_scenario, user=editor, trials=3_000, seed=11)
    run.refresh_from_db()
    assert (run.status, run.progress, run.blocks_done, run.blocks_total, run.attempts) == (
        "succeeded",
        1.0,
        3,
        3,
        1,
    )
    assert run.error == ""
    assert run.finished_at is not None
    assert run.started_at is not None
    assert without_seconds(run.result) == without_seconds(reference(seated_scenario, trials=3_000, seed=11))
    assert run.result is not None
    assert (run.result["simulation"]["trials"], run.result["simulation"]["seed"]) == (3_000, 11)


def test_progress_is_written_after_each_finished_block(
    queued: ForecastRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[tuple[int, float]] = []
    real = record_progress

    def spy(claim: Any, done: int, total: int) -> None:
        real(claim, done, total)
        run = ForecastRun.objects.get(pk=claim.run_id)
        written.append((run.blocks_done, run.progress))

    monkeypatch.setattr(execution_module, "record_progress", spy)
    execute_forecast(queued.pk)
    assert written == [(0, 0.0), (1, 1 / 3), (2, 2 / 3), (3, 1.0)]


def test_executing_a_finished_run_again_changes_nothing(queued: ForecastRun) -> None:
    execute_forecast(queued.pk)
    before = ForecastRun.objects.get(pk=queued.pk)
    execute_forecast(queued.pk)  # a late duplicate delivery
    after = ForecastRun.objects.get(pk=queued.pk)
    assert (after.result, after.finished_at, after.attempts) == (before.result, before.finished_at, 1)


def test_a_run_left_by_a_dead_worker_is_recomputed_to_the_same_result(
    queued: ForecastRun, scenario: Scenario
) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    ForecastRun.objects.filter(pk=queued.pk).update(
        status="running",
        attempts=1,
        claim_token=uuid.uuid4(),
        claimed_by=f"{socket.gethostname()}:{child.pid}",
        blocks_done=2,
        progress=2 / 3,
    )
    execute_forecast(queued.pk)
    run = ForecastRun.objects.get(pk=queued.pk)
    assert (run.status, run.attempts) == ("succeeded", 2)
    assert without_seconds(run.result) == without_seconds(reference(scenario, trials=3_000, seed=11))


def test_an_engine_error_fails_the_run_with_a_readable_reason_and_no_result(
    queued: ForecastRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(inp: Any, on_progress: Any) -> dict[str, Any]:
        raise ValueError("teams[0]: headcount path is negative")

    monkeypatch.setattr(execution_module, "_forecast", broken)
    execute_forecast(queued.pk)
    run = ForecastRun.objects.get(pk=queued.pk)
    assert (run.status, run.result, run.claim_token) == ("failed", None, None)
    assert run.error == "The forecast failed (ValueError): teams[0]: headcount path is negative"


def test_running_out_of_memory_is_reported_as_such(
    queued: ForecastRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    def oom(inp: Any, on_progress: Any) -> dict[str, Any]:
        raise MemoryError

    monkeypatch.setattr(execution_module, "_forecast", oom)
    execute_forecast(queued.pk)
    assert ForecastRun.objects.get(pk=queued.pk).error == "The forecast ran out of memory; try fewer trials."


def test_a_result_with_a_nan_is_refused_and_never_stored(
    queued: ForecastRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execution_module, "_forecast", lambda inp, on_progress: {"total": float("nan")})
    execute_forecast(queued.pk)
    run = ForecastRun.objects.get(pk=queued.pk)
    assert (run.status, run.result) == ("failed", None)
    assert "total: nan is not a finite number" in run.error  # the message names where the NaN is


def test_numpy_numbers_in_a_result_are_stored_as_plain_json(
    queued: ForecastRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    produced = {"n": np.int64(3), "x": np.float64(0.25), "v": np.array([1.5, 2.0])}
    monkeypatch.setattr(execution_module, "_forecast", lambda inp, on_progress: produced)
    execute_forecast(queued.pk)
    assert ForecastRun.objects.get(pk=queued.pk).result == {"n": 3, "x": 0.25, "v": [1.5, 2.0]}


def test_a_database_error_hands_the_run_back_for_a_retry(
    queued: ForecastRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_gone(inp: Any, on_progress: Any) -> dict[str, Any]:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(execution_module, "_forecast", database_gone)
    with pytest.raises(OperationalError):
        execute_forecast(queued.pk)
    run = ForecastRun.objects.get(pk=queued.pk)
    assert (run.status, run.claim_token, run.attempts, run.error) == ("queued", None, 1, "")


def test_a_run_taken_over_mid_way_stops_and_writes_nothing(
    queued: ForecastRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    usurper = uuid.uuid4()
    real = record_progress

    def taken_over_after_first_block(claim: Any, done: int, total: int) -> None:
        if done == 1:
            ForecastRun.objects.filter(pk=claim.run_id).update(claim_token=usurper)
        real(claim, done, total)

    monkeypatch.setattr(execution_module, "record_progress", taken_over_after_first_block)
    execute_forecast(queued.pk)
    run = ForecastRun.objects.get(pk=queued.pk)
    assert (run.status, run.claim_token, run.result, run.blocks_done) == ("running", usurper, None, 0)
