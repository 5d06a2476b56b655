"""How the services put work on the Celery queue without importing `forecasting.tasks`.

Dependencies point one way: `forecasting.tasks` imports the services (a task takes ids and calls one),
never the reverse. A service that must enqueue work (`start_forecast` and the reaper publish a run, a
fan-out sends a chord of chunks and their merge) names the task: the names are defined here, each task in
`forecasting.tasks` is registered under its name, and `forecasting.apps` imports `forecasting.tasks` when
Django starts, so every process that can enqueue a task has it registered. The task is looked up in the
Celery app's registry rather than sent with `send_task`, so that without a broker (`task_always_eager`)
it still runs in this process, as a task called directly does.
"""

from __future__ import annotations

from typing import Any

from celery import current_app

EXECUTE_FORECAST = "forecasting.tasks.execute_forecast_task"
RUN_CHUNK = "forecasting.tasks.run_chunk_task"
MERGE_CHUNKS = "forecasting.tasks.merge_chunks_task"
REAP_RUNS = "forecasting.tasks.reap_runs_task"  # settings.CELERY_BEAT_SCHEDULE names it too


def task(name: str) -> Any:
    """The registered Celery task `name` (one of the names above): `.apply_async(...)`, `.si(...)`."""
    return current_app.tasks[name]
