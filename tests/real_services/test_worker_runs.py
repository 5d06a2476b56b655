"""Forecast runs on real `celery worker` processes over Redis (and RabbitMQ), against PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from kombu.exceptions import OperationalError as BrokerError

from forecasting import tasks
from forecasting.services import start_forecast
from forecasting.services import starting as starting_module
from procurement.models import Organization
from tests.factories import OrganizationFactory
from tests.forecasting.runs import without_seconds
from tests.real_services.conftest import result_writes
from tests.real_services.runs import Stopwatch, in_process_result, make_scenario, wait_finished

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def organization(services: Any) -> Organization:
    return OrganizationFactory.create(max_active_runs=20)


def test_a_started_forecast_succeeds_on_a_worker_and_equals_the_cli_result(
    start_worker: Any, broker: dict[str, str], organization: Organization
) -> None:
    start_worker("runner", **broker)
    clock = Stopwatch()
    run, _ = start_forecast(make_scenario(organization), user=None, seed=21)
    wait_finished(run)
    print(f"\n[{broker_name(broker)}] run {run.pk}: {run.status} in {clock.seconds():.1f} s")
    assert run.status == "succeeded", run.error
    assert (run.attempts, run.progress, result_writes(run.pk)) == (1, 1.0, 1)
    assert without_seconds(run.result) == in_process_result(run)


def test_a_chunked_run_on_two_workers_equals_the_single_process_result(
    start_workers: Any, organization: Organization
) -> None:
    workers = start_workers("chunks-a", "chunks-b", FORECAST_CHUNK_BLOCKS="1")
    clock = Stopwatch()
    run, _ = start_forecast(make_scenario(organization, trials=3_000), user=None, seed=9)
    wait_finished(run, timeout=90)
    chunks_per_worker = [len(re.findall(r"run_chunk_task\[[^\]]+\] succeeded", w.log())) for w in workers]
    print(f"\nchunked run {run.pk}: 6 chunks, per worker {chunks_per_worker}, {clock.seconds():.1f} s")
    assert run.status == "succeeded", run.error
    assert sum(chunks_per_worker) == run.blocks_total == 6
    assert min(chunks_per_worker) >= 1  # both workers computed blocks
    assert result_writes(run.pk) == 1
    assert without_seconds(run.result) == in_process_result(run)


def test_a_run_delivered_twice_at_once_writes_one_result(
    start_worker: Any, organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = start_worker("pair", concurrency=2)
    publish = starting_module.publish_run

    def publish_twice(run_id: int) -> bool:
        return publish(run_id) and publish(run_id)

    monkeypatch.setattr(starting_module, "publish_run", publish_twice)
    run, _ = start_forecast(make_scenario(organization), user=None, seed=4)
    wait_finished(run)
    deliveries = len(re.findall(r"execute_forecast_task\[[^\]]+\] received", pair.log()))
    print(f"\nrun {run.pk}: delivered {deliveries} times, {result_writes(run.pk)} result write(s)")
    assert deliveries == 2
    assert (run.status, run.attempts, result_writes(run.pk)) == ("succeeded", 1, 1)
    assert without_seconds(run.result) == in_process_result(run)


def test_a_failed_publish_after_commit_is_delivered_by_the_reaper(
    start_worker: Any, reaper: Any, organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_worker("runner")

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise BrokerError("Error 111 connecting to the broker. Connection refused (simulated)")

    monkeypatch.setattr(tasks.execute_forecast_task, "apply_async", broker_down)
    clock = Stopwatch()
    run, _ = start_forecast(make_scenario(organization), user=None, seed=8)
    run.refresh_from_db()
    assert run.status == "queued"  # committed, but its task never reached the broker
    wait_finished(run)
    print(
        f"\nrun {run.pk}: publish failed, delivered by the reaper, {run.status} after {clock.seconds():.1f} s"
    )
    assert (run.status, run.attempts, result_writes(run.pk)) == ("succeeded", 1, 1)
    assert clock.seconds() >= 3.0  # FORECAST_STALE_SECONDS in the workers: the reaper, not a retry


def test_a_poison_run_stops_after_three_attempts_and_the_worker_serves_the_next_run(
    start_worker: Any, organization: Organization
) -> None:
    start_worker("runner")
    clock = Stopwatch()
    poison, _ = start_forecast(make_scenario(organization, name="poison pill"), user=None, seed=1)
    wait_finished(poison, timeout=90)
    print(
        f"\npoison run {poison.pk}: {poison.status} after {poison.attempts} attempts, {clock.seconds():.1f} s"
    )
    print(f"  reason: {poison.error}")
    assert (poison.status, poison.attempts, poison.result) == ("failed", 3, None)
    assert poison.error.startswith("Stopped after 3 attempts")
    healthy, _ = start_forecast(make_scenario(organization, name="healthy"), user=None, seed=1)
    wait_finished(healthy)
    assert (healthy.status, healthy.attempts, result_writes(healthy.pk)) == ("succeeded", 1, 1)


def broker_name(broker: dict[str, str]) -> str:
    return "rabbitmq" if broker.get("CELERY_BROKER_URL", "").startswith("amqp") else "redis"
