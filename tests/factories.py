"""factory_boy factories of the test suite: users, organizations and their members, scenarios with teams
and features (on the shipped default catalog), API tokens; forecast runs; usage imports.

Call `XFactory.create(...)` in typed code: it returns the model instance type.
"""

# factory_boy's declarations (Sequence, SubFactory, ...) are untyped and re-exported implicitly.
# mypy: disable-error-code="attr-defined,no-untyped-call,untyped-decorator"

from __future__ import annotations

import copy
import datetime
import functools
import json
import math
import uuid
from pathlib import Path
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from forecasting.models import ForecastRun
from procurement.models import (
    ApiToken,
    DiscountBand,
    Feature,
    Membership,
    Organization,
    PriceCatalog,
    Role,
    Scenario,
    Team,
)
from procurement.models import catalog_snapshot as priced_with
from procurement.models.usage import UsageImport
from procurement.scenario_document import DEFAULT_CATALOG_SLUG
from procurement.services import scenario_to_document
from procurement.usage.importing import Upload, import_usage


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    # No password hashing (slow by design); tests log in with Client.force_login.
    password = "!unusable"


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.EDITOR


def member(organization: Organization, role: str = Role.EDITOR, **user_fields: Any) -> User:
    """A (staff) user who belongs to `organization` with `role`."""
    user = UserFactory.create(**user_fields)
    MembershipFactory.create(user=user, organization=organization, role=role)
    return user


