"""Start a forecast run: check the bounds in one transaction, snapshot the inputs, publish after commit."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from forecasting.models import ForecastRun
from forecasting.services.errors import ComputeBudgetExceeded, IdempotencyKeyReused, RunLimitExceeded
from procurement.models import Organization, PriceCatalog, Scenario, catalog_snapshot
from procurement.services import scenario_to_document, validate_document

logger = logging.getLogger(__name__)


def start_forecast(
    scenario: Scenario,
    *,
    user: Any,
    trials: int | None = None,
    seed: int | None = None,
    idempotency_key: str | None = None,
) -> tuple[ForecastRun, bool]:
    """Create a queued run of the scenario as it is now and enqueue it once the transaction commits.

    Returns (run, created): an existing run with the same (organization, idempotency_key) comes back with
    created=False when it was made by the same request (scenario, trials, seed); the key with another
    request raises IdempotencyKeyReused, as payment APIs refuse a key reused with another body. Raises
    ScenarioValidationError (bad trials or seed), ComputeBudgetExceeded, or RunLimitExceeded when the
    organization already has `max_active_runs` runs queued or running.
    """
    fingerprint = request_fingerprint(scenario.pk, trials=trials, seed=seed)
    with transaction.atomic():
        # Concurrent starts of one organization queue up on this row lock (SQLite's IMMEDIATE transactions
        # serialise them already), so counting active runs and inserting one cannot interleave.
        organization = Organization.objects.select_for_update().get(pk=scenario.organization_id)
        if idempotency_key:
            existing = ForecastRun.objects.filter(
                organization=organization, idempotency_key=idempotency_key
            ).first()
            if existing is not None:
                # "" : a run keyed before requests were fingerprinted (migration 0002) is answered as before
                if existing.idempotency_fingerprint not in ("", fingerprint):
                    raise IdempotencyKeyReused(idempotency_key, existing.pk)
                return existing, False
        document, catalog = snapshot_document(scenario, trials=trials, seed=seed)
        check_compute_budget(document)
        check_run_limit(organization)
        run = _create_run(
            scenario, organization, document, catalog, user=user, key=idempotency_key, fingerprint=fingerprint
        )
        transaction.on_commit(partial(publish_run, run.pk))
    return run, True


def request_fingerprint(scenario_id: int, *, trials: int | None, seed: int | None) -> str:
    """What an Idempotency-Key is bound to: the scenario and the parameters as sent (None: not sent)."""
    canonical = json.dumps({"scenario": scenario_id, "trials": trials, "seed": seed}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def snapshot_document(
    scenario: Scenario, *, trials: int | None, seed: int | None
) -> tuple[dict[str, Any], PriceCatalog]:
    """The normalised document the run uses: trials and seed applied, a seed chosen if none was given."""
    document = scenario_to_document(scenario)
    simulation = document["simulation"]
    document["simulation"] = {
        "trials": simulation["trials"] if trials is None else trials,
        "seed": simulation["seed"] if seed is None else seed,
    }
    normalised, catalog = validate_document(document)
    if normalised["simulation"]["seed"] is None:
        normalised["simulation"]["seed"] = new_seed()
    return normalised, catalog


def new_seed() -> int:
    """32 random bits: a fresh stream per run, and a seed short enough to read out and type back."""
    return secrets.randbits(32)


def check_compute_budget(document: dict[str, Any]) -> None:
    trials, months = document["simulation"]["trials"], document["term_months"]
    series = len(document["teams"]) + len(document["features"])
    budget = settings.FORECAST_COMPUTE_BUDGET
    if trials * months * series > budget:
        raise ComputeBudgetExceeded(trials=trials, months=months, series=series, budget=budget)


def check_run_limit(organization: Organization) -> None:
    active = ForecastRun.objects.filter(organization=organization).active().count()
    if active >= organization.max_active_runs:
        raise RunLimitExceeded(organization.name, active=active, limit=organization.max_active_runs)


def _create_run(
    scenario: Scenario,
    organization: Organization,
    document: dict[str, Any],
    catalog: PriceCatalog,
    *,
    user: Any,
    key: str | None,
    fingerprint: str,
) -> ForecastRun:
    trials = document["simulation"]["trials"]
    block_trials = settings.FORECAST_BLOCK_TRIALS
    return ForecastRun.objects.create(
        organization=organization,
        scenario=scenario,
        scenario_name=scenario.name,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        trials=trials,
        seed=document["simulation"]["seed"],
        block_trials=block_trials,
        blocks_total=math.ceil(trials / block_trials),
        scenario_snapshot=document,
        catalog_snapshot=catalog_snapshot(catalog),
        idempotency_key=key or None,
        idempotency_fingerprint=fingerprint if key else "",
        enqueued_at=timezone.now(),
    )


def publish_run(run_id: int) -> bool:
    """Send the run's task; a failed publish is logged and left to the reaper (the run stays queued)."""
    from forecasting.tasks import execute_forecast_task

    try:
        execute_forecast_task.apply_async((run_id,))
    except Exception:
        if current_app.conf.task_always_eager:
            raise  # in-process: this is the forecast itself failing, not a broker being away
        logger.exception("Publishing forecast run %s failed; the reaper will publish it again", run_id)
        return False
    return True
