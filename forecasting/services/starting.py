"""Start a forecast run: check the bounds in one transaction, snapshot the inputs, publish after commit.

The run's task is published by name (`forecasting.services.enqueue`): the tasks import the services, not
the other way round.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from forecasting.models import ForecastRun
from forecasting.services.documents import PreparedDocument, prepare_document
from forecasting.services.enqueue import EXECUTE_FORECAST, task
from forecasting.services.errors import ComputeBudgetExceeded, IdempotencyKeyReused, RunLimitExceeded
from procurement.models import Organization, Scenario, catalog_snapshot
from procurement.services import scenario_to_document

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
        prepared = prepare_document(scenario_to_document(scenario), trials=trials, seed=seed)
        check_compute_budget(prepared.document)
        check_run_limit(organization)
        run = _create_run(
            scenario, organization, prepared, user=user, key=idempotency_key, fingerprint=fingerprint
        )
        transaction.on_commit(partial(publish_run, run.pk))
    return run, True


def request_fingerprint(scenario_id: int, *, trials: int | None, seed: int | None) -> str:
    """What an Idempotency-Key is bound to: the scenario and the parameters as sent (None: not sent)."""
    canonical = json.dumps({"scenario": scenario_id, "trials": trials, "seed": seed}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    prepared: PreparedDocument,
    *,
    user: Any,
    key: str | None,
    fingerprint: str,
) -> ForecastRun:
    trials = prepared.trials
    block_trials = settings.FORECAST_BLOCK_TRIALS
    return ForecastRun.objects.create(
        organization=organization,
        scenario=scenario,
        scenario_name=scenario.name,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        trials=trials,
        seed=prepared.seed,
        block_trials=block_trials,
        blocks_total=math.ceil(trials / block_trials),
        scenario_snapshot=prepared.document,
        catalog_snapshot=catalog_snapshot(prepared.catalog),
        idempotency_key=key or None,
        idempotency_fingerprint=fingerprint if key else "",
        enqueued_at=timezone.now(),
    )


def publish_run(run_id: int) -> bool:
    """Send the run's task; a failed publish is logged and left to the reaper (the run stays queued)."""
    try:
        task(EXECUTE_FORECAST).apply_async((run_id,))
    except Exception:
        if current_app.conf.task_always_eager:
            raise  # in-process: this is the forecast itself failing, not a broker being away
        logger.exception("Publishing forecast run %s failed; the reaper will publish it again", run_id)
        return False
    return True
