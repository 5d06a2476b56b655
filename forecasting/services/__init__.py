"""Forecast run workflows: start a run, execute it (in-process or as a chord of chunks), reap lost runs.

The API, the admin, the CLI and the Celery tasks call these; none of them touches run state directly.
Imports point one way: the tasks import the services, which enqueue tasks by name (`enqueue`), and only
`compute` reaches into the engine.
"""

from forecasting.services.chunks import merge_chunks, run_chunk
from forecasting.services.documents import PreparedDocument, prepare_document
from forecasting.services.errors import (
    ClaimLost,
    ComputeBudgetExceeded,
    IdempotencyKeyReused,
    RunLimitExceeded,
)
from forecasting.services.execution import execute_forecast, forecast_document, forecast_prepared
from forecasting.services.reaper import ReapReport, reap_runs
from forecasting.services.starting import publish_run, start_forecast

__all__ = [
    "ClaimLost",
    "ComputeBudgetExceeded",
    "IdempotencyKeyReused",
    "PreparedDocument",
    "ReapReport",
    "RunLimitExceeded",
    "execute_forecast",
    "forecast_document",
    "forecast_prepared",
    "merge_chunks",
    "prepare_document",
    "publish_run",
    "reap_runs",
    "run_chunk",
    "start_forecast",
]
