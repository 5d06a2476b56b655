"""API fixtures: two organizations, members with each role, token-authenticated clients, saved scenarios.

`org_a` and `org_b` are the shared `organization` (Acme) and `other_organization` (Globex); `editor`,
`viewer` and `outsider` are the shared users (tests/conftest.py), each with an API token and a client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from procurement.models import ApiToken, Organization, Scenario
from procurement.services import save_scenario
from tests.factories import example_result, member


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


def api_member(user: Any, organization: Organization) -> Member:
    """`user` of `organization` with a new API token and a client that sends it."""
    _, secret = ApiToken.objects.issue(user, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return Member(user=user, organization=organization, client=client, secret=secret)


def make_member(organization: Organization, role: str) -> Member:
    return api_member(member(organization, role), organization)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org_a(organization: Organization) -> Organization:
    return organization


@pytest.fixture
def org_b(other_organization: Organization) -> Organization:
    return other_organization


@pytest.fixture
def editor(editor: Any, org_a: Organization) -> Member:
    return api_member(editor, org_a)


@pytest.fixture
def viewer(viewer: Any, org_a: Organization) -> Member:
    return api_member(viewer, org_a)


@pytest.fixture
def outsider(outsider: Any, org_b: Organization) -> Member:
    """An editor of the other organization."""
    return api_member(outsider, org_b)


@pytest.fixture
def scenario_a(scenario: Scenario) -> Scenario:
    return scenario


@pytest.fixture
def scenario_b(org_b: Organization, minimal_document: dict[str, Any]) -> Scenario:
    return save_scenario(org_b, {**minimal_document, "name": "Globex plan"})


@pytest.fixture(scope="session")
def result_example() -> dict[str, Any]:
    """A docs/result.md result as the engine writes it (tests/fixtures, made by tests/reports)."""
    return example_result()
