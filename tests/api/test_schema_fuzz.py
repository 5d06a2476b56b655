"""Schemathesis against /api/schema/, in-process through Django's WSGI handler, every operation.

Checks: no 5xx, every status and content type documented, every response body valid against its schema.
Fuzzing: positive and negative generation, 100 examples per operation (derandomised, so CI on SQLite and
on PostgreSQL replays the same cases); before it, schemathesis' coverage phase adds boundary cases.
Path ids are drawn from the schema or, half the time, are real objects of the caller (a scenario, a
queued run, a succeeded run holding the example result), so the 200 answers and the result component
are validated too (the brief PDF route gets the queued run only).

Starting a forecast cannot run one: the publish after commit is patched to a no-op (and the test
transaction never commits anyway), so runs stay queued and the fuzzing stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from forecasting.services import starting
from procurement.models import Role
from procurement.services import save_scenario
from tests.api.conftest import make_member
from tests.conftest import MINIMAL_DOCUMENT
from tests.factories import ForecastRunFactory, OrganizationFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 100
# The coverage phase (boundary values, missing parameters, unexpected methods) runs positive cases only:
# its negative cases for the scenario document are ~450 bodies and tripled the runtime. Negative bodies
# still come from the fuzzing phase and from the explicit list in test_bad_input.py.
CONFIG = {"phases": {"coverage": {"generation": {"mode": "positive"}}}}
_LOADED: list[Any] = []  # the schema does not depend on the database: generate and parse it once

# Real ids of the current test's objects, by path parameter, and its token: filled by the fixture.
REAL_IDS: dict[str, list[str]] = {}
AUTHORIZATION: dict[str, str] = {}


@schemathesis.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half the time, point the path at one of the caller's real objects."""
    key = _id_key(context.operation.path if context.operation else "")
    real = REAL_IDS.get(key) or []
    if not real or not path_parameters:
        return st.just(path_parameters)
    name = next(iter(path_parameters))
    return st.one_of(st.just(path_parameters), st.sampled_from(real).map(lambda value: {name: value}))


def _id_key(path: str) -> str:
    if path.endswith("brief.pdf"):
        return "queued_run"  # a real id, but no PDF rendering: ~0.4 s each would dominate the runtime
    if path.startswith("/api/v1/forecasts/"):
        return "run"
    if path.startswith("/api/v1/catalogs/"):
        return "catalog"
    return "scenario"


@pytest.fixture
def api_schema(db: None, result_example: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(starting, "publish_run", lambda run_id: True)
    organization = OrganizationFactory.create(slug="acme", max_active_runs=100)
    member = make_member(organization, Role.EDITOR)
    scenario = save_scenario(organization, MINIMAL_DOCUMENT)
    runs = [
        ForecastRunFactory.create(scenario=scenario),
        ForecastRunFactory.create(scenario=scenario, succeeded=True, result=result_example),
    ]
    REAL_IDS.update(
        scenario=[str(scenario.pk)],
        run=[str(run.pk) for run in runs],
        queued_run=[str(runs[0].pk)],
        catalog=["anthropic-list-2026-11"],
    )
    AUTHORIZATION["Authorization"] = f"Token {member.secret}"
    # The request signals would close the test's connection inside its transaction (as Django's own test
    # client avoids too); the handler runs in this thread, on this connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        if not _LOADED:
            config = schemathesis.Config.from_dict(CONFIG)
            _LOADED.append(schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler(), config=config))
        yield _LOADED[0]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        REAL_IDS.clear()
        AUTHORIZATION.clear()


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case: Any) -> None:
    case.call_and_validate(headers=dict(AUTHORIZATION), checks=CHECKS)
