"""Database CHECK constraints keep the invariants even for rows written without the validator."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from procurement.models import DiscountBand, Membership, ModelPrice, PriceCatalog, Scenario
from tests.factories import FeatureFactory, ScenarioFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _refused(create: Any) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("term_months", 0),
        ("term_months", 61),
        ("simulation_trials", 999),
        ("simulation_trials", 1_000_001),
        ("simulation_seed", -1),
        ("api_commitment_period_months", 30),  # longer than the 24-month term
        ("api_rollover_share", 1.5),
        ("api_max_unused_probability", -0.1),
        ("seats_blocked_usage_value", -1.0),
        ("api_overage", "sometimes"),
        ("start_month", datetime.date(2027, 1, 15)),
        ("name", ""),
    ],
)
def test_scenario_row_outside_bounds_is_refused(field: str, value: Any) -> None:
    assert _refused(lambda: ScenarioFactory.create(**{field: value}))


@pytest.mark.parametrize(
    ("fields"),
    [
        {"headcount_now": 1_000_001.0},
        {"headcount_end": -1.0},
        {"adoption_now": 1.5},
        {"usage_persistence": -0.1},
        {"usage_median_usd": 0.0},
        {"usage_median_usd": 600.0, "usage_p90_usd": 150.0},
        {"usage_preset": "typical"},  # a preset and both numbers
        {"usage_median_usd": None, "usage_p90_usd": None},  # neither numbers nor a preset
        {"usage_growth": -1.0},
        {"name": ""},
    ],
)
def test_team_row_breaking_an_invariant_is_refused(fields: dict[str, Any]) -> None:
    scenario = ScenarioFactory.create()
    assert _refused(lambda: TeamFactory.create(scenario=scenario, **fields))


def test_team_names_are_unique_per_scenario_ignoring_case() -> None:
    scenario = ScenarioFactory.create()
    TeamFactory.create(scenario=scenario, name="Platform")
    assert _refused(lambda: TeamFactory.create(scenario=scenario, name="platform"))
    TeamFactory.create(scenario=ScenarioFactory.create(), name="Platform")  # another scenario is fine


@pytest.mark.parametrize(
    ("fields"),
    [
        {"cache_hit_rate": 0.7, "cache_write_rate": 0.31},
        {"batch_share": 1.01},
        {"launch_month": 60},
        {"growth": -1.0},
        {"requests_per_month": -5.0},
        {"cache_ttl": "1d"},
    ],
)
def test_feature_row_breaking_an_invariant_is_refused(fields: dict[str, Any]) -> None:
    scenario = ScenarioFactory.create()
    assert _refused(lambda: FeatureFactory.create(scenario=scenario, **fields))


def test_cache_rates_summing_to_exactly_one_are_accepted() -> None:
    FeatureFactory.create(cache_hit_rate=0.7, cache_write_rate=0.3)


@pytest.mark.parametrize(("threshold", "discount"), [(-1.0, 0.1), (100.0, 1.0), (100.0, -0.1)])
def test_discount_band_outside_bounds_is_refused(threshold: float, discount: float) -> None:
    scenario = ScenarioFactory.create()
    assert _refused(
        lambda: DiscountBand.objects.create(scenario=scenario, min_commitment=threshold, discount=discount)
    )


def test_model_price_must_be_positive_and_sourced(default_catalog: PriceCatalog) -> None:
    base = {
        "catalog": default_catalog,
        "display_name": "X",
        "input_usd_per_mtok": 1.0,
        "output_usd_per_mtok": 2.0,
    }
    assert _refused(
        lambda: ModelPrice.objects.create(key="a", **{**base, "input_usd_per_mtok": 0.0}, source="s")
    )
    assert _refused(lambda: ModelPrice.objects.create(key="b", **base, source=""))
    assert _refused(
        lambda: ModelPrice.objects.create(key="c", **base, source="s", long_context_threshold_tokens=1)
    )


def test_membership_is_unique_per_user_and_organization() -> None:
    scenario = ScenarioFactory.create()
    user = UserFactory.create()
    Membership.objects.create(user=user, organization=scenario.organization, role="viewer")
    assert _refused(
        lambda: Membership.objects.create(user=user, organization=scenario.organization, role="admin")
    )
    assert _refused(
        lambda: Membership.objects.create(
            user=UserFactory.create(), organization=scenario.organization, role="owner"
        )
    )
    assert Scenario.objects.count() == 1
