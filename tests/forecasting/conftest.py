"""Fixtures for forecast-run tests: SQLite, in-process Celery, small runs (blocks of 1,000 trials).

`organization` (at most 3 active runs, the default) and its `editor` are the shared ones (tests/conftest.py);
`scenario` here is the small document's."""

from __future__ import annotations

from typing import Any

import pytest

from procurement.models import Organization, Scenario
from procurement.services import save_scenario
from tests.forecasting.runs import BLOCK_TRIALS, fast_document, seated_document


@pytest.fixture(autouse=True)
def _tasks_in_process(in_process_celery: None) -> None:
    """Every run test here executes its tasks in this process (see tests/conftest.py)."""


@pytest.fixture(autouse=True)
def small_blocks(settings: Any) -> None:
    settings.FORECAST_BLOCK_TRIALS = BLOCK_TRIALS
    settings.FORECAST_CHUNK_BLOCKS = 1


@pytest.fixture
def small_document() -> dict[str, Any]:
    """One API feature over 12 months at 2,000 trials: fast enough for tests of the run machinery."""
    return fast_document()


@pytest.fixture
def seated_scenario(organization: Organization) -> Scenario:
    """With a team as well, for tests whose result must cover the seat path."""
    return save_scenario(organization, seated_document())


@pytest.fixture
def scenario(organization: Organization, small_document: dict[str, Any]) -> Scenario:
    return save_scenario(organization, small_document)


@pytest.fixture
def publishes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Run ids published to the broker, recorded instead of sent."""
    sent: list[int] = []
    from forecasting import tasks

    monkeypatch.setattr(tasks.execute_forecast_task, "apply_async", lambda args, **kw: sent.append(args[0]))
    return sent
