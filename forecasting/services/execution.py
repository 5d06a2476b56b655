"""Execute a run: claim it, then compute it here or fan it out as chunks, and write one result.

The engine is reached through `forecasting.services.compute`, which loads it only when a forecast is
computed, so the processes that only start runs (the API) never load it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.conf import settings

from forecasting.engine.contract import to_json
from forecasting.models import ForecastRun
from forecasting.scenario_inputs import forecast_input
from forecasting.services.chunks import fan_out
from forecasting.services.claims import (
    Claim,
    claim_run,
    finish_run,
    guarded,
    heartbeat,
    record_progress,
    release_claim,
)
from forecasting.services.compute import ProgressCallback, run_input
from forecasting.services.compute import forecast as _forecast  # here, so a test can replace it
from forecasting.services.documents import PreparedDocument, prepare_document
from forecasting.services.errors import ClaimLost
from procurement.models import PriceCatalog, catalog_snapshot

logger = logging.getLogger(__name__)


def execute_forecast(run_id: int) -> None:
    """Run the forecast if this process can claim it; a no-op when it finished or a live process holds it.

    Same seed, same result: a run picked up again after its worker died computes the same numbers, and
    only the current claim holder can write them (docs/operations.md).
    """
    claim = claim_run(run_id)
    if claim is None:
        return
    run = ForecastRun.objects.get(pk=run_id)
    try:
        if should_fan_out(run):
            fan_out(run, claim)
        else:
            _run_in_process(run, claim)
    except ClaimLost:
        logger.info("Run %s was taken over by another process; this attempt stops", run_id)
    except Exception:
        release_claim(claim)  # database or broker trouble, not the forecast: a retry or the reaper redoes it
        raise


def should_fan_out(run: ForecastRun) -> bool:
    """More blocks than one chunk, and a broker plus result backend to run a chord (else: in-process)."""
    return run.blocks_total > settings.FORECAST_CHUNK_BLOCKS and chords_available()


def chords_available() -> bool:
    conf = current_app.conf
    return not conf.task_always_eager and bool(conf.result_backend)


def _run_in_process(run: ForecastRun, claim: Claim) -> None:
    record_progress(claim, 0, run.blocks_total)
    with heartbeat(claim) as beat:

        def on_progress(done: int, total: int) -> None:
            beat.check()
            record_progress(claim, done, total)

        result = guarded(claim, lambda: to_json(_forecast(run_input(run), on_progress)))
    if result is not None and not finish_run(claim, result):
        logger.info("Run %s finished elsewhere first; this result was discarded", run.pk)


def forecast_document(
    document: dict[str, Any],
    *,
    catalog: PriceCatalog,
    trials: int | None = None,
    seed: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Forecast a scenario document in this process, exactly as a run of it would.

    Raises ScenarioValidationError for a bad document (or trials/seed out of bounds). Without a seed in
    the arguments or the document, a new one is chosen; `result["simulation"]["seed"]` says which.
    """
    prepared = prepare_document(document, trials=trials, seed=seed, catalog=catalog)
    return forecast_prepared(prepared, on_progress=on_progress)


def forecast_prepared(
    prepared: PreparedDocument, *, on_progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Forecast a document `prepare_document` returned, in this process, exactly as a run of it would."""
    inp = forecast_input(
        prepared.document,
        catalog_snapshot(prepared.catalog),
        seed=prepared.seed,
        trials=prepared.trials,
        block_trials=settings.FORECAST_BLOCK_TRIALS,
    )
    return to_json(_forecast(inp, on_progress))
