"""Celery tasks: thin, take ids, call a service (STYLE). The database owns run state; the broker carries ids.

acks_late + reject_on_worker_lost: a task whose worker dies goes back to the queue instead of being lost
(docs/operations.md#reliability-and-security). The services make that safe: a delivery that cannot claim its
run, or whose claim moved on, does nothing, and the attempt counters stop a task that kills every
worker it lands on.

Each task is registered under a name from `forecasting.services.enqueue`, by which the services enqueue
it: this module imports the services, never the reverse (`forecasting.apps` imports it at start).
"""

from __future__ import annotations

import uuid
from typing import Any

from celery import shared_task
from celery.signals import worker_init
from django.db import OperationalError

from forecasting.services import execute_forecast, merge_chunks, reap_runs, run_chunk
from forecasting.services.claims import Claim
from forecasting.services.compute import load_engine
from forecasting.services.enqueue import EXECUTE_FORECAST, MERGE_CHUNKS, REAP_RUNS, RUN_CHUNK

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
}


@shared_task(name=EXECUTE_FORECAST, **RELIABLE)  # type: ignore[untyped-decorator]  # untyped Celery
def execute_forecast_task(run_id: int) -> None:
    execute_forecast(run_id)


@shared_task(name=RUN_CHUNK, **RELIABLE)  # type: ignore[untyped-decorator]  # untyped Celery
def run_chunk_task(run_id: int, claim_token: str, chunk_index: int) -> None:
    run_chunk(run_id, Claim(run_id, uuid.UUID(claim_token)), chunk_index)


@shared_task(name=MERGE_CHUNKS, **RELIABLE)  # type: ignore[untyped-decorator]  # untyped Celery
def merge_chunks_task(run_id: int, claim_token: str) -> None:
    merge_chunks(run_id, Claim(run_id, uuid.UUID(claim_token)))


# Two reapers at once are harmless (every step is a conditional update); a lost reap waits for the next.
@shared_task(name=REAP_RUNS, ignore_result=True)  # type: ignore[untyped-decorator]
def reap_runs_task() -> None:
    reap_runs()


@worker_init.connect  # type: ignore[untyped-decorator]
def preload_engine(**kwargs: Any) -> None:
    """Import the engine once in the worker's main process: every pool child forks with it loaded.

    A fresh child (after a crash, or max-tasks-per-child) would otherwise spend seconds importing SciPy
    before its first run. The API process never imports the engine (`forecasting.services.compute`).
    """
    load_engine()
