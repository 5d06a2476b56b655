"""The scenario admin's commitment grid (docs/scenario.md): the amount commitments are whole multiples of,
shown with its saved value, saved into the document, empty meaning the default and refused when not > 0."""

from __future__ import annotations

import pytest

from procurement.models import Organization, Scenario
from procurement.scenario_document.bounds import DEFAULT_COMMITMENT_GRANULARITY_USD
from procurement.services import scenario_to_document
from tests.factories import member
from tests.procurement.admin_forms import logged_in, post_scenario, scenario_fields

pytestmark = pytest.mark.django_db


def test_the_grid_is_shown_and_saved_into_the_document(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    assert float(fields["api_commitment_granularity_usd"]) == scenario.api_commitment_granularity_usd
    fields["api_commitment_granularity_usd"] = "25000"
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    scenario.refresh_from_db()
    assert scenario_to_document(scenario)["contract"]["api"]["commitment_granularity_usd"] == 25_000.0


def test_an_empty_grid_means_the_default(scenario: Scenario, organization: Organization) -> None:
    scenario.api_commitment_granularity_usd = 5_000.0
    scenario.save()
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    fields["api_commitment_granularity_usd"] = ""
    assert post_scenario(client, scenario, fields).status_code == 302
    scenario.refresh_from_db()
    assert scenario.api_commitment_granularity_usd == DEFAULT_COMMITMENT_GRANULARITY_USD


@pytest.mark.parametrize("value", ["0", "-1000"])
def test_a_grid_not_above_zero_is_refused_on_its_field(
    scenario: Scenario, organization: Organization, value: str
) -> None:
    before = scenario.api_commitment_granularity_usd
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    fields["api_commitment_granularity_usd"] = value
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["api_commitment_granularity_usd"]
    scenario.refresh_from_db()
    assert scenario.api_commitment_granularity_usd == before
