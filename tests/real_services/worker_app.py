"""The Celery app the test workers run: the project's own app, plus one fault used by the poison-run test.

A run whose scenario name starts with POISON kills its own worker process (SIGKILL, as the kernel's OOM
killer would) after the run is claimed, every time it is tried. Nothing else differs from production.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from celery.signals import worker_process_init

from procurement.celery import app

POISON = "poison"


@worker_process_init.connect  # type: ignore[untyped-decorator]  # Celery ships no type hints
def install_poison(**kwargs: Any) -> None:
    """In each pool child (Django is set up by then): wrap the engine call of a run."""
    from forecasting.services import compute, execution

    def forecast_or_die(inp: Any, on_progress: Any) -> Any:
        if inp.name.startswith(POISON):
            os.kill(os.getpid(), signal.SIGKILL)
        return compute.forecast(inp, on_progress)

    vars(execution)["_forecast"] = forecast_or_die  # the seam execution.py leaves for this fault (private)


__all__ = ["app"]
