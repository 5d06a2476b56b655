"""factory_boy factories for the procurement domain. Scenarios use the shipped default catalog.

Call `XFactory.create(...)` in typed code: it returns the model instance type.
"""

# factory_boy's declarations (Sequence, SubFactory, ...) are untyped and re-exported implicitly.
# mypy: disable-error-code="attr-defined,no-untyped-call,untyped-decorator"

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

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
from procurement.scenario_document import DEFAULT_CATALOG_SLUG


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
