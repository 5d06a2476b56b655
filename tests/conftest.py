"""Shared fixtures. Engine tests need no database; Django tests use pytest-django's `db` fixture.

`organization` (Acme) and `other_organization` (Globex), their users `editor`, `viewer` and `outsider` (an
editor of Globex only) and Acme's `scenario` serve every directory; a directory or module may override one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import current_app

from procurement.models import Organization, Role, Scenario
from procurement.scenario_document import DEFAULT_CATALOG_SLUG, CatalogKeys
from procurement.services import save_scenario
from tests.factories import OrganizationFactory, member

DEMO_SCENARIO_PATH = Path(__file__).resolve().parent.parent / "procurement" / "demo" / "demo_scenario.json"

# The keys of the shipped catalog, for tests of the pure validator (no database). A test in
# tests/procurement/test_catalog.py checks this equals the migrated catalog's catalog_keys().
DEFAULT_CATALOG_KEYS = CatalogKeys(
    slug=DEFAULT_CATALOG_SLUG,
    models=frozenset(
        {
            "claude-opus-4-5",
            "claude-opus-4-6",
            "claude-opus-4-7",
            "claude-opus-4-8",
            "claude-opus-4-1",
            "claude-opus-4-0",
            "claude-sonnet-4-5",
            "claude-sonnet-4-0",
            "claude-sonnet-4-6",
            "claude-haiku-4-5",
            "claude-3-5-haiku",
        }
    ),
    plans=("api", "pro", "max_5x", "max_20x", "team_premium", "enterprise"),
    presets=frozenset({"light", "typical", "heavy"}),
)

MINIMAL_DOCUMENT: dict[str, Any] = {
    "name": "Acme FY2027",
    "start_month": "2027-01",
    "term_months": 24,
    "price_catalog": DEFAULT_CATALOG_SLUG,
    "simulation": {"trials": 20_000, "seed": 7},
    "contract": {
        "api": {
            "commitment_period_months": 12,
            "discount_bands": [
                {"min_commitment": 0, "discount": 0.0},
                {"min_commitment": 250_000, "discount": 0.10},
                {"min_commitment": 1_000_000, "discount": 0.15},
            ],
            "overage": "list",
        },
        "seats": {"annual_term": True, "blocked_usage_value": 1.0},
    },
    "teams": [
        {
            "name": "Platform",
            "headcount_now": 40,
            "headcount_end": 55,
            "headcount_sd": 0.10,
            "adoption_now": 0.60,
            "adoption_end": 0.85,
            "usage_median_usd": 150,
            "usage_p90_usd": 600,
            "allowed_plans": ["api", "pro", "max_5x", "max_20x", "team_premium"],
        },
        {"name": "Web", "headcount_now": 20, "adoption_now": 0.5, "usage_preset": "light"},
    ],
    "features": [
        {
            "name": "Support summariser",
            "requests_per_month": 400_000,
            "growth": 0.06,
            "growth_sd": 0.03,
            "input_tokens": 3000,
            "output_tokens": 400,
            "model_mix": {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": 0.2},
            "cache_hit_rate": 0.5,
            "cache_write_rate": 0.05,
            "batch_share": 0.3,
            "levers": {"model_mix": {"claude-haiku-4-5": 1.0}, "cache_hit_rate": 0.8, "batch_share": 0.6},
        },
        {
            "name": "Agent",
            "requests_per_month": 30_000,
            "launch_month": 6,
            "input_tokens": 40_000,
            "output_tokens": 4_000,
            "model_mix": {"claude-opus-4-6": 1.0},
            "cache_ttl": "1h",
            "seasonality": [1, 1, 1, 1, 1, 1, 0.8, 0.8, 1, 1, 1.2, 1.4],
        },
    ],
}


def pytest_configure(config: pytest.Config) -> None:
    """On the embedded default (no broker configured) the suite runs Celery tasks in this process.

    The embedded default's filesystem broker is for `make serve`, whose worker runs beside the web server;
    tests of that path start their own worker (tests/live/). With a real broker (CI's PostgreSQL pass) tests
    ask for in-process tasks with `in_process_celery`, or start workers (tests/real_services/).
    """
    from django.conf import settings

    if settings.CELERY_EMBEDDED:
        current_app.conf.task_always_eager = True
        current_app.conf.task_eager_propagates = True


@pytest.fixture
def catalog_keys() -> CatalogKeys:
    return DEFAULT_CATALOG_KEYS


@pytest.fixture
def minimal_document() -> dict[str, Any]:
    """A valid scenario document exercising presets, levers, seasonality, 1h cache and a late launch."""
    return copy.deepcopy(MINIMAL_DOCUMENT)


@pytest.fixture
def demo_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO_SCENARIO_PATH.read_text())
    return document


@pytest.fixture
def default_catalog(db: None) -> Any:
    from procurement.models import PriceCatalog

    return PriceCatalog.objects.get(slug=DEFAULT_CATALOG_SLUG)


@pytest.fixture
def organization(db: None) -> Organization:
    return OrganizationFactory.create(name="Acme", slug="acme")


@pytest.fixture
def other_organization(db: None) -> Organization:
    return OrganizationFactory.create(name="Globex", slug="globex")


@pytest.fixture
def editor(organization: Organization) -> Any:
    return member(organization, Role.EDITOR)


@pytest.fixture
def viewer(organization: Organization) -> Any:
    return member(organization, Role.VIEWER)


@pytest.fixture
def outsider(other_organization: Organization) -> Any:
    """An editor of another organization only."""
    return member(other_organization, Role.EDITOR)


@pytest.fixture
def scenario(organization: Organization, minimal_document: dict[str, Any]) -> Scenario:
    """The minimal document saved: teams Platform (numbers) and Web (preset light); features Support
    summariser and Agent."""
    return save_scenario(organization, minimal_document)


@pytest.fixture
def in_process_celery() -> Iterator[None]:
    """Tasks run in this process even when the environment names a broker (the PostgreSQL CI pass)."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved
