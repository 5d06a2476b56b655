"""The reaper: stale runs back to the queue, lost publishes sent again, runs out of attempts failed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from forecasting.models import ForecastRun
from forecasting.services import reap_runs
from procurement.models import Organization
from tests.factories import ForecastRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stale_after_a_minute(settings: Any) -> None:
    settings.FORECAST_STALE_SECONDS = 60


def ago(seconds: float) -> Any:
    return timezone.now() - timedelta(seconds=seconds)


def running(organization: Organization, *, silent_for: float, attempts: int = 1) -> ForecastRun:
    return ForecastRunFactory.create(
        organization=organization, running=True, heartbeat_at=ago(silent_for), attempts=attempts
    )


def test_a_stale_running_run_goes_back_to_the_queue_and_is_published(
    organization: Organization, publishes: list[int]
) -> None:
    run = running(organization, silent_for=61)
    report = reap_runs()
    run.refresh_from_db()
    assert (report.requeued, publishes) == ([run.pk], [run.pk])
    assert (run.status, run.claim_token, run.claimed_by, run.attempts) == ("queued", None, "", 1)


def test_a_stale_run_out_of_attempts_is_failed_with_its_reason(
    organization: Organization, publishes: list[int]
) -> None:
    run = running(organization, silent_for=61, attempts=3)
    report = reap_runs()
    run.refresh_from_db()
    assert (report.failed, publishes, run.status, run.result) == ([run.pk], [], "failed", None)
    assert run.error.startswith("Stopped after 3 attempts")


def test_a_queued_run_whose_publish_was_lost_is_published_again(
    organization: Organization, publishes: list[int]
) -> None:
    lost = ForecastRunFactory.create(organization=organization, enqueued_at=ago(61))
    waiting = ForecastRunFactory.create(organization=organization, enqueued_at=ago(5))
    report = reap_runs()
    lost.refresh_from_db()
    assert (report.republished, publishes) == ([lost.pk], [lost.pk])
    assert lost.enqueued_at is not None
    assert lost.enqueued_at > ago(5)
    assert ForecastRun.objects.get(pk=waiting.pk).enqueued_at == waiting.enqueued_at


def test_fresh_and_finished_runs_are_left_alone(organization: Organization, publishes: list[int]) -> None:
    fresh = running(organization, silent_for=59)
    for finished in ({"succeeded": True, "result": {"x": 1}}, {"failed": True, "error": "x"}):
        ForecastRunFactory.create(organization=organization, heartbeat_at=ago(10_000), **finished)
    assert not reap_runs()
    assert publishes == []
    assert ForecastRun.objects.get(pk=fresh.pk).status == "running"


def test_reaping_twice_hands_a_stale_run_over_once(organization: Organization, publishes: list[int]) -> None:
    run = running(organization, silent_for=61)
    first, second = reap_runs(), reap_runs()
    assert (first.requeued, bool(second), publishes) == ([run.pk], False, [run.pk])


def test_a_reaped_run_is_claimed_by_the_next_delivery_as_a_new_attempt(
    organization: Organization, publishes: list[int]
) -> None:
    from forecasting.services.claims import claim_run

    run = running(organization, silent_for=61)
    reap_runs()
    assert claim_run(run.pk) is not None
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("running", 2)


def test_the_reap_runs_command_reports_what_it_did(
    organization: Organization, publishes: list[int], capsys: Any
) -> None:
    stale = running(organization, silent_for=61)
    call_command("reap_runs")
    assert f"requeued 1 stale run(s) [{stale.pk}]" in capsys.readouterr().out
