"""Runs fanned out as chunks: merged result equals one process, progress per chunk, resumption, poison."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from forecasting.engine.blocks import run_block
from forecasting.engine.contract import to_json
from forecasting.engine.forecast import run_forecast
from forecasting.engine.plan import plan_run
from forecasting.models import ForecastChunk, ForecastRun
from forecasting.services import chunks as chunks_module
from forecasting.services import execute_forecast, merge_chunks, run_chunk, start_forecast
from forecasting.services import execution as execution_module
from forecasting.services.chunks import chunk_ranges
from forecasting.services.claims import Claim, claim_run
from forecasting.services.compute import pack_blocks, run_input, unpack_blocks
from procurement.models import Scenario
from tests.forecasting.runs import without_seconds

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_blocks(scenario: Scenario, editor: Any) -> ForecastRun:
    """3,000 trials in blocks of 1,000 and chunks of one block: three chunks."""
    return start_forecast(scenario, user=editor, trials=3_000, seed=5)[0]


@pytest.fixture
def three_seated_blocks(seated_scenario: Scenario, editor: Any) -> ForecastRun:
    """The same with a team, so the merged blocks carry the seat path too."""
    return start_forecast(seated_scenario, user=editor, trials=3_000, seed=5)[0]


@pytest.fixture
def sent_chords(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Chunk indexes of each chord the fan-out would send, recorded instead of sent."""
    sent: list[list[int]] = []
    monkeypatch.setattr(execution_module, "chords_available", lambda: True)
    monkeypatch.setattr(chunks_module, "send_chord", lambda _run, _claim, pending: sent.append(list(pending)))
    return sent


def claim_of(run: ForecastRun) -> Claim:
    assert run.claim_token is not None
    return Claim(run.pk, run.claim_token)


def single_process_result(run: ForecastRun) -> dict[str, Any]:
    return to_json(run_forecast(run_input(run)))


def test_chunk_ranges_cover_every_block_once_in_order() -> None:
    assert chunk_ranges(7, 3) == [(0, 3), (3, 3), (6, 1)]
    assert chunk_ranges(4, 4) == [(0, 4)]
    ranges = chunk_ranges(20, 4)
    assert [b for first, count in ranges for b in range(first, first + count)] == list(range(20))


def test_a_chunked_run_through_a_chord_equals_the_single_process_result(
    three_seated_blocks: ForecastRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execution_module, "chords_available", lambda: True)  # Celery runs the chord eagerly
    execute_forecast(three_seated_blocks.pk)
    run = ForecastRun.objects.get(pk=three_seated_blocks.pk)
    assert (run.status, run.progress, run.blocks_done) == ("succeeded", 1.0, 3)
    assert without_seconds(run.result) == without_seconds(single_process_result(run))
    assert ForecastChunk.objects.filter(run=run).count() == 0  # block results dropped once merged


def test_progress_counts_stored_chunks_once_each(three_blocks: ForecastRun, sent_chords: Any) -> None:
    execute_forecast(three_blocks.pk)
    run = ForecastRun.objects.get(pk=three_blocks.pk)
    claim = claim_of(run)
    assert (sent_chords, run.progress, run.claimed_by) == ([[0, 1, 2]], 0.0, "")
    run_chunk(run.pk, claim, 2)
    run_chunk(run.pk, claim, 2)  # a duplicate delivery of the same chunk
    run.refresh_from_db()
    assert run.blocks_done == 1
    assert run.progress == pytest.approx(1 / 3)
    assert ForecastChunk.objects.get(run=run, index=2).attempts == 1


def test_the_merge_computes_a_chunk_still_missing_and_equals_the_single_process_result(
    three_seated_blocks: ForecastRun, sent_chords: Any
) -> None:
    execute_forecast(three_seated_blocks.pk)
    run = ForecastRun.objects.get(pk=three_seated_blocks.pk)
    claim = claim_of(run)
    run_chunk(run.pk, claim, 2)
    run_chunk(run.pk, claim, 0)  # chunk 1 never ran: a chord fired early by a duplicated task
    merge_chunks(run.pk, claim)
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert without_seconds(run.result) == without_seconds(single_process_result(run))


def test_a_run_picked_up_again_sends_only_the_chunks_it_lacks(
    three_blocks: ForecastRun, sent_chords: Any, settings: Any
) -> None:
    execute_forecast(three_blocks.pk)
    run = ForecastRun.objects.get(pk=three_blocks.pk)
    run_chunk(run.pk, claim_of(run), 1)
    ForecastRun.objects.filter(pk=run.pk).update(heartbeat_at=None)  # its chunk workers went silent
    execute_forecast(run.pk)
    run.refresh_from_db()
    assert sent_chords == [[0, 1, 2], [0, 2]]
    assert (run.attempts, run.blocks_done) == (2, 1)


def test_chunk_tasks_of_a_superseded_claim_do_nothing(three_blocks: ForecastRun, sent_chords: Any) -> None:
    execute_forecast(three_blocks.pk)
    run = ForecastRun.objects.get(pk=three_blocks.pk)
    old = claim_of(run)
    ForecastRun.objects.filter(pk=run.pk).update(heartbeat_at=None)
    assert claim_run(run.pk) is not None
    run_chunk(run.pk, old, 0)
    merge_chunks(run.pk, old)
    run.refresh_from_db()
    assert (run.status, run.blocks_done, run.result) == ("running", 0, None)
    assert ForecastChunk.objects.get(run=run, index=0).attempts == 0


def test_a_chunk_that_kills_its_worker_every_time_fails_the_run_after_three_attempts(
    three_blocks: ForecastRun, sent_chords: Any
) -> None:
    execute_forecast(three_blocks.pk)
    run = ForecastRun.objects.get(pk=three_blocks.pk)
    ForecastChunk.objects.filter(run=run, index=1).update(attempts=3)  # three starts, never finished
    run_chunk(run.pk, claim_of(run), 1)
    run.refresh_from_db()
    assert (run.status, run.result) == ("failed", None)
    assert run.error.startswith("Stopped: chunk 1 (blocks 1–1) was started 3 times")


def test_packed_blocks_round_trip_exactly(three_seated_blocks: ForecastRun) -> None:
    plan = plan_run(run_input(three_seated_blocks))
    blocks = [run_block(plan, 0), run_block(plan, 1)]
    back = unpack_blocks(pack_blocks(blocks))
    assert [b.index for b in back] == [0, 1]
    for original, copy in zip(blocks, back, strict=True):
        assert original.trials == copy.trials
        np.testing.assert_array_equal(original.api_monthly_usd, copy.api_monthly_usd)
        np.testing.assert_array_equal(original.seats.team_cost_usd, copy.seats.team_cost_usd)
