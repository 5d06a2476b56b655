"""Execute a run: claim it, then compute it here or fan it out as chunks, and write one result.

The engine is imported when a run executes, so the processes that only start runs (the API) do not load it.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from celery import current_app
from django.conf import settings
from django.db import DatabaseError

from forecasting.models import ForecastRun
from forecasting.services.claims import (
    Claim,
    claim_run,
    fail_run,
    finish_run,
    heartbeat,
    record_progress,
    release_claim,
)
from forecasting.services.errors import ClaimLost
from forecasting.services.starting import new_seed
from procurement.models import PriceCatalog, catalog_snapshot
from procurement.scenario_document import validate_scenario_document

if TYPE_CHECKING:
    from forecasting.engine.inputs import ForecastInput

logger = logging.getLogger(__name__)
ProgressCallback = Callable[[int, int], None]
T = TypeVar("T")


def execute_forecast(run_id: int) -> None:
    """Run the forecast if this process can claim it; a no-op when it finished or a live process holds it.

    Same seed, same result: a run picked up again after its worker died computes the same numbers, and
    only the current claim holder can write them (DESIGN 9 and 11).
    """
    claim = claim_run(run_id)
    if claim is None:
        return
    run = ForecastRun.objects.get(pk=run_id)
    try:
        if should_fan_out(run):
            from forecasting.services.chunks import fan_out

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

        result = guarded(claim, lambda: jsonable(_forecast(run_input(run), on_progress)))
    if result is not None and not finish_run(claim, result):
        logger.info("Run %s finished elsewhere first; this result was discarded", run.pk)


def guarded(claim: Claim, compute: Callable[[], T]) -> T | None:
    """What `compute` returns, or None after recording why the forecast itself failed.

    Losing the claim and database errors propagate: they say nothing about the forecast.
    """
    try:
        return compute()
    except (ClaimLost, DatabaseError):
        raise
    except Exception as error:
        logger.exception("Forecast run %s failed", claim.run_id)
        fail_run(claim, describe(error))
        return None


def describe(error: BaseException) -> str:
    """A message a procurement lead can read: what kind of failure, and what it said."""
    if isinstance(error, MemoryError):
        return "The forecast ran out of memory; try fewer trials."
    text = str(error).strip() or "no message"
    return f"The forecast failed ({type(error).__name__}): {text}"


def jsonable(result: dict[str, Any]) -> dict[str, Any]:
    """The result as plain JSON data; a NaN or infinity is an error, never a stored value."""

    def plain(value: object) -> object:
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
        raise TypeError(f"{type(value).__name__} is not JSON data")

    try:
        text = json.dumps(result, allow_nan=False, default=plain)
    except ValueError as error:
        raise ValueError("the result holds a NaN or infinite number") from error
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def run_input(run: ForecastRun) -> ForecastInput:
    from forecasting.scenario_inputs import forecast_input

    return forecast_input(
        run.scenario_snapshot,
        run.catalog_snapshot,
        seed=run.seed,
        trials=run.trials,
        block_trials=run.block_trials,
    )


def _forecast(inp: ForecastInput, on_progress: ProgressCallback | None) -> dict[str, Any]:
    from forecasting.engine.forecast import run_forecast

    return run_forecast(inp, extras=True, processes=1, on_progress=on_progress)


def forecast_document(
    document: dict[str, Any],
    *,
    catalog: PriceCatalog,
    trials: int | None = None,
    seed: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Forecast a scenario document in this process, exactly as a run of it would (the CLI's path).

    Raises ScenarioValidationError for a bad document (or trials/seed out of bounds). Without a seed in
    the arguments or the document, a new one is chosen; `result["simulation"]["seed"]` says which.
    """
    normalised = normalise_document(document, catalog=catalog, trials=trials, seed=seed)
    from forecasting.scenario_inputs import forecast_input

    inp = forecast_input(
        normalised,
        catalog_snapshot(catalog),
        seed=normalised["simulation"]["seed"],
        trials=normalised["simulation"]["trials"],
        block_trials=settings.FORECAST_BLOCK_TRIALS,
    )
    return jsonable(_forecast(inp, on_progress))


def normalise_document(
    document: dict[str, Any], *, catalog: PriceCatalog, trials: int | None = None, seed: int | None = None
) -> dict[str, Any]:
    """The validated document with defaults filled, trials and seed applied, and a seed chosen if none."""
    document = with_simulation(document, trials=trials, seed=seed)
    normalised = validate_scenario_document(document, catalog_keys=catalog.catalog_keys())
    if normalised["simulation"]["seed"] is None:
        normalised["simulation"]["seed"] = new_seed()
    return normalised


def with_simulation(document: Any, *, trials: int | None, seed: int | None) -> Any:
    """A copy of the (not yet validated) document with the given trials and seed in `simulation`."""
    document = copy.deepcopy(document)
    given = {k: v for k, v in {"trials": trials, "seed": seed}.items() if v is not None}
    if isinstance(document, dict) and given:
        simulation = document.setdefault("simulation", {})
        if isinstance(simulation, dict):  # anything else is the validator's to report
            simulation.update(given)
    return document
