"""Forecast run rows for the brief's download and admin tests: a succeeded run holds the example result.

The result is the engine's result for the committed example scenario and the catalog the committed snapshot
the brief's own tests use (`tests/fixtures/`, `tests/reports/fixture_result.py`); their numbers are read
back from the result, never pasted into the tests.
"""

from __future__ import annotations

import datetime
from typing import Any

from forecasting.models import ForecastRun
from procurement.models import Organization
from tests.factories import ForecastRunFactory, OrganizationFactory

# Re-exported: the reports tests import these from here.
from tests.factories import example_catalog as example_catalog
from tests.factories import example_result as example_result
from tests.factories import member as member

FINISHED_AT = datetime.datetime(2026, 12, 1, 15, 30, tzinfo=datetime.UTC)


def succeeded_run(
    organization: Organization,
    *,
    scenario_name: str = "Acme FY2027 base case",
    result: dict[str, Any] | None = None,
    finished_at: datetime.datetime = FINISHED_AT,
) -> ForecastRun:
    result = result if result is not None else example_result()
    return ForecastRunFactory.create(
        organization=organization,
        scenario_name=scenario_name,
        succeeded=True,
        trials=result["simulation"]["trials"],
        seed=result["simulation"]["seed"],
        scenario_snapshot={"name": scenario_name},
        catalog_snapshot=example_catalog(),
        result=result,
        started_at=finished_at - datetime.timedelta(seconds=20),
        finished_at=finished_at,
    )


def unfinished_run(
    organization: Organization, *, status: str = ForecastRun.Status.RUNNING, blocks_done: int = 2
) -> ForecastRun:
    """A run that has no result: queued, running (`blocks_done` of 5 blocks) or failed."""
    error = "Worker lost three times: out of memory" if status == ForecastRun.Status.FAILED else ""
    return ForecastRunFactory.create(
        organization=organization,
        scenario_name="Still running",
        status=status,
        trials=25_000,
        blocks_done=blocks_done,
        scenario_snapshot={"name": "Still running"},
        catalog_snapshot=example_catalog(),
        error=error,
    )


def organization(name: str = "Acme Robotics, Inc.") -> Organization:
    return OrganizationFactory.create(name=name)
