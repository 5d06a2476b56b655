"""Helpers for the service tests: scenarios to run, waiting on runs, the in-process reference result."""

from __future__ import annotations

import time
from typing import Any

from forecasting.models import ForecastRun
from forecasting.services import forecast_document
from procurement.models import Organization, Scenario
from procurement.services import save_scenario, scenario_to_document
from tests.forecasting.runs import seated_document, without_seconds
from tests.real_services.processes import wait_until

FINISHED = ("succeeded", "failed")


def make_scenario(organization: Organization, *, name: str = "Acme FY2027", trials: int = 1_000) -> Scenario:
    """One team and one API feature over 12 months: a block of 500 trials takes a few tenths of a second."""
    document = seated_document()
    document["name"] = name
    document["simulation"] = {"trials": trials, "seed": 7}
    return save_scenario(organization, document)


def wait_finished(run: ForecastRun, *, timeout: float = 60.0) -> ForecastRun:
    def finished() -> bool:
        run.refresh_from_db()
        return run.status in FINISHED

    wait_until(finished, timeout=timeout, what=f"run {run.pk} finished")
    return run


def wait_status(run: ForecastRun, predicate: Any, *, timeout: float = 60.0, what: str = "state") -> float:
    def reached() -> bool:
        run.refresh_from_db()
        return bool(predicate(run))

    return wait_until(reached, timeout=timeout, what=f"run {run.pk}: {what}")


def in_process_result(run: ForecastRun) -> dict[str, Any] | None:
    """What the CLI computes in one process for the same scenario, trials and seed."""
    scenario = run.scenario
    assert scenario is not None
    document = scenario_to_document(scenario)
    return without_seconds(
        forecast_document(document, catalog=scenario.price_catalog, trials=run.trials, seed=run.seed)
    )


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def seconds(self) -> float:
        return time.monotonic() - self.started
