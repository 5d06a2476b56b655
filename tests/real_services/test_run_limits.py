"""Starting runs on PostgreSQL: the organization limit under real concurrency, nothing sent on rollback."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from celery import current_app
from django.db import connection, transaction
from kombu.exceptions import ChannelError

from forecasting import tasks
from forecasting.models import ForecastRun
from forecasting.services import RunLimitExceeded, start_forecast
from forecasting.services import starting as starting_module
from procurement.models import Scenario
from tests.factories import OrganizationFactory
from tests.real_services.runs import make_scenario

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_twenty_simultaneous_starts_admit_exactly_the_organization_limit(
    services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = make_scenario(OrganizationFactory.create(max_active_runs=3))
    published: list[int] = []

    def record(run_id: int) -> bool:
        published.append(run_id)
        return True

    monkeypatch.setattr(starting_module, "publish_run", record)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def start() -> None:
        try:
            own = Scenario.objects.get(pk=scenario.pk)  # each thread has its own connection
            barrier.wait(timeout=30)
            start_forecast(own, user=None)
            outcomes.append("admitted")
        except RunLimitExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    runs = ForecastRun.objects.filter(organization=scenario.organization)
    print(f"\n20 simultaneous starts, limit 3: {dict(Counter(outcomes))}")
    assert Counter(outcomes) == {"admitted": 3, "refused": 17}
    assert runs.count() == runs.active().count() == 3
    assert sorted(published) == sorted(runs.values_list("pk", flat=True))


def test_a_rolled_back_start_publishes_nothing(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    current_app.control.purge()
    scenario = make_scenario(OrganizationFactory.create())
    sent: list[Any] = []
    real = tasks.execute_forecast_task.apply_async

    def spy(*args: Any, **kwargs: Any) -> Any:
        sent.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks.execute_forecast_task, "apply_async", spy)

    def start_then_fail() -> None:
        with transaction.atomic():
            start_forecast(scenario, user=None)
            raise RuntimeError("the caller's transaction fails after the start")

    with pytest.raises(RuntimeError):
        start_then_fail()
    assert (sent, ForecastRun.objects.count(), queued_messages()) == ([], 0, 0)


def queued_messages() -> int:
    with current_app.connection_for_write() as conn:
        try:
            return int(conn.default_channel.queue_declare(queue="celery", passive=True).message_count)
        except ChannelError:  # the queue does not exist: nothing was ever sent to it
            return 0
