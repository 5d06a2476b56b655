"""The scenario admin's "Planned token levers": a month per lever, saved as the document's
`planned_levers` (docs/scenario.md#planned-levers), refused outside the term or without a feature target."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from procurement.models import Organization, Scenario
from procurement.scenario_document import validate_scenario_document
from procurement.services import save_scenario, scenario_to_document
from tests.conftest import DEFAULT_CATALOG_KEYS
from tests.factories import member
from tests.procurement.admin_forms import logged_in, post_scenario, scenario_fields

pytestmark = pytest.mark.django_db


def test_a_planned_month_is_saved_as_the_documents_planned_levers(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    assert fields["planned_cache_hit_rate"] == fields["planned_model_mix"] == ""  # nothing planned yet
    fields["planned_cache_hit_rate"] = "2027-04"
    fields["planned_model_mix"] = "2027-10-17"  # any day of the month, as the term's first month
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    scenario.refresh_from_db()
    document = scenario_to_document(scenario)
    assert document["planned_levers"] == [
        {"lever": "cache_hit_rate", "start_month": "2027-04"},
        {"lever": "model_mix", "start_month": "2027-10"},
    ]
    assert validate_scenario_document(document, catalog_keys=DEFAULT_CATALOG_KEYS) == document


def test_the_page_shows_a_saved_plan_and_posting_it_back_keeps_it_until_cleared(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    document = copy.deepcopy(minimal_document)
    document["planned_levers"] = [{"lever": "batch_share", "start_month": "2027-07"}]
    scenario = save_scenario(organization, document)
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    assert fields["planned_batch_share"] == "2027-07"
    assert post_scenario(client, scenario, fields).status_code == 302
    assert scenario_to_document(scenario)["planned_levers"] == document["planned_levers"]
    fields["planned_batch_share"] = ""
    assert post_scenario(client, scenario, fields).status_code == 302
    scenario.refresh_from_db()
    assert scenario.planned_levers == []


@pytest.mark.parametrize("month", ["2029-01", "2026-12"])  # the term is 2027-01 .. 2028-12
def test_a_month_outside_the_term_is_refused_on_its_field(
    scenario: Scenario, organization: Organization, month: str
) -> None:
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    fields["planned_batch_share"] = month
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["planned_batch_share"]
    assert "2027-01 to 2028-12" in errors["planned_batch_share"][0]
    scenario.refresh_from_db()
    assert scenario.planned_levers == []


def test_a_planned_lever_no_feature_targets_is_refused(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    document = copy.deepcopy(minimal_document)
    document["features"][0]["levers"] = {"cache_hit_rate": 0.8}  # no batch target anywhere
    scenario = save_scenario(organization, document)
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    fields["planned_batch_share"] = "2027-03"
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert "plans the batch share lever from 2027-03, but no feature sets a target for it" in page
    scenario.refresh_from_db()
    assert scenario.planned_levers == []
