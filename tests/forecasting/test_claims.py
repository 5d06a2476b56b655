"""Run state owned by the database: compare-and-set claims, dead holders, attempts, one write per run."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from forecasting.models import ForecastRun
from forecasting.services.claims import (
    claim_run,
    fail_run,
    finish_run,
    heartbeat,
    holder_is_gone,
    release_claim,
    worker_id,
)
from forecasting.services.errors import ClaimLost
from procurement.models import Organization
from tests.factories import ForecastRunFactory

pytestmark = pytest.mark.django_db
RESULT = {"total": {"expected_cost": 1.0}}


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def held_by(organization: Organization, claimed_by: str, *, age_seconds: float, attempts: int = 1) -> Any:
    return ForecastRunFactory.create(
        organization=organization,
        running=True,
        claimed_by=claimed_by,
        heartbeat_at=timezone.now() - timedelta(seconds=age_seconds),
        attempts=attempts,
    )


def test_a_queued_run_is_claimed_exactly_once(organization: Organization) -> None:
    run = ForecastRunFactory.create(organization=organization)
    claim = claim_run(run.pk)
    assert claim is not None
    assert claim_run(run.pk) is None  # the holder (this process) is alive and fresh
    run.refresh_from_db()
    assert (run.status, run.attempts, run.claim_token, run.claimed_by) == (
        "running",
        1,
        claim.token,
        worker_id(),
    )
    assert run.started_at is not None
    assert run.heartbeat_at is not None


def test_finished_and_missing_runs_are_not_claimed(organization: Organization) -> None:
    done = ForecastRunFactory.create(organization=organization, succeeded=True, result=RESULT)
    failed = ForecastRunFactory.create(organization=organization, failed=True, error="x")
    assert (claim_run(done.pk), claim_run(failed.pk), claim_run(10**9)) == (None, None, None)


def test_a_run_held_by_a_dead_process_on_this_host_is_taken_over_at_once(
    organization: Organization,
) -> None:
    run = held_by(organization, f"{socket.gethostname()}:{dead_pid()}", age_seconds=0)
    claim = claim_run(run.pk)
    assert claim is not None
    run.refresh_from_db()
    assert (run.attempts, run.claim_token, run.claimed_by) == (2, claim.token, worker_id())


def test_a_run_held_elsewhere_is_taken_over_only_once_its_heartbeat_is_stale(
    organization: Organization, settings: Any
) -> None:
    settings.FORECAST_STALE_SECONDS = 60
    fresh = held_by(organization, "other-host:123", age_seconds=59)
    stale = held_by(organization, "other-host:123", age_seconds=61)
    assert claim_run(fresh.pk) is None
    assert claim_run(stale.pk) is not None
    assert holder_is_gone(fresh) is False
    assert holder_is_gone(stale) is True


def test_a_run_out_of_attempts_is_failed_with_its_reason_instead_of_claimed(
    organization: Organization, settings: Any
) -> None:
    assert settings.FORECAST_MAX_ATTEMPTS == 3
    run = held_by(organization, "other-host:77", age_seconds=10_000, attempts=3)
    assert claim_run(run.pk) is None
    run.refresh_from_db()
    assert (run.status, run.result, run.claim_token, run.attempts) == ("failed", None, None, 3)
    assert run.error.startswith("Stopped after 3 attempts")
    assert "other-host:77" in run.error


def test_only_the_current_claim_writes_the_result_and_only_once(organization: Organization) -> None:
    run = ForecastRunFactory.create(organization=organization)
    first = claim_run(run.pk)
    ForecastRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(days=1))
    second = claim_run(run.pk)  # the first holder went silent: taken over
    assert first is not None
    assert second is not None
    assert finish_run(first, {"from": "first"}) is False
    assert finish_run(second, RESULT) is True
    assert finish_run(second, {"again": True}) is False
    run.refresh_from_db()
    assert (run.status, run.result, run.progress, run.blocks_done, run.claim_token) == (
        "succeeded",
        RESULT,
        1.0,
        run.blocks_total,
        None,
    )


def test_a_failure_records_the_reason_and_no_result(organization: Organization) -> None:
    claim = claim_run(ForecastRunFactory.create(organization=organization).pk)
    assert claim is not None
    assert fail_run(claim, "The forecast failed (ValueError): bad input") is True
    assert fail_run(claim, "second reason") is False
    run = ForecastRun.objects.get(pk=claim.run_id)
    assert (run.status, run.result) == ("failed", None)
    assert run.error == "The forecast failed (ValueError): bad input"
    assert run.finished_at is not None


def test_a_released_claim_puts_the_run_back_in_the_queue(organization: Organization) -> None:
    claim = claim_run(ForecastRunFactory.create(organization=organization).pk)
    assert claim is not None
    release_claim(claim)
    run = ForecastRun.objects.get(pk=claim.run_id)
    assert (run.status, run.claim_token, run.attempts) == ("queued", None, 1)
    assert claim_run(run.pk) is not None  # the retry claims it again (second attempt)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heartbeat_thread_keeps_the_run_fresh_and_notices_a_lost_claim(
    organization: Organization, settings: Any
) -> None:
    settings.FORECAST_HEARTBEAT_SECONDS = 0.05
    claim = claim_run(ForecastRunFactory.create(organization=organization).pk)
    assert claim is not None
    claimed_at = ForecastRun.objects.get(pk=claim.run_id).heartbeat_at
    with heartbeat(claim) as beat:
        time.sleep(0.4)
        beat_at = ForecastRun.objects.get(pk=claim.run_id).heartbeat_at
        assert beat_at is not None
        assert claimed_at is not None
        assert beat_at > claimed_at
        ForecastRun.objects.filter(pk=claim.run_id).update(claim_token=uuid.uuid4())
        time.sleep(0.4)  # 8 heartbeat periods: the next beat finds the token changed
        with pytest.raises(ClaimLost):
            beat.check()