class ScenarioFactory(factory.django.DjangoModelFactory[Scenario]):
    class Meta:
        model = Scenario
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Scenario {n}")
    start_month = datetime.date(2027, 1, 1)
    term_months = 24
    price_catalog = factory.LazyFunction(lambda: PriceCatalog.objects.get(slug=DEFAULT_CATALOG_SLUG))
    simulation_seed = 7

    @factory.post_generation
    def base_band(scenario: Scenario, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            DiscountBand.objects.create(scenario=scenario, min_commitment=0.0, discount=0.0)


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    scenario = factory.SubFactory(ScenarioFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    headcount_now = 40.0
    headcount_end = 55.0
    adoption_now = 0.6
    adoption_end = 0.85
    usage_median_usd = 150.0
    usage_p90_usd = 600.0
    allowed_plans = factory.LazyFunction(lambda: ["api", "pro", "max_5x", "max_20x", "team_premium"])


class FeatureFactory(factory.django.DjangoModelFactory[Feature]):
    class Meta:
        model = Feature

    scenario = factory.SubFactory(ScenarioFactory)
    name = factory.Sequence(lambda n: f"Feature {n}")
    requests_per_month = 400_000.0
    input_tokens = 3_000.0
    output_tokens = 400.0
    model_mix = factory.LazyFunction(lambda: {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": 0.2})


class ApiTokenFactory(factory.django.DjangoModelFactory[ApiToken]):
    """Builds a token row with a throwaway hash; use ApiToken.objects.issue() when the secret matters."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    key_prefix = "ccs_test"
    key_hash = factory.Sequence(lambda n: f"{n:064x}")


# --- forecast runs: rows as the start service leaves them (no engine, no task) ---------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FAILED_ERROR = "The forecast failed (ValueError): test"
Status = ForecastRun.Status


@functools.cache
def _fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def example_result() -> dict[str, Any]:
    """The engine's result for tests/fixtures/scenario_example.json (fixed seed), as a run stores it; a
    fresh copy (computed once per session: tests/reports/fixture_result.py)."""
    from tests.reports.fixture_result import engine_example_result  # deferred: loads the engine on first use

    return engine_example_result()


def example_catalog() -> dict[str, Any]:
    """A run's catalog snapshot (tests/fixtures/catalog_example.json), a fresh copy."""
    return copy.deepcopy(_fixture("catalog_example.json"))


def _finished(run: Any) -> bool:
    return run.status in ForecastRun.FINISHED_STATUSES


def _progress(run: Any) -> float:
    return float(run.blocks_done / run.blocks_total) if run.blocks_total else 0.0


class ForecastRunFactory(factory.django.DjangoModelFactory[ForecastRun]):
    """A run row as the start service leaves it; what goes with its `status` (progress, blocks done,
    result, error) follows from it.

    With `scenario=` the run is of that scenario (its organization, name and snapshots); without, of a
    scenario since deleted ("Direct", empty snapshots). Traits: `queued`, `running` (claimed by another
    host, first attempt, heartbeat now), `succeeded` (the example result unless `result=` is given),
    `failed` (a short error unless `error=` is given).
    """

    class Meta:
        model = ForecastRun

    class Params:
        queued = factory.Trait(status=Status.QUEUED)
        running = factory.Trait(
            status=Status.RUNNING,
            attempts=1,
            claim_token=factory.LazyFunction(uuid.uuid4),
            claimed_by="other-host:1",
            heartbeat_at=factory.LazyFunction(timezone.now),
        )
        succeeded = factory.Trait(status=Status.SUCCEEDED)
        failed = factory.Trait(status=Status.FAILED)

    scenario = None
    organization = factory.Maybe(
        "scenario", factory.SelfAttribute("scenario.organization"), factory.SubFactory(OrganizationFactory)
    )
    scenario_name = factory.Maybe("scenario", factory.SelfAttribute("scenario.name"), "Direct")
    status = Status.QUEUED
    trials = 20_000
    seed = 7
    block_trials = 5_000
    blocks_total = factory.LazyAttribute(lambda run: math.ceil(run.trials / run.block_trials))
    blocks_done = factory.LazyAttribute(lambda run: run.blocks_total if _finished(run) else 0)
    progress = factory.LazyAttribute(_progress)
    scenario_snapshot = factory.Maybe(
        "scenario",
        factory.LazyAttribute(lambda run: scenario_to_document(run.scenario)),
        factory.LazyFunction(dict),
    )
    catalog_snapshot = factory.Maybe(
        "scenario",
        factory.LazyAttribute(lambda run: priced_with(run.scenario.price_catalog)),
        factory.LazyFunction(dict),
    )
    result = factory.LazyAttribute(lambda run: example_result() if run.status == Status.SUCCEEDED else None)
    error = factory.LazyAttribute(lambda run: FAILED_ERROR if run.status == Status.FAILED else "")


# --- usage imports, made by the import service from the sample files (docs/usage-import.md) -------------

USAGE_DIR = FIXTURES / "usage"
CCUSAGE_PATHS = sorted((USAGE_DIR / "ccusage").glob("*.json"))


def upload(relative: str) -> Upload:
    """A sample file (a path below tests/fixtures/usage/) as the import service receives it."""
    path = USAGE_DIR / relative
    return Upload(name=path.name, content=path.read_bytes())


def ccusage_uploads() -> list[Upload]:
    """The eight engineers' ccusage files of one team."""
    return [Upload(name=path.name, content=path.read_bytes()) for path in CCUSAGE_PATHS]


class UsageImportFactory(factory.base.Factory[UsageImport]):
    """`create(organization=..., uploads=[...], team=..., feature_map=..., user=...)`: the stored import.

    By default six engineers' ccusage files imported as the team "Platform" of a new organization.
    """

    class Meta:
        model = UsageImport

    organization = factory.SubFactory(OrganizationFactory)
    uploads = factory.LazyFunction(lambda: ccusage_uploads()[:6])
    team = "Platform"

    @classmethod
    def _create(cls, model_class: type[UsageImport], *args: Any, **kwargs: Any) -> UsageImport:
        organization, uploads = kwargs.pop("organization"), kwargs.pop("uploads")
        return import_usage(organization, uploads, **kwargs).usage_import

    @classmethod
    def _build(cls, model_class: type[UsageImport], *args: Any, **kwargs: Any) -> UsageImport:
        raise NotImplementedError("a usage import exists only as the import service stores it: use create()")
