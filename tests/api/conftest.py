"""API fixtures: two organizations, members with each role, token-authenticated clients, saved scenarios."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from forecasting.models import ForecastRun
from procurement.models import ApiToken, Organization, Role, Scenario, catalog_snapshot
from procurement.services import save_scenario, scenario_to_document
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@dataclass
class Member:
    user: Any
    organization: Organization
    client: APIClient
    secret: str

    def call(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None, **headers: Any
    ) -> Any:
        """One request; `body` is sent as JSON, `raw` as given (default Content-Type application/json)."""
        content_type = headers.pop("content_type", "application/json")
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        request: Any = self.client.generic
        return request(method, path, data=data, content_type=content_type, **headers)


def make_member(organization: Organization, role: str) -> Member:
    user = UserFactory.create()
    MembershipFactory.create(user=user, organization=organization, role=role)
    _, secret = ApiToken.objects.issue(user, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return Member(user=user, organization=organization, client=client, secret=secret)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org_a(db: None) -> Organization:
    return OrganizationFactory.create(slug="acme", name="Acme")


@pytest.fixture
def org_b(db: None) -> Organization:
    return OrganizationFactory.create(slug="globex", name="Globex")


@pytest.fixture
def editor(org_a: Organization) -> Member:
    return make_member(org_a, Role.EDITOR)


@pytest.fixture
def viewer(org_a: Organization) -> Member:
    return make_member(org_a, Role.VIEWER)


@pytest.fixture
def outsider(org_b: Organization) -> Member:
    """An editor of the other organization."""
    return make_member(org_b, Role.EDITOR)


@pytest.fixture
def scenario_a(org_a: Organization, minimal_document: dict[str, Any]) -> Scenario:
    return save_scenario(org_a, minimal_document)


@pytest.fixture
def scenario_b(org_b: Organization, minimal_document: dict[str, Any]) -> Scenario:
    return save_scenario(org_b, {**minimal_document, "name": "Globex plan"})


RESULT_EXAMPLE_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "result_example.json"


@pytest.fixture(scope="session")
def result_example() -> dict[str, Any]:
    """A DESIGN 7 result as the engine writes it (tests/fixtures, made by tests/reports)."""
    loaded: dict[str, Any] = json.loads(RESULT_EXAMPLE_PATH.read_text())
    return loaded


def make_run(
    scenario: Scenario, *, status: str = "queued", result: dict[str, Any] | None = None
) -> ForecastRun:
    """A run row as start_forecast leaves it, optionally finished (no engine, no task)."""
    finished = status in ("succeeded", "failed")
    return ForecastRun.objects.create(
        organization=scenario.organization,
        scenario=scenario,
        scenario_name=scenario.name,
        status=status,
        progress=1.0 if finished else 0.0,
        trials=20_000,
        seed=7,
        block_trials=5_000,
        blocks_total=4,
        blocks_done=4 if finished else 0,
        scenario_snapshot=scenario_to_document(scenario),
        catalog_snapshot=catalog_snapshot(scenario.price_catalog),
        result=result if status == "succeeded" else None,
        error="The forecast failed (ValueError): test" if status == "failed" else "",
    )
