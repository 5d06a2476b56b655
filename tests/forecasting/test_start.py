"""Starting a run: snapshots, seed, limits in one transaction, publish only after commit, idempotency."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from forecasting.models import ForecastRun
from forecasting.services import (
    ComputeBudgetExceeded,
    IdempotencyKeyReused,
    RunLimitExceeded,
    start_forecast,
)
from forecasting.services.starting import check_compute_budget
from procurement.models import Organization, Scenario, catalog_snapshot
from procurement.scenario_document import ScenarioValidationError
from procurement.services import save_scenario, scenario_to_document, validate_document
from tests.factories import OrganizationFactory
from tests.forecasting.runs import BLOCK_TRIALS, SMALL_TRIALS

LARGE_SCENARIO = Path(__file__).resolve().parents[2] / "benchmarks" / "scenarios" / "large.json"
pytestmark = pytest.mark.django_db


def test_start_snapshots_the_normalised_scenario_and_its_catalog(scenario: Scenario, editor: Any) -> None:
    run, created = start_forecast(scenario, user=editor, trials=3_500, seed=123)
    expected, catalog = validate_document(scenario_to_document(scenario))
    expected["simulation"] = {"trials": 3_500, "seed": 123}
    assert created
    assert (run.status, run.trials, run.seed, run.block_trials) == ("queued", 3_500, 123, BLOCK_TRIALS)
    assert run.blocks_total == math.ceil(3_500 / BLOCK_TRIALS) == 4
    assert run.scenario_snapshot == expected
    assert run.catalog_snapshot == catalog_snapshot(catalog)
    assert (run.scenario_name, run.created_by, run.organization_id) == (
        scenario.name,
        editor,
        scenario.organization_id,
    )


def test_the_snapshot_survives_later_edits_and_deletion_of_the_scenario(
    scenario: Scenario, editor: Any
) -> None:
    run, _ = start_forecast(scenario, user=editor)
    features_before = [feature["name"] for feature in run.scenario_snapshot["features"]]
    scenario.features.all().delete()
    scenario.delete()
    run.refresh_from_db()
    assert run.scenario is None
    assert [f["name"] for f in run.scenario_snapshot["features"]] == features_before == ["Support summariser"]
    assert run.scenario_name == "Acme FY2027"


def test_a_seed_is_chosen_and_stored_when_neither_call_nor_scenario_gives_one(
    organization: Organization, small_document: dict[str, Any], editor: Any
) -> None:
    small_document["simulation"]["seed"] = None
    scenario = save_scenario(organization, small_document)
    first, _ = start_forecast(scenario, user=editor)
    second, _ = start_forecast(scenario, user=editor)
    assert 0 <= first.seed < 2**32
    assert first.scenario_snapshot["simulation"]["seed"] == first.seed
    # Two independent 32-bit draws collide with probability 2**-32.
    assert first.seed != second.seed


def test_the_task_is_published_only_after_the_transaction_commits(
    scenario: Scenario, editor: Any, publishes: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run, _ = start_forecast(scenario, user=editor)
        assert publishes == []  # still inside the transaction: nothing sent yet
    assert len(callbacks) == 1
    assert publishes == [run.pk]


def test_a_rolled_back_start_publishes_nothing_and_leaves_no_run(
    scenario: Scenario, editor: Any, publishes: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    def start_then_fail() -> None:
        with transaction.atomic():
            start_forecast(scenario, user=editor)
            raise RuntimeError("the caller's transaction fails after the start")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        start_then_fail()
    assert (callbacks, publishes, ForecastRun.objects.count()) == ([], [], 0)


def test_the_organization_limit_counts_queued_and_running_runs(scenario: Scenario, editor: Any) -> None:
    organization = scenario.organization
    organization.max_active_runs = 2
    organization.save()
    first, _ = start_forecast(scenario, user=editor)
    second, _ = start_forecast(scenario, user=editor)
    ForecastRun.objects.filter(pk=second.pk).update(status="running")
    with pytest.raises(RunLimitExceeded) as refused:
        start_forecast(scenario, user=editor)
    assert (refused.value.active, refused.value.limit) == (2, 2)
    assert "limit is 2" in str(refused.value)
    ForecastRun.objects.filter(pk=first.pk).update(status="failed")  # a finished run frees its place
    _third, created = start_forecast(scenario, user=editor)
    assert created
    assert ForecastRun.objects.filter(organization=organization).active().count() == 2


def test_another_organizations_runs_do_not_count_against_the_limit(
    scenario: Scenario, editor: Any, small_document: dict[str, Any]
) -> None:
    other = save_scenario(OrganizationFactory.create(max_active_runs=1), small_document)
    start_forecast(other, user=None)
    for _ in range(3):
        start_forecast(scenario, user=editor)
    assert ForecastRun.objects.filter(organization=scenario.organization).count() == 3


def test_work_over_the_compute_budget_is_refused_with_the_largest_trials_that_fit(
    scenario: Scenario, editor: Any, settings: Any
) -> None:
    work = 4_000 * 12 * 1  # trials x months x (no team + one feature)
    settings.FORECAST_COMPUTE_BUDGET = work - 1
    with pytest.raises(ComputeBudgetExceeded) as refused:
        start_forecast(scenario, user=editor, trials=4_000)
    assert (refused.value.work, refused.value.max_trials) == (work, (work - 1) // 12)
    assert ForecastRun.objects.count() == 0
    settings.FORECAST_COMPUTE_BUDGET = work  # exactly at the budget is allowed
    assert start_forecast(scenario, user=editor, trials=4_000)[1]


def test_the_reference_large_scenario_fits_the_default_compute_budget(settings: Any) -> None:
    large = json.loads(LARGE_SCENARIO.read_text())
    series = len(large["teams"]) + len(large["features"])
    work = large["simulation"]["trials"] * large["term_months"] * series
    assert work == 100_000 * 36 * 300
    check_compute_budget(large)  # the shipped default, 2e9
    settings.FORECAST_COMPUTE_BUDGET = work - 1
    with pytest.raises(ComputeBudgetExceeded):
        check_compute_budget(large)


def test_the_same_idempotency_key_returns_the_first_run_without_publishing_again(
    scenario: Scenario, editor: Any, publishes: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first, created_first = start_forecast(scenario, user=editor, idempotency_key="req-1")
    with django_capture_on_commit_callbacks(execute=True):
        again, created_again = start_forecast(scenario, user=editor, idempotency_key="req-1")
    assert (created_first, created_again, again.pk, again.trials) == (True, False, first.pk, SMALL_TRIALS)
    assert publishes == [first.pk]
    with pytest.raises(IdempotencyKeyReused, match=f"run {first.pk}"):
        start_forecast(scenario, user=editor, trials=9_000, idempotency_key="req-1")  # another request
    assert ForecastRun.objects.count() == 1
    assert len(first.idempotency_fingerprint) == 64
    ForecastRun.objects.filter(pk=first.pk).update(idempotency_fingerprint="")  # keyed before migration 0002
    legacy, created = start_forecast(scenario, user=editor, trials=9_000, idempotency_key="req-1")
    assert (legacy.pk, created) == (first.pk, False)


def test_an_idempotent_replay_is_answered_even_when_the_limit_is_reached(
    scenario: Scenario, editor: Any
) -> None:
    scenario.organization.max_active_runs = 1
    scenario.organization.save()
    first, _ = start_forecast(scenario, user=editor, idempotency_key="req-1")
    assert start_forecast(scenario, user=editor, idempotency_key="req-1") == (first, False)
    with pytest.raises(RunLimitExceeded):
        start_forecast(scenario, user=editor, idempotency_key="req-2")


def test_trials_out_of_bounds_is_a_field_error_and_creates_nothing(scenario: Scenario, editor: Any) -> None:
    with pytest.raises(ScenarioValidationError) as refused:
        start_forecast(scenario, user=editor, trials=10)
    assert list(refused.value.errors) == ["simulation.trials"]
    assert ForecastRun.objects.count() == 0
