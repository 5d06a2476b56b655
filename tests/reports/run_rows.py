"""Forecast run rows for the brief's download and admin tests: a succeeded run holds the example result.

The result and catalog are the committed fixtures the brief's own tests use (`tests/fixtures/`), so these
tests need no engine run; their numbers are read back from the fixture, never pasted into the tests.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from forecasting.models import ForecastRun
from procurement.models import Organization, Role
from tests.factories import MembershipFactory, OrganizationFactory
from tests.reports.pdf_tools import load_fixture

FINISHED_AT = datetime.datetime(2026, 12, 1, 15, 30, tzinfo=datetime.UTC)


def example_result() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("result_example.json"))


def example_catalog() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("catalog_example.json"))


def succeeded_run(
    organization: Organization,
    *,
    scenario_name: str = "Acme FY2027 base case",
    result: dict[str, Any] | None = None,
    finished_at: datetime.datetime = FINISHED_AT,
) -> ForecastRun:
    result = result if result is not None else example_result()
    return ForecastRun.objects.create(
        organization=organization,
        scenario_name=scenario_name,
        status=ForecastRun.Status.SUCCEEDED,
        progress=1.0,
        trials=result["simulation"]["trials"],
        seed=result["simulation"]["seed"],
        block_trials=5_000,
        blocks_total=4,
        blocks_done=4,
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
    return ForecastRun.objects.create(
        organization=organization,
        scenario_name="Still running",
        status=status,
        progress=blocks_done / 5,
        trials=25_000,
        seed=7,
        block_trials=5_000,
        blocks_total=5,
        blocks_done=blocks_done,
        scenario_snapshot={"name": "Still running"},
        catalog_snapshot=example_catalog(),
        error="Worker lost three times: out of memory" if status == ForecastRun.Status.FAILED else "",
    )


def member(organization: Organization, role: str = Role.EDITOR) -> Any:
    return MembershipFactory.create(organization=organization, role=role).user


def organization(name: str = "Acme Robotics, Inc.") -> Organization:
    return OrganizationFactory.create(name=name)
