"""The reaper (docs/operations.md#reliability-and-security): no run is lost to a dead worker or a failed
publish, none stays running forever.

Run every FORECAST_REAPER_SECONDS by Celery beat, or by `manage.py reap_runs`. Every step is a
conditional UPDATE, so two reapers at once (or a reaper racing a worker) do each thing once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from forecasting.models import ForecastRun
from forecasting.services.claims import CLAIM_FIELDS, exhausted_reason, fail_rows
from forecasting.services.starting import publish_run

Status = ForecastRun.Status


@dataclass
class ReapReport:
    requeued: list[int] = field(default_factory=list)  # running, holder silent: back to the queue
    republished: list[int] = field(default_factory=list)  # queued, task never picked up: published again
    failed: list[int] = field(default_factory=list)  # running, holder silent, out of attempts

    def __bool__(self) -> bool:
        return bool(self.requeued or self.republished or self.failed)


def reap_runs(*, now: datetime | None = None) -> ReapReport:
    """Hand stale runs back to the queue (or fail them after the last attempt) and re-publish lost ones."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.FORECAST_STALE_SECONDS)
    report = ReapReport()
    silent = Q(status=Status.RUNNING) & (Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True))
    for run in ForecastRun.objects.filter(silent).only(*CLAIM_FIELDS).order_by("pk"):
        _reap_silent(run, now, report)
    unpublished = Q(status=Status.QUEUED) & (Q(enqueued_at__lt=stale_before) | Q(enqueued_at__isnull=True))
    for run_id in ForecastRun.objects.filter(unpublished).order_by("pk").values_list("pk", flat=True):
        if _observed(run_id, Status.QUEUED, None).filter(unpublished).update(enqueued_at=now):
            report.republished.append(run_id)
    for run_id in report.requeued + report.republished:
        publish_run(run_id)
    return report


def _reap_silent(run: ForecastRun, now: datetime, report: ReapReport) -> None:
    rows = _observed(run.pk, Status.RUNNING, run.claim_token).filter(heartbeat_at=run.heartbeat_at)
    if run.attempts >= settings.FORECAST_MAX_ATTEMPTS:
        if fail_rows(rows, run.pk, exhausted_reason(run), now=now):
            report.failed.append(run.pk)
    elif rows.update(status=Status.QUEUED, claim_token=None, claimed_by="", enqueued_at=now):
        report.requeued.append(run.pk)


def _observed(run_id: int, status: str, claim_token: uuid.UUID | None) -> QuerySet[ForecastRun]:
    return ForecastRun.objects.filter(pk=run_id, status=status, claim_token=claim_token)
