"""save_scenario / scenario_to_document: lossless round trip, all-or-nothing writes, tenant checks."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from procurement.models import DiscountBand, Feature, Organization, Scenario, Team
from procurement.scenario_document import ScenarioValidationError, validate_scenario_document
from procurement.services import save_scenario, scenario_to_document
from tests.conftest import DEFAULT_CATALOG_KEYS
from tests.factories import OrganizationFactory
from tests.procurement.bad_scenarios import BAD_SCENARIOS, Mutation, apply
from tests.procurement.strategies import scenario_documents

pytestmark = pytest.mark.django_db


def _row_counts() -> tuple[int, int, int, int]:
    return (
        Scenario.objects.count(),
        Team.objects.count(),
        Feature.objects.count(),
        DiscountBand.objects.count(),
    )


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory.create()


def test_demo_scenario_round_trips_losslessly(
    organization: Organization, demo_document: dict[str, Any]
) -> None:
    saved = save_scenario(organization, demo_document)
    expected = validate_scenario_document(demo_document, catalog_keys=DEFAULT_CATALOG_KEYS)
    assert scenario_to_document(Scenario.objects.get(pk=saved.pk)) == expected


def test_demo_scenario_matches_the_brief(demo_document: dict[str, Any], organization: Organization) -> None:
    """About 8 teams and 400 engineers, about 12 features, 24 months, 12-month periods, 3 bands, seed 7."""
    document = scenario_to_document(save_scenario(organization, demo_document))
    engineers_now = sum(team["headcount_now"] for team in document["teams"])
    assert len(document["teams"]) == 8
    assert 340 <= engineers_now <= 440
    assert len(document["features"]) == 12
    assert (document["term_months"], document["contract"]["api"]["commitment_period_months"]) == (24, 12)
    assert len(document["contract"]["api"]["discount_bands"]) == 3
    assert document["simulation"] == {"trials": 20_000, "seed": 7}
    features = document["features"]
    assert sum(f["launch_month"] > 0 for f in features) >= 1
    assert sum(f["seasonality"] is not None for f in features) >= 1
    assert sum(f["levers"] is not None for f in features) >= 3
    assert sum(f["cache_ttl"] == "1h" for f in features) >= 1
    assert {t["usage_preset"] for t in document["teams"]} >= {"light", "typical", "heavy", None}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=scenario_documents(DEFAULT_CATALOG_KEYS))
def test_any_valid_document_round_trips_losslessly(
    organization: Organization, document: dict[str, Any]
) -> None:
    expected = validate_scenario_document(document, catalog_keys=DEFAULT_CATALOG_KEYS)
    with transaction.atomic():
        saved = save_scenario(organization, document)
        assert scenario_to_document(Scenario.objects.get(pk=saved.pk)) == expected
        transaction.set_rollback(True)  # each example starts from an empty organization


@pytest.mark.parametrize(("case_id", "mutation", "path"), BAD_SCENARIOS, ids=[c[0] for c in BAD_SCENARIOS])
def test_a_refused_document_saves_nothing(
    case_id: str, mutation: Mutation, path: str, organization: Organization, minimal_document: dict[str, Any]
) -> None:
    before = _row_counts()
    with pytest.raises(ScenarioValidationError) as caught:
        save_scenario(organization, apply(minimal_document, mutation))
    assert path in caught.value.errors
    assert _row_counts() == before


def test_a_refused_replacement_leaves_the_scenario_as_it_was(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    scenario = save_scenario(organization, minimal_document)
    before = scenario_to_document(scenario)
    broken = copy.deepcopy(minimal_document)
    broken["teams"].append({"name": "New", "headcount_now": 5, "adoption_now": 2.0, "usage_preset": "heavy"})
    with pytest.raises(ScenarioValidationError) as caught:
        save_scenario(organization, broken, scenario=scenario)
    assert "teams[2].adoption_now" in caught.value.errors
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == before


def test_replacing_keeps_the_id_and_swaps_every_inline(
    organization: Organization, minimal_document: dict[str, Any], demo_document: dict[str, Any]
) -> None:
    scenario = save_scenario(organization, minimal_document)
    replaced = save_scenario(organization, demo_document, scenario=scenario)
    assert replaced.pk == scenario.pk
    assert Scenario.objects.count() == 1
    assert Team.objects.filter(scenario=scenario).count() == len(demo_document["teams"])
    assert Feature.objects.filter(scenario=scenario).count() == len(demo_document["features"])
    assert DiscountBand.objects.filter(scenario=scenario).count() == 3


def test_a_second_scenario_with_the_same_name_is_refused_at_name(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    save_scenario(organization, minimal_document)
    with pytest.raises(ScenarioValidationError) as caught:
        save_scenario(organization, minimal_document)
    assert list(caught.value.errors) == ["name"]
    assert Scenario.objects.count() == 1


def test_the_same_name_is_fine_in_another_organization(minimal_document: dict[str, Any]) -> None:
    save_scenario(OrganizationFactory.create(), minimal_document)
    save_scenario(OrganizationFactory.create(), minimal_document)
    assert Scenario.objects.count() == 2


def test_replacing_another_organizations_scenario_is_refused(minimal_document: dict[str, Any]) -> None:
    scenario = save_scenario(OrganizationFactory.create(), minimal_document)
    with pytest.raises(ValueError, match="another organization"):
        save_scenario(OrganizationFactory.create(), minimal_document, scenario=scenario)


def test_the_document_order_of_teams_and_features_is_kept(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    minimal_document["teams"].reverse()
    minimal_document["features"].reverse()
    document = scenario_to_document(save_scenario(organization, minimal_document))
    assert [team["name"] for team in document["teams"]] == ["Web", "Platform"]
    assert [feature["name"] for feature in document["features"]] == ["Agent", "Support summariser"]


def test_a_document_without_catalog_uses_the_default_catalog(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    del minimal_document["price_catalog"]
    scenario = save_scenario(organization, minimal_document)
    assert scenario.price_catalog.slug == "anthropic-list-2026-11"
