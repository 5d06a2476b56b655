"""Forecast run workflows: start a run, execute it (in-process or as a chord of chunks), reap lost runs.

The API, the admin, the CLI and the Celery tasks call these; none of them touches run state directly.
"""

from forecasting.services.chunks import merge_chunks, run_chunk
from forecasting.services.errors import (
    ClaimLost,
    ComputeBudgetExceeded,
    IdempotencyKeyReused,
    RunLimitExceeded,
)
from forecasting.services.execution import execute_forecast, forecast_document, normalise_document
from forecasting.services.reaper import ReapReport, reap_runs
from forecasting.services.starting import publish_run, start_forecast

__all__ = [
    "ClaimLost",
    "ComputeBudgetExceeded",
    "IdempotencyKeyReused",
    "ReapReport",
    "RunLimitExceeded",
    "execute_forecast",
    "forecast_document",
    "merge_chunks",
    "normalise_document",
    "publish_run",
    "reap_runs",
    "run_chunk",
    "start_forecast",
]
