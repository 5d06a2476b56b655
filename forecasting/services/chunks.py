"""Large runs across workers: chunks of blocks as a Celery chord, merged in block order by a final task.

Each chunk task stores its blocks (npz bytes, no pickle) on a `ForecastChunk` row, so a run picked up
again only recomputes the chunks it lacks, and the merge equals the single-process result because blocks
are merged by index whatever order or process computed them (docs/operations.md#running-forecasts). Chunk
tasks work under the run's claim token; a chunk whose worker dies FORECAST_MAX_ATTEMPTS times fails the run
with that reason. The chord's tasks are named, not imported (`forecasting.services.enqueue`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from celery import chord
from django.conf import settings
from django.db import transaction
from django.db.models import ExpressionWrapper, F, FloatField
from django.utils import timezone

from forecasting.engine.contract import to_json
from forecasting.models import ForecastChunk, ForecastRun
from forecasting.services import compute
from forecasting.services.claims import Claim, Heartbeat, fail_run, finish_run, guarded, heartbeat, touch
from forecasting.services.compute import pack_blocks, run_input, unpack_blocks
from forecasting.services.enqueue import MERGE_CHUNKS, RUN_CHUNK, task
from forecasting.services.errors import ClaimLost

if TYPE_CHECKING:
    from forecasting.engine.blocks import BlockResult
    from forecasting.engine.plan import RunPlan

logger = logging.getLogger(__name__)
Status = ForecastRun.Status


def chunk_ranges(blocks_total: int, chunk_blocks: int) -> list[tuple[int, int]]:
    """(first block, block count) of each chunk: fixed-size chunks, the last one shorter if need be."""
    firsts = range(0, blocks_total, chunk_blocks)
    return [(first, min(chunk_blocks, blocks_total - first)) for first in firsts]


def fan_out(run: ForecastRun, claim: Claim) -> None:
    """Create the run's chunk rows (once) and send a chord of the chunks still missing, then the merge."""
    ForecastChunk.objects.bulk_create(
        [
            ForecastChunk(run=run, index=i, first_block=first, block_count=count)
            for i, (first, count) in enumerate(chunk_ranges(run.blocks_total, settings.FORECAST_CHUNK_BLOCKS))
        ],
        ignore_conflicts=True,  # picked up again: keep the rows, and the blocks they already hold
    )
    chunks = ForecastChunk.objects.filter(run=run)
    blocks_done = sum(chunks.filter(payload__isnull=False).values_list("block_count", flat=True))
    # The chunk tasks heartbeat from now on; no single process holds the run while they wait or work.
    touch(claim, claimed_by="", blocks_done=blocks_done, progress=blocks_done / run.blocks_total)
    pending = list(chunks.filter(payload__isnull=True).values_list("index", flat=True))
    send_chord(run.pk, claim, pending)


def send_chord(run_id: int, claim: Claim, pending: Sequence[int]) -> None:
    merge = task(MERGE_CHUNKS).si(run_id, str(claim.token))
    if not pending:
        merge.apply_async()
        return
    chord(task(RUN_CHUNK).si(run_id, str(claim.token), index) for index in pending)(merge)


def run_chunk(run_id: int, claim: Claim, chunk_index: int) -> None:
    """Compute and store one chunk of a fanned-out run (a no-op if stored already or the claim is gone)."""
    run = claim.rows().first()
    chunk = _start_chunk(run_id, chunk_index) if run is not None else None
    if run is None or chunk is None:
        return
    if chunk.attempts > settings.FORECAST_MAX_ATTEMPTS:
        fail_run(claim, _chunk_exhausted_reason(chunk))
        return
    try:
        with heartbeat(claim) as beat:
            blocks = guarded(claim, lambda: _compute_blocks(run, chunk, beat))
    except ClaimLost:
        logger.info("Run %s chunk %s: the run was taken over; this chunk stops", run_id, chunk_index)
        return
    if blocks is not None:
        _store_chunk(claim, chunk, pack_blocks(blocks))


def _start_chunk(run_id: int, chunk_index: int) -> ForecastChunk | None:
    """Count this start (only while the chunk has no result); None if it is stored or does not exist."""
    rows = ForecastChunk.objects.filter(run_id=run_id, index=chunk_index, payload__isnull=True)
    if not rows.update(attempts=F("attempts") + 1):
        return None
    return rows.defer("payload").first()


def _chunk_exhausted_reason(chunk: ForecastChunk) -> str:
    last = chunk.first_block + chunk.block_count - 1
    return (
        f"Stopped: chunk {chunk.index} (blocks {chunk.first_block}–{last}) was started {chunk.attempts - 1} "
        "times and its process stopped before finishing each time (killed, out of memory or crashed)."
    )


def _compute_blocks(run: ForecastRun, chunk: ForecastChunk, beat: Heartbeat) -> list[BlockResult]:
    plan = compute.plan(run_input(run))
    blocks = []
    for block in range(chunk.first_block, chunk.first_block + chunk.block_count):
        beat.check()
        blocks.append(compute.block(plan, block))
    return blocks


def _store_chunk(claim: Claim, chunk: ForecastChunk, payload: bytes) -> None:
    """Store the chunk once, and count its blocks in the run's progress in the same transaction."""
    with transaction.atomic():
        stored = ForecastChunk.objects.filter(pk=chunk.pk, payload__isnull=True).update(
            payload=payload, finished_at=timezone.now()
        )
        if stored:
            done = F("blocks_done") + chunk.block_count
            claim.rows().update(
                blocks_done=done,
                progress=ExpressionWrapper(done * 1.0 / F("blocks_total"), output_field=FloatField()),
                heartbeat_at=timezone.now(),
            )


def merge_chunks(run_id: int, claim: Claim) -> None:
    """The chord's final task: merge every chunk in block order and write the one result."""
    run = claim.rows().first()
    if run is None:
        return
    elapsed = (timezone.now() - run.started_at).total_seconds() if run.started_at else 0.0
    try:
        with heartbeat(claim) as beat:

            def merged() -> dict[str, Any]:
                plan = compute.plan(run_input(run))
                blocks = _all_blocks(run, plan, beat)
                return to_json(compute.finish(plan, blocks, started=time.perf_counter() - elapsed))

            result = guarded(claim, merged)
    except ClaimLost:
        return
    if result is not None and not finish_run(claim, result):
        logger.info("Run %s finished elsewhere first; this merge was discarded", run_id)


def _all_blocks(run: ForecastRun, plan: RunPlan, beat: Heartbeat) -> list[BlockResult]:
    """Stored chunks, plus any missing one computed here (a chord fired early by a duplicated task)."""
    blocks: list[BlockResult] = []
    for chunk in ForecastChunk.objects.filter(run=run).order_by("index"):
        if chunk.payload is not None:
            blocks.extend(unpack_blocks(bytes(chunk.payload)))
            continue
        logger.warning("Run %s: chunk %s was missing at merge time; computing it here", run.pk, chunk.index)
        for block in range(chunk.first_block, chunk.first_block + chunk.block_count):
            beat.check()
            blocks.append(compute.block(plan, block))
    return blocks
