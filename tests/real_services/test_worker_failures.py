"""Killed workers lose no run: whole worker SIGKILLed and replaced; pool child SIGKILLed ten times."""

from __future__ import annotations

import os
import random
import signal
import statistics
import time
from typing import Any

import pytest
from django.utils import timezone

from forecasting.models import ForecastRun
from forecasting.services import start_forecast
from procurement.models import Organization
from tests.factories import OrganizationFactory
from tests.forecasting.runs import without_seconds
from tests.real_services.conftest import result_writes
from tests.real_services.runs import Stopwatch, in_process_result, make_scenario, wait_finished, wait_status

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def organization(services: Any) -> Organization:
    return OrganizationFactory.create(max_active_runs=20)


def test_a_worker_killed_mid_run_is_replaced_and_the_run_succeeds_once(
    start_worker: Any, reaper: Any, broker: dict[str, str], organization: Organization
) -> None:
    doomed = start_worker("doomed", **broker)
    run, _ = start_forecast(make_scenario(organization, trials=3_000), user=None, seed=3)
    wait_status(run, lambda r: r.blocks_done >= 1, what="first block done")
    doomed.kill()
    killed_at_blocks = run.blocks_done
    clock = Stopwatch()
    start_worker("replacement", **broker)
    wait_finished(run)
    name = "rabbitmq" if broker else "redis"
    print(
        f"\n[{name}] run {run.pk}: worker SIGKILLed after {killed_at_blocks}/{run.blocks_total} blocks; "
        f"{run.status} on attempt {run.attempts}, {clock.seconds():.1f} s after the kill"
    )
    assert run.status == "succeeded", run.error
    assert (run.attempts, result_writes(run.pk)) == (2, 1)
    assert without_seconds(run.result) == in_process_result(run)


def test_a_pool_child_killed_at_a_random_point_ten_times_loses_no_run(
    start_worker: Any, organization: Organization
) -> None:
    start_worker("victim")
    scenario = make_scenario(organization, trials=2_000)
    reference, _ = start_forecast(scenario, user=None, seed=17)
    wait_finished(reference)
    assert reference.started_at is not None
    assert reference.finished_at is not None
    block_seconds = (reference.finished_at - reference.started_at).total_seconds() / reference.blocks_total
    rng = random.Random(20261122)  # fixed: the same kill points on every CI run
    runs, kills, recoveries = [], 0, []
    for _ in range(10):
        run, _ = start_forecast(scenario, user=None, seed=17)
        # After 0..total-2 finished blocks, plus up to half a block: always before the last block ends.
        after_blocks = rng.randrange(run.blocks_total - 1)
        wait_status(run, lambda r, n=after_blocks: r.claimed_by and r.blocks_done >= n, what="kill point")
        time.sleep(rng.uniform(0.0, 0.5 * block_seconds))
        kills += kill_holder(run)
        clock = Stopwatch()
        wait_finished(run)
        recoveries.append(clock.seconds())
        runs.append(run)
    succeeded = sum(r.status == "succeeded" for r in runs)
    writes = [result_writes(r.pk) for r in runs]
    expected = without_seconds(reference.result)
    equal = sum(without_seconds(r.result) == expected for r in runs)
    print(
        f"\npool child SIGKILLed mid-run {kills} of 10 times: {succeeded}/10 succeeded, "
        f"result writes {writes}, "
        f"{equal}/10 equal to the uninterrupted run, attempts {[r.attempts for r in runs]}, "
        f"kill to success median {statistics.median(recoveries):.2f} s"
    )
    assert (kills, succeeded, equal) == (10, 10, 10)
    assert writes == [1] * 10
    assert [r.attempts for r in runs] == [2] * 10


def kill_holder(run: ForecastRun) -> int:
    """SIGKILL the pool child holding the run, if it still holds it: 1 if killed, else 0."""
    run.refresh_from_db()
    if run.status != "running" or not run.claimed_by:
        return 0
    os.kill(int(run.claimed_by.rsplit(":", 1)[1]), signal.SIGKILL)
    return 1


VISIBILITY_SECONDS = 15  # Redis redelivers an unacknowledged task this long after delivery (prod: 3,600)


def test_with_the_reaper_off_a_killed_workers_run_waits_for_the_visibility_timeout(
    start_worker: Any, organization: Organization
) -> None:
    """What happens when no reaper runs (no `celery beat`): the run stays `running` with a silent
    heartbeat until Redis redelivers its unacknowledged task, the visibility timeout after it was first
    delivered; then a live worker claims it (the heartbeat is stale by then) and it succeeds once.
    README: operations."""
    timeout = {
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
    }
    doomed = start_worker("doomed-no-reaper", **timeout)
    run, _ = start_forecast(make_scenario(organization, trials=40_000), user=None, seed=5)  # one task
    wait_status(run, lambda r: r.blocks_done >= 1, what="first block done")
    delivered = run.started_at
    assert delivered is not None
    doomed.kill()
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("running", 1), (run.status, run.attempts, run.blocks_done)
    start_worker("survivor-no-reaper", **timeout)  # a live worker from now on: only the task is missing
    wait_status(run, lambda r: r.attempts == 2, timeout=VISIBILITY_SECONDS * 3, what="claimed again")
    reclaimed = (timezone.now() - delivered).total_seconds()
    wait_finished(run, timeout=120)
    print(
        f"\nrun {run.pk}: worker SIGKILLed, reaper off, visibility timeout {VISIBILITY_SECONDS} s: claimed "
        f"again {reclaimed:.1f} s after its first delivery, then {run.status} on attempt {run.attempts}"
    )
    assert reclaimed >= VISIBILITY_SECONDS - 1  # the redelivery, not a reaper, brought it back
    assert run.status == "succeeded", run.error
    assert (run.attempts, result_writes(run.pk)) == (2, 1)
