"""Run state owned by the database (docs/operations.md#reliability-and-security): claim, heartbeat,
finish or fail, each a conditional UPDATE.

A process works on a run only while it holds the run's claim token. Every write it makes is conditional on
that token and on the run still running, so a second delivery of the same task, a worker that went stale
and came back, or a reaper racing a worker can never write a second result or overwrite a newer claim.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from forecasting.models import ForecastChunk, ForecastRun
from forecasting.services.errors import ClaimLost

logger = logging.getLogger(__name__)
Status = ForecastRun.Status
MAX_ERROR_CHARS = 4_000  # enough for a message and its context; tracebacks go to the worker log
# What deciding on a claim reads (never the snapshots or the result, which can be megabytes).
CLAIM_FIELDS = ("status", "claim_token", "claimed_by", "heartbeat_at", "attempts")
T = TypeVar("T")


@dataclass(frozen=True)
class Claim:
    """The right to work on one run, proven by its token in every conditional write."""

    run_id: int
    token: uuid.UUID

    def rows(self) -> Any:
        """The run, only while this claim still holds it and it is running."""
        return ForecastRun.objects.filter(pk=self.run_id, status=Status.RUNNING, claim_token=self.token)


def worker_id() -> str:
    """host:pid of this process, so a process on the same host can tell a dead holder from a live one."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_gone(run: ForecastRun, *, now: datetime | None = None) -> bool:
    """Is the process holding this running run dead: silent too long, or a dead pid on this very host?"""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.FORECAST_STALE_SECONDS)
    if run.heartbeat_at is None or run.heartbeat_at < stale_before:
        return True
    host, _, pid = run.claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # held elsewhere (or by a fanned-out chord): only the heartbeat can tell
    return not _process_alive(int(pid))


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child not yet reaped by its parent is a zombie: dead for our purpose
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def claim_run(run_id: int) -> Claim | None:
    """Take the run (compare-and-set on the state just read) if it is queued or its holder is gone.

    None when the run is finished, held by a live process, or taken by someone faster. A run that already
    used its FORECAST_MAX_ATTEMPTS attempts is failed with the reason instead of being claimed again.
    """
    run = ForecastRun.objects.filter(pk=run_id).only(*CLAIM_FIELDS).first()
    if run is None or run.is_finished:
        return None
    now = timezone.now()
    if run.status == Status.RUNNING and not holder_is_gone(run, now=now):
        return None
    observed = ForecastRun.objects.filter(
        pk=run_id, status=run.status, claim_token=run.claim_token, attempts=run.attempts
    )
    if run.attempts >= settings.FORECAST_MAX_ATTEMPTS:
        fail_rows(observed, run_id, exhausted_reason(run), now=now)
        return None
    token = uuid.uuid4()
    claimed = observed.update(
        status=Status.RUNNING,
        claim_token=token,
        claimed_by=worker_id(),
        attempts=F("attempts") + 1,
        heartbeat_at=now,
        started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
        error="",
    )
    return Claim(run_id, token) if claimed else None


def exhausted_reason(run: ForecastRun) -> str:
    return (
        f"Stopped after {run.attempts} attempts: each time, the process running this forecast stopped "
        "before finishing (killed, out of memory or crashed)"
        + (f"; the last one was {run.claimed_by}." if run.claimed_by else ".")
    )


def touch(claim: Claim, **fields: Any) -> None:
    """Heartbeat (and any progress fields) while the claim holds; raise ClaimLost once it does not."""
    if not claim.rows().update(heartbeat_at=timezone.now(), **fields):
        raise ClaimLost(f"run {claim.run_id}: claim {claim.token} is no longer held")


def record_progress(claim: Claim, blocks_done: int, blocks_total: int) -> None:
    touch(claim, blocks_done=blocks_done, progress=blocks_done / max(blocks_total, 1))


def finish_run(claim: Claim, result: dict[str, Any]) -> bool:
    """Write the result once: False (and nothing written) if the claim no longer holds."""
    with transaction.atomic():
        finished = claim.rows().update(
            status=Status.SUCCEEDED,
            result=result,
            progress=1.0,
            blocks_done=F("blocks_total"),
            finished_at=timezone.now(),
            claim_token=None,
            claimed_by="",
            error="",
        )
        if finished:
            ForecastChunk.objects.filter(run_id=claim.run_id).delete()
    return bool(finished)


def fail_run(claim: Claim, reason: str) -> bool:
    """Record a readable failure (no result) if the claim still holds."""
    return fail_rows(claim.rows(), claim.run_id, reason, now=timezone.now())


def fail_rows(rows: Any, run_id: int, reason: str, *, now: datetime) -> bool:
    """Fail the run through `rows` (a conditional queryset) and drop its chunks; False if nothing matched."""
    with transaction.atomic():
        failed = rows.update(
            status=Status.FAILED,
            error=reason[:MAX_ERROR_CHARS],
            result=None,
            finished_at=now,
            claim_token=None,
            claimed_by="",
        )
        if failed:
            ForecastChunk.objects.filter(run_id=run_id).delete()
    if failed:
        logger.warning("Forecast run %s failed: %s", run_id, reason)
    return bool(failed)


def guarded(claim: Claim, compute: Callable[[], T]) -> T | None:
    """What `compute` returns, or None after recording why the forecast itself failed.

    Losing the claim and database errors propagate: they say nothing about the forecast.
    """
    try:
        return compute()
    except (ClaimLost, DatabaseError):
        raise
    except Exception as error:
        logger.exception("Forecast run %s failed", claim.run_id)
        fail_run(claim, describe(error))
        return None


def describe(error: BaseException) -> str:
    """A message a procurement lead can read: what kind of failure, and what it said."""
    if isinstance(error, MemoryError):
        return "The forecast ran out of memory; try fewer trials."
    text = str(error).strip() or "no message"
    return f"The forecast failed ({type(error).__name__}): {text}"


def release_claim(claim: Claim) -> None:
    """Best effort: hand the run back to the queue after an infrastructure error (the retry reclaims it)."""
    try:
        claim.rows().update(status=Status.QUEUED, claim_token=None, claimed_by="", enqueued_at=timezone.now())
    except DatabaseError:
        logger.warning("Could not release run %s; the reaper will recover it", claim.run_id, exc_info=True)


class Heartbeat:
    """A daemon thread touching the run every FORECAST_HEARTBEAT_SECONDS while a block computes."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-run-{claim.run_id}", daemon=True)

    def check(self) -> None:
        if self.lost.is_set():
            raise ClaimLost(f"run {self.claim.run_id}: another process holds it now")

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.FORECAST_HEARTBEAT_SECONDS):
                try:
                    touch(self.claim)
                except DatabaseError:  # try again next beat; the work meets the same database anyway
                    logger.warning("Heartbeat of run %s failed", self.claim.run_id, exc_info=True)
        except ClaimLost:
            self.lost.set()
        finally:
            connections.close_all()  # this thread's own connections only


@contextmanager
def heartbeat(claim: Claim) -> Iterator[Heartbeat]:
    beat = Heartbeat(claim)
    beat._thread.start()
    try:
        yield beat
    finally:
        beat._stop.set()
        beat._thread.join()
