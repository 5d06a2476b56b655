"""Forecast endpoints: start (202, idempotent retries, bounded work), list with filters, read with result.

Runs started here stay queued: the test transaction never commits, so the task published on commit never
runs. Finished runs are written directly with the example result; one test runs the real engine.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator

from forecasting.models import ForecastRun
from procurement.models import Organization, Scenario
from tests.api.conftest import Member, make_member
from tests.factories import ForecastRunFactory

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/forecasts/"


def start_path(scenario: Scenario | int) -> str:
    return f"/api/v1/scenarios/{getattr(scenario, 'pk', scenario)}/forecasts/"


def _throttle(settings: Any, rate: str) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"forecast_start": rate}}


def test_start_answers_202_with_a_queued_run_of_the_requested_size(
    editor: Member, scenario_a: Scenario
) -> None:
    response = editor.call("POST", start_path(scenario_a), {"trials": 5_000, "seed": 11})
    assert response.status_code == 202
    body = response.json()
    run = ForecastRun.objects.get(pk=body["id"])
    assert (body["status"], body["progress"], body["trials"], body["seed"]) == ("queued", 0.0, 5_000, 11)
    assert (run.trials, run.seed, run.organization, run.scenario) == (
        5_000,
        11,
        editor.organization,
        scenario_a,
    )
    assert body["url"] == f"http://testserver{RUNS}{run.pk}/" == response["Location"]
    assert body["scenario_url"] == f"http://testserver/api/v1/scenarios/{scenario_a.pk}/"
    assert run.scenario_snapshot["simulation"] == {"trials": 5_000, "seed": 11}
    assert run.created_by == editor.user


def test_start_without_a_body_uses_the_scenarios_simulation_block(
    editor: Member, scenario_a: Scenario
) -> None:
    response = editor.call("POST", start_path(scenario_a))
    assert response.status_code == 202
    assert (response.json()["trials"], response.json()["seed"]) == (20_000, 7)


def test_a_retry_with_the_same_idempotency_key_returns_the_same_run(
    editor: Member, scenario_a: Scenario
) -> None:
    first = editor.call("POST", start_path(scenario_a), {"trials": 5_000}, HTTP_IDEMPOTENCY_KEY="plan-2027-a")
    retry = editor.call("POST", start_path(scenario_a), {"trials": 5_000}, HTTP_IDEMPOTENCY_KEY="plan-2027-a")
    other = editor.call("POST", start_path(scenario_a), {"trials": 5_000}, HTTP_IDEMPOTENCY_KEY="plan-2027-b")
    assert (first.status_code, retry.status_code, other.status_code) == (202, 200, 202)
    assert retry.json()["id"] == first.json()["id"] != other.json()["id"]
    assert ForecastRun.objects.count() == 2


def test_an_idempotency_key_reused_with_another_request_is_a_422(
    editor: Member, scenario_a: Scenario, minimal_document: dict[str, Any]
) -> None:
    """Issue 11: the key came back with the first run (200) whatever the new request asked for."""
    from procurement.services import save_scenario

    other_scenario = save_scenario(scenario_a.organization, {**minimal_document, "name": "Other plan"})
    first = editor.call("POST", start_path(scenario_a), {"trials": 5_000}, HTTP_IDEMPOTENCY_KEY="k-2027")
    assert first.status_code == 202
    for path, body in [
        (start_path(scenario_a), {"trials": 6_000}),  # another body
        (start_path(scenario_a), {"trials": 5_000, "seed": 3}),
        (start_path(scenario_a), None),  # the defaults, not the trials first sent
        (start_path(other_scenario), {"trials": 5_000}),  # another scenario
    ]:
        response = editor.call("POST", path, body, HTTP_IDEMPOTENCY_KEY="k-2027")
        assert response.status_code == 422, (path, body, response.json())
        assert response.json()["code"] == "idempotency_key_reused"
        assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert ForecastRun.objects.count() == 1
    same = editor.call("POST", start_path(scenario_a), {"trials": 5_000}, HTTP_IDEMPOTENCY_KEY="k-2027")
    assert (same.status_code, same.json()["id"]) == (200, first.json()["id"])


def test_a_malformed_idempotency_key_is_a_400_naming_the_header(editor: Member, scenario_a: Scenario) -> None:
    for key in ("has space", "x" * 201, "é"):
        response = editor.call("POST", start_path(scenario_a), HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert ForecastRun.objects.count() == 0


def test_the_organizations_active_run_limit_answers_429_and_creates_nothing(
    editor: Member, scenario_a: Scenario, org_a: Organization
) -> None:
    org_a.max_active_runs = 2
    org_a.save()
    # finished runs do not count
    ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result={"finished": True})
    statuses = [editor.call("POST", start_path(scenario_a)).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    refused = editor.call("POST", start_path(scenario_a)).json()
    assert refused["code"] == "limit_reached"
    assert "limit is 2" in refused["detail"]
    assert ForecastRun.objects.filter(status="queued").count() == 2


def test_a_run_over_the_compute_budget_is_a_400_on_trials(
    editor: Member, scenario_a: Scenario, settings: Any
) -> None:
    # 24 months x (2 teams + 2 features) = 96 series-months; 1,000,000 allows 10,416 trials
    settings.FORECAST_COMPUTE_BUDGET = 1_000_000
    refused = editor.call("POST", start_path(scenario_a), {"trials": 20_000})
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["trials"]
    assert "at most 10,416 trials" in refused.json()["errors"]["trials"][0]
    assert editor.call("POST", start_path(scenario_a), {"trials": 10_000}).status_code == 202
    assert ForecastRun.objects.count() == 1


def test_the_start_throttle_counts_per_organization_and_answers_429_with_retry_after(
    editor: Member, scenario_a: Scenario, scenario_b: Scenario, outsider: Member, settings: Any
) -> None:
    _throttle(settings, "2/minute")
    colleague = make_member(editor.organization, "editor")
    assert editor.call("POST", start_path(scenario_a), {"trials": 1_000}).status_code == 202
    assert colleague.call("POST", start_path(scenario_a), {"trials": 1_000}).status_code == 202
    throttled = editor.call("POST", start_path(scenario_a), {"trials": 1_000})
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert outsider.call("POST", start_path(scenario_b), {"trials": 1_000}).status_code == 202
    assert ForecastRun.objects.count() == 3
    cache.clear()  # a new window
    assert editor.call("POST", start_path(scenario_a), {"trials": 1_000}).status_code == 202


def test_refused_starts_and_idempotent_retries_do_not_spend_the_throttle(
    editor: Member, viewer: Member, scenario_a: Scenario, scenario_b: Scenario, settings: Any
) -> None:
    _throttle(settings, "1/minute")
    assert viewer.call("POST", start_path(scenario_a)).status_code == 403
    assert editor.call("POST", start_path(scenario_b)).status_code == 404
    first = editor.call("POST", start_path(scenario_a), HTTP_IDEMPOTENCY_KEY="k1")
    retry = editor.call("POST", start_path(scenario_a), HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, retry.status_code) == (202, 200)
    assert editor.call("POST", start_path(scenario_a), HTTP_IDEMPOTENCY_KEY="k2").status_code == 429


def test_viewers_cannot_start_runs(viewer: Member, scenario_a: Scenario) -> None:
    response = viewer.call("POST", start_path(scenario_a))
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert ForecastRun.objects.count() == 0


def test_list_is_newest_first_without_results_and_filters_by_scenario_and_status(
    editor: Member, scenario_a: Scenario, org_a: Organization, minimal_document: dict[str, Any]
) -> None:
    from procurement.services import save_scenario

    other = save_scenario(org_a, {**minimal_document, "name": "Other"})
    done = ForecastRunFactory.create(
        scenario=scenario_a, succeeded=True, result={"total": {"expected_cost": 1.0}}
    )
    queued = ForecastRunFactory.create(scenario=scenario_a)
    elsewhere = ForecastRunFactory.create(scenario=other, failed=True)
    listed = editor.call("GET", RUNS).json()
    assert [item["id"] for item in listed["results"]] == [elsewhere.pk, queued.pk, done.pk]
    assert all("result" not in item for item in listed["results"])
    by_scenario = editor.call("GET", f"{RUNS}?scenario={scenario_a.pk}").json()["results"]
    assert [item["id"] for item in by_scenario] == [queued.pk, done.pk]
    by_both = editor.call("GET", f"{RUNS}?scenario={scenario_a.pk}&status=succeeded").json()["results"]
    assert [item["id"] for item in by_both] == [done.pk]


def test_bad_list_filters_are_400s_naming_the_parameter(editor: Member, scenario_a: Scenario) -> None:
    for query, field in (
        ("status=done", "status"),
        ("scenario=abc", "scenario"),
        ("scenario=99999", "scenario"),
    ):
        response = editor.call("GET", f"{RUNS}?{query}")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]


def test_list_loads_neither_results_nor_snapshots(
    editor: Member, scenario_a: Scenario, result_example: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result=result_example)
    with django_assert_max_num_queries(6) as captured:
        assert editor.call("GET", RUNS).json()["count"] == 5
    page_query = next(
        q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"] and "forecastrun" in q["sql"]
    )
    assert '"result"' not in page_query
    assert "scenario_snapshot" not in page_query


def test_detail_of_a_queued_run_has_status_progress_and_no_result(
    editor: Member, scenario_a: Scenario
) -> None:
    run = ForecastRunFactory.create(scenario=scenario_a)
    ForecastRun.objects.filter(pk=run.pk).update(status="running", progress=0.5, blocks_done=2)
    body = editor.call("GET", f"{RUNS}{run.pk}/").json()
    assert (body["status"], body["progress"], body["blocks_done"], body["blocks_total"]) == (
        "running",
        0.5,
        2,
        4,
    )
    assert body["result"] is None


def test_detail_of_a_succeeded_run_carries_the_stored_result(
    editor: Member, scenario_a: Scenario, result_example: dict[str, Any]
) -> None:
    run = ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result=result_example)
    body = editor.call("GET", f"{RUNS}{run.pk}/").json()
    assert body["status"] == "succeeded"
    assert body["result"] == result_example
    assert body["result"]["api"]["periods"][0]["recommended"]["commitment"] > 0


def test_the_detail_is_the_list_item_plus_the_result_for_every_state(
    editor: Member, scenario_a: Scenario, result_example: dict[str, Any]
) -> None:
    """The detail's hand-built envelope (representation.py) must equal the list's serializer output."""
    runs = [
        ForecastRunFactory.create(scenario=scenario_a),
        ForecastRunFactory.create(scenario=scenario_a, failed=True),
    ]
    runs.append(ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result=result_example))
    ForecastRun.objects.filter(pk=runs[0].pk).update(idempotency_key="k", scenario=None)
    listed = {item["id"]: item for item in editor.call("GET", RUNS).json()["results"]}
    for run in runs:
        detail = editor.call("GET", f"{RUNS}{run.pk}/")
        assert detail["Content-Type"] == "application/json"
        body = detail.json()
        assert body.pop("result") == (result_example if run.status == "succeeded" else None)
        assert body == listed[run.pk]


def test_a_failed_run_says_why(editor: Member, scenario_a: Scenario) -> None:
    run = ForecastRunFactory.create(scenario=scenario_a, failed=True)
    body = editor.call("GET", f"{RUNS}{run.pk}/").json()
    assert (body["status"], body["result"]) == ("failed", None)
    assert body["error"].startswith("The forecast failed")


def test_runs_outlive_their_scenario(
    editor: Member, scenario_a: Scenario, result_example: dict[str, Any]
) -> None:
    run = ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result=result_example)
    assert editor.call("DELETE", f"/api/v1/scenarios/{scenario_a.pk}/").status_code == 204
    body = editor.call("GET", f"{RUNS}{run.pk}/").json()
    assert (body["scenario"], body["scenario_url"], body["scenario_name"]) == (None, None, "Acme FY2027")
    assert body["result"] == result_example


def test_viewers_read_runs_and_results(
    viewer: Member, scenario_a: Scenario, result_example: dict[str, Any]
) -> None:
    run = ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result=result_example)
    assert viewer.call("GET", RUNS).json()["count"] == 1
    assert viewer.call("GET", f"{RUNS}{run.pk}/").json()["result"] == result_example


def test_run_endpoints_are_read_only(editor: Member, scenario_a: Scenario) -> None:
    run = ForecastRunFactory.create(scenario=scenario_a)
    statuses = [
        editor.call("POST", RUNS, {}).status_code,
        editor.call("PUT", f"{RUNS}{run.pk}/", {}).status_code,
        editor.call("DELETE", f"{RUNS}{run.pk}/").status_code,
        editor.call("GET", start_path(scenario_a)).status_code,
    ]
    assert statuses == [405, 405, 405, 405]
    assert ForecastRun.objects.filter(pk=run.pk, status="queued").exists()


def _json_schema(openapi: Any) -> Any:
    """OpenAPI 3.0 `nullable` as JSON Schema (Draft 4) types, so jsonschema can check responses."""
    if isinstance(openapi, list):
        return [_json_schema(item) for item in openapi]
    if not isinstance(openapi, dict):
        return openapi
    converted = {key: _json_schema(value) for key, value in openapi.items() if key != "nullable"}
    if not openapi.get("nullable"):
        return converted
    if "type" in converted:
        return {**converted, "type": [converted["type"], "null"]}
    return {"anyOf": [converted, {"type": "null"}]}


def test_a_started_run_executes_and_its_result_matches_the_published_schema(
    editor: Member, scenario_a: Scenario, django_capture_on_commit_callbacks: Any, in_process_celery: None
) -> None:
    """The real engine, in-process: 1,000 trials of the two-team, two-feature scenario."""
    with django_capture_on_commit_callbacks(execute=True):
        started = editor.call("POST", start_path(scenario_a), {"trials": 1_000, "seed": 3})
    assert started.status_code == 202
    body = editor.call("GET", started.json()["url"]).json()
    assert (body["status"], body["progress"], body["error"]) == ("succeeded", 1.0, "")
    assert body["result"]["simulation"]["trials"] == 1_000
    assert body["result"]["simulation"]["seed"] == 3
    generator = SchemaGenerator()  # type: ignore[no-untyped-call]
    components = generator.get_schema(request=None, public=True)["components"]  # type: ignore[no-untyped-call]
    schema = {"$ref": "#/components/schemas/ForecastRunDetail", "components": _json_schema(components)}
    errors = [error.message for error in jsonschema.Draft4Validator(schema).iter_errors(body)]
    assert errors == []
