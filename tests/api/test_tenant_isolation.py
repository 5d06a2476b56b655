"""Another organization's objects do not exist for you: every attempt reads exactly like a missing id.

Each row is run twice by an editor of Globex: once against Acme's real objects (or slug) and once against
ids and slugs that exist nowhere. Both answers must be byte-for-byte the same JSON once the substituted
value is masked, and Acme's rows must be untouched.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from forecasting.models import ForecastRun
from procurement.models import Scenario
from procurement.services import save_scenario, scenario_to_document
from tests.api.conftest import Member, make_member
from tests.factories import ForecastRunFactory

pytestmark = pytest.mark.django_db

MISSING_ID = 987_654_321
MISSING_SLUG = "initech"
DOC = {"__document__": True}  # replaced by a valid scenario document named "Hijack"

# (case, method, path, body, headers); {scenario}/{run}/{org} are Acme's, {own} is Globex's scenario.
ATTEMPTS: list[tuple[str, str, str, Any, dict[str, Any]]] = [
    ("read_scenario", "GET", "/api/v1/scenarios/{scenario}/", None, {}),
    ("head_scenario", "HEAD", "/api/v1/scenarios/{scenario}/", None, {}),
    ("replace_scenario", "PUT", "/api/v1/scenarios/{scenario}/", DOC, {}),
    ("replace_scenario_with_garbage", "PUT", "/api/v1/scenarios/{scenario}/", {"name": 5}, {}),
    ("patch_scenario", "PATCH", "/api/v1/scenarios/{scenario}/", {"name": "x"}, {}),
    ("delete_scenario", "DELETE", "/api/v1/scenarios/{scenario}/", None, {}),
    ("options_scenario", "OPTIONS", "/api/v1/scenarios/{scenario}/", None, {}),
    ("guessed_scenario_with_leading_zero", "GET", "/api/v1/scenarios/0{scenario}/", None, {}),
    ("start_forecast", "POST", "/api/v1/scenarios/{scenario}/forecasts/", {"trials": 1000}, {}),
    ("start_forecast_bad_body", "POST", "/api/v1/scenarios/{scenario}/forecasts/", {"trials": 0}, {}),
    (
        "start_forecast_with_acme_key",
        "POST",
        "/api/v1/scenarios/{scenario}/forecasts/",
        None,
        {"HTTP_IDEMPOTENCY_KEY": "acme-key"},
    ),
    ("read_run", "GET", "/api/v1/forecasts/{run}/", None, {}),
    ("read_result_of_succeeded_run", "GET", "/api/v1/forecasts/{done}/", None, {}),
    ("replace_run", "PUT", "/api/v1/forecasts/{run}/", {"status": "failed"}, {}),
    ("delete_run", "DELETE", "/api/v1/forecasts/{run}/", None, {}),
    ("list_runs_of_acme_scenario", "GET", "/api/v1/forecasts/?scenario={scenario}", None, {}),
    ("list_runs_filtered_twice", "GET", "/api/v1/forecasts/?scenario={scenario}&status=succeeded", None, {}),
    ("list_scenarios_of_acme", "GET", "/api/v1/scenarios/?organization={org}", None, {}),
    ("create_in_acme_by_body", "POST", "/api/v1/scenarios/", {**DOC, "organization": "{org}"}, {}),
    ("create_in_acme_by_query", "POST", "/api/v1/scenarios/?organization={org}", DOC, {}),
    ("move_own_scenario_to_acme", "PUT", "/api/v1/scenarios/{own}/", {**DOC, "organization": "{org}"}, {}),
    (
        "list_own_runs_by_acme_scenario_with_page",
        "GET",
        "/api/v1/forecasts/?scenario={scenario}&page=1",
        None,
        {},
    ),
]


def _fill(value: Any, names: dict[str, Any], document: dict[str, Any]) -> Any:
    if isinstance(value, dict) and value.get("__document__"):
        rest = {k: _fill(v, names, document) for k, v in value.items() if k != "__document__"}
        return {**document, "name": "Hijack", **rest}
    if isinstance(value, str):
        return value.format(**names)
    return value


def _masked(response: Any, names: dict[str, Any]) -> tuple[int, str]:
    text = response.content.decode()
    for value in sorted((str(v) for v in names.values()), key=len, reverse=True):
        text = text.replace(value, "<X>")
    return response.status_code, text


def _acme_state(scenario: Scenario) -> Any:
    runs = ForecastRun.objects.filter(organization=scenario.organization).order_by("pk")
    return (
        scenario_to_document(Scenario.objects.get(pk=scenario.pk)),
        list(runs.values_list("pk", "status", "idempotency_key")),
        Scenario.objects.filter(organization=scenario.organization).count(),
    )


@pytest.mark.parametrize(
    ("case", "method", "path", "body", "headers"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS]
)
def test_another_organizations_objects_read_exactly_like_missing_ones(
    case: str,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, Any],
    outsider: Member,
    scenario_a: Scenario,
    scenario_b: Scenario,
    minimal_document: dict[str, Any],
    result_example: dict[str, Any],
) -> None:
    run = ForecastRunFactory.create(scenario=scenario_a)
    ForecastRun.objects.filter(pk=run.pk).update(idempotency_key="acme-key")
    done = ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result=result_example)
    before = _acme_state(scenario_a)
    real = {"scenario": scenario_a.pk, "run": run.pk, "done": done.pk, "org": "acme", "own": scenario_b.pk}
    fake = {
        **real,
        "scenario": MISSING_ID,
        "run": MISSING_ID + 1,
        "done": MISSING_ID + 2,
        "org": MISSING_SLUG,
    }

    def attempt(names: dict[str, Any]) -> Any:
        return outsider.call(method, path.format(**names), _fill(body, names, minimal_document), **headers)

    foreign, missing = attempt(real), attempt(fake)
    assert foreign.status_code in (400, 404, 405, 200)
    assert _masked(foreign, real) == _masked(missing, fake)
    assert _acme_state(scenario_a) == before
    if foreign.status_code == 200:  # OPTIONS: metadata only, identical for both
        assert method == "OPTIONS"
        assert "Acme" not in foreign.content.decode()


def test_the_table_covers_at_least_twenty_attempts() -> None:
    assert len(ATTEMPTS) >= 20


def test_lists_never_include_another_organizations_objects(
    outsider: Member, scenario_a: Scenario, scenario_b: Scenario, result_example: dict[str, Any]
) -> None:
    ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result=result_example)
    own_run = ForecastRunFactory.create(scenario=scenario_b)
    scenarios = outsider.call("GET", "/api/v1/scenarios/").json()
    runs = outsider.call("GET", "/api/v1/forecasts/?page_size=200").json()
    assert [item["id"] for item in scenarios["results"]] == [scenario_b.pk]
    assert [item["id"] for item in runs["results"]] == [own_run.pk]
    assert "acme" not in json.dumps(scenarios) + json.dumps(runs)


def test_another_organizations_idempotency_key_starts_a_new_run_of_your_own(
    outsider: Member, scenario_a: Scenario, scenario_b: Scenario
) -> None:
    acme_run = ForecastRunFactory.create(scenario=scenario_a)
    ForecastRun.objects.filter(pk=acme_run.pk).update(idempotency_key="shared-key")
    response = outsider.call(
        "POST",
        f"/api/v1/scenarios/{scenario_b.pk}/forecasts/",
        {"trials": 1000},
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert response.status_code == 202
    assert response.json()["id"] != acme_run.pk
    assert ForecastRun.objects.get(pk=response.json()["id"]).organization == scenario_b.organization


def test_a_viewer_of_another_organization_is_refused_like_an_editor(
    scenario_a: Scenario, org_b: Any, minimal_document: dict[str, Any]
) -> None:
    globex_viewer = make_member(org_b, "viewer")
    foreign = globex_viewer.call("GET", f"/api/v1/scenarios/{scenario_a.pk}/")
    missing = globex_viewer.call("GET", f"/api/v1/scenarios/{MISSING_ID}/")
    assert (
        (foreign.status_code, foreign.json())
        == (missing.status_code, missing.json())
        == (
            404,
            {"detail": "Not found.", "code": "not_found", "errors": {}},
        )
    )


def test_a_superuser_sees_every_organization(
    scenario_a: Scenario, scenario_b: Scenario, org_a: Any, minimal_document: dict[str, Any]
) -> None:
    admin = make_member(org_a, "admin")
    admin.user.is_superuser = True
    admin.user.save()
    ids = [item["id"] for item in admin.call("GET", "/api/v1/scenarios/").json()["results"]]
    assert sorted(ids) == sorted([scenario_a.pk, scenario_b.pk])
    save_scenario(org_a, {**minimal_document, "name": "Third"})
    assert admin.call("GET", "/api/v1/scenarios/").json()["count"] == 3
