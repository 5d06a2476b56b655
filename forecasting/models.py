"""Forecast runs (docs/operations.md#running-forecasts): what was run, its state, and its result.

The database owns run state (docs/operations.md#reliability-and-security): a worker claims a run with a
compare-and-set UPDATE, keeps a heartbeat while it works, and writes the result in one conditional UPDATE, so
a broker that delivers a task twice or late never produces two results. `ForecastChunk` rows hold the block
results of a run that fans out across workers until the final task merges them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from procurement.limits import MAX_NAME_CHARS
from procurement.models import Organization


class ForecastRunQuerySet(models.QuerySet["ForecastRun"]):
    def visible_to(self, user: Any) -> ForecastRunQuerySet:
        """Runs of the organizations the user belongs to (all for a superuser, none for anonymous)."""
        return self.filter(organization__in=Organization.objects.for_user(user))

    def active(self) -> ForecastRunQuerySet:
        """Runs that count against the organization's limit: queued or running."""
        return self.filter(status__in=ForecastRun.ACTIVE_STATUSES)


class ForecastRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    FINISHED_STATUSES = (Status.SUCCEEDED, Status.FAILED)

    organization = models.ForeignKey(
        "procurement.Organization", on_delete=models.CASCADE, related_name="forecast_runs"
    )
    scenario = models.ForeignKey(
        "procurement.Scenario", on_delete=models.SET_NULL, null=True, blank=True, related_name="forecast_runs"
    )
    scenario_name = models.CharField(
        max_length=MAX_NAME_CHARS, help_text="Kept when the scenario is deleted."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0, help_text="Finished blocks / all blocks, 0..1.")
    trials = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    block_trials = models.PositiveIntegerField(
        help_text="Trials per block, fixed when the run starts so every worker draws the same blocks."
    )
    scenario_snapshot = models.JSONField(help_text="The normalised scenario document as run.")
    catalog_snapshot = models.JSONField(help_text="Every catalog row the run priced with.")
    result = models.JSONField(null=True, blank=True, help_text="docs/result.md; set only on success.")
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a worker claimed the run.")
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_by = models.CharField(
        max_length=200, blank=True, help_text="host:pid of the process holding the claim, when one does."
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Last time its task was published.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    idempotency_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="SHA-256 of the request that used the key (scenario, trials, seed): a reuse must match.",
    )
    blocks_total = models.PositiveIntegerField(default=0)
    blocks_done = models.PositiveIntegerField(default=0)

    objects = ForecastRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="forecastrun_org_status"),
            models.Index(fields=["status", "heartbeat_at"], name="forecastrun_status_heartbeat"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="forecastrun_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="forecastrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0.0) & Q(progress__lte=1.0), name="forecastrun_progress_range"
            ),
            # A result exists exactly when the run succeeded: never a half-written one
            # (docs/operations.md#running-forecasts).
            models.CheckConstraint(
                condition=(Q(status="succeeded") & Q(result__isnull=False))
                | (~Q(status="succeeded") & Q(result__isnull=True)),
                name="forecastrun_result_iff_succeeded",
            ),
            models.CheckConstraint(
                condition=Q(blocks_done__lte=models.F("blocks_total")),
                name="forecastrun_blocks_done_le_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_name} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES


class ForecastChunk(models.Model):
    """A contiguous range of blocks of a fanned-out run, and their results once computed."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_block = models.PositiveIntegerField()
    block_count = models.PositiveIntegerField()
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a chunk task started it.")
    payload = models.BinaryField(null=True, blank=True, help_text="The blocks as npz bytes (no pickle).")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="forecastchunk_unique_index"),
            models.CheckConstraint(condition=Q(block_count__gte=1), name="forecastchunk_not_empty"),
        ]

    def __str__(self) -> str:
        last = self.first_block + self.block_count - 1
        return f"run {self.run_id} chunk {self.index} (blocks {self.first_block}-{last})"
