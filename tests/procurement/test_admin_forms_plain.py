"""The scenario admin's inputs without JSON or statistics jargon: plan checkboxes, percent inputs, the
model-mix, seasonality and lever tables, one error per field. (The add form, the change page and the
list: test_admin_pages_plain.py.)"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import pytest

from procurement.models import Organization, Scenario
from procurement.services import save_scenario, scenario_to_document
from tests.factories import member
from tests.procurement.admin_forms import (
    form_fields,
    logged_in,
    numbers,
    post_scenario,
    procurement_url,
    scenario_fields,
)

pytestmark = pytest.mark.django_db


# --- plans as checkboxes ----------------------------------------------------------------------------


def test_allowed_plans_are_checkboxes_of_the_catalogs_plans_and_save_as_a_list(
    scenario: Scenario, organization: Organization, default_catalog: Any
) -> None:
    client = logged_in(member(organization))
    page = client.get(procurement_url("scenario_change", scenario.pk)).content.decode()
    plans = default_catalog.catalog_keys().plans
    boxes = re.findall(r'<input type="checkbox" name="teams-0-allowed_plans" value="([a-z0-9_]+)"', page)
    assert tuple(boxes) == plans
    assert "[&quot;api&quot;" not in page  # no JSON list in a text box
    fields = scenario_fields(client, scenario)
    fields["teams-0-allowed_plans"] = ["max_20x", "api"]
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert scenario.teams.get(position=0).allowed_plans == ["api", "max_20x"]


def test_a_team_page_offers_the_scenarios_plans(scenario: Scenario, organization: Organization) -> None:
    team = scenario.teams.get(position=0)
    page = logged_in(member(organization)).get(procurement_url("team_change", team.pk)).content.decode()
    assert 'name="allowed_plans" value="enterprise"' in page
    assert re.search(r'name="allowed_plans" value="max_5x"[^>]*checked', page)
    assert not re.search(r'name="allowed_plans" value="enterprise"[^>]*checked', page)


# --- percentages --------------------------------------------------------------------------------------


def test_percent_inputs_show_percent_and_store_the_fraction(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    page = client.get(procurement_url("scenario_change", scenario.pk)).content.decode()
    # minimal document: band discount 0.10, team adoption 0.60 → 0.85, feature cache hits 0.5
    assert re.search(r'name="discount_bands-1-discount"[^>]*value="10"', page)
    assert re.search(r'name="teams-0-adoption_end"[^>]*value="85"', page)
    assert re.search(r'name="features-0-cache_hit_rate"[^>]*value="50"', page)
    fields = scenario_fields(client, scenario)
    fields.update(
        {
            "discount_bands-1-discount": "12.5",
            "teams-0-adoption_now": "62.5",
            "teams-0-usage_growth": "-1.5",
            "features-0-batch_share": "7",
            "api_rollover_share": "25",
            "api_max_unused_probability": "20",
        }
    )
    assert post_scenario(client, scenario, fields).status_code == 302
    scenario.refresh_from_db()
    team, feature = scenario.teams.get(position=0), scenario.features.get(position=0)
    assert sorted(band.discount for band in scenario.discount_bands.all())[1] == 0.125
    assert (team.adoption_now, team.usage_growth, feature.batch_share) == (0.625, -0.015, 0.07)
    assert (scenario.api_rollover_share, scenario.api_max_unused_probability) == (0.25, 0.2)


def test_a_new_team_row_starts_at_the_models_defaults_and_blank_takes_them(
    scenario: Scenario, organization: Organization
) -> None:
    """Found by the browser journey: a new row's percent fields were empty and then "required"."""
    client = logged_in(member(organization))
    page = client.get(procurement_url("scenario_change", scenario.pk)).content.decode()
    template = page.split('id="teams-empty"')[1]  # the row "Add another Team" copies
    assert re.search(r'name="teams-__prefix__-usage_persistence"[^>]*value="60"', template)
    assert re.search(r'name="teams-__prefix__-headcount_sd"[^>]*value="0"', template)
    fields = scenario_fields(client, scenario)
    new = {
        "name": "Data",
        "position": "5",
        "headcount_now": "12",
        "headcount_end": "16",
        "adoption_now": "60",
        "adoption_end": "85",
        "usage_median_usd": "150",
        "usage_p90_usd": "600",
        "allowed_plans": ["api", "pro"],
        "usage_persistence": "",  # cleared by the user: the default, not an error
        "headcount_sd": "",
    }
    fields.update({f"teams-2-{key}": value for key, value in new.items()})
    fields["teams-TOTAL_FORMS"] = "3"
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 302, form_fields(response.content.decode())
    team = scenario.teams.get(name="Data")
    assert (team.usage_persistence, team.headcount_sd, team.usage_growth, team.usage_volatility) == (
        0.6,
        0.0,
        0.0,
        0.0,
    )
    assert (team.adoption_now, team.allowed_plans) == (0.6, ["api", "pro"])


def test_saving_an_unchanged_form_keeps_awkward_fractions_within_1e_12(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    document = copy.deepcopy(minimal_document)
    document["contract"]["api"]["discount_bands"][1]["discount"] = 0.1 + 0.2  # 0.30000000000000004
    document["contract"]["api"]["rollover_share"] = 1 / 3
    document["contract"]["api"]["max_unused_probability"] = 0.07
    team = document["teams"][0]
    team.update(
        adoption_now=2 / 3, headcount_sd=0.123456789012345, usage_growth=-0.0123, usage_volatility=0.29
    )
    feature = document["features"][0]
    feature.update(cache_hit_rate=0.29, cache_write_rate=0.07, batch_share=0.57, growth=0.015, tokens_sd=1e-7)
    feature["model_mix"] = {"claude-sonnet-4-5": 0.57, "claude-haiku-4-5": 0.43}
    feature["levers"] = {"model_mix": None, "cache_hit_rate": 0.71, "batch_share": None}
    scenario = save_scenario(organization, document)
    before = scenario_to_document(scenario)
    client = logged_in(member(organization))
    assert post_scenario(client, scenario, scenario_fields(client, scenario)).status_code == 302
    after = scenario_to_document(Scenario.objects.get(pk=scenario.pk))
    old, new = numbers(before), numbers(after)
    assert old.keys() == new.keys()
    for path, value in old.items():
        assert math.isclose(new[path], value, rel_tol=1e-12, abs_tol=0.0), path
    assert after["features"][0]["levers"] == before["features"][0]["levers"]
    assert after["features"][1]["seasonality"] == before["features"][1]["seasonality"]


def test_a_percentage_out_of_range_is_refused_in_percent(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    fields["teams-0-adoption_end"] = "120"
    page = post_scenario(client, scenario, fields).content.decode()
    assert "Enter a percentage of at least 0% and at most 100%." in page
    assert scenario.teams.get(position=0).adoption_end == 0.85


# --- model mix, seasonality and levers as tables -------------------------------------------------------


def _without_mix(fields: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if not name.startswith(prefix)}


def test_model_mix_is_a_percent_per_catalog_model(
    scenario: Scenario, organization: Organization, default_catalog: Any
) -> None:
    client = logged_in(member(organization))
    page = client.get(procurement_url("scenario_change", scenario.pk)).content.decode()
    for model in default_catalog.catalog_keys().models:
        assert f'name="features-0-model_mix__{model}"' in page
    assert re.search(r'name="features-0-model_mix__claude-sonnet-4-5"[^>]*value="80"', page)
    fields = _without_mix(scenario_fields(client, scenario), "features-0-model_mix__")
    fields["features-0-model_mix__claude-opus-4-6"] = "70"
    fields["features-0-model_mix__claude-haiku-4-5"] = "30"
    assert post_scenario(client, scenario, fields).status_code == 302
    assert scenario.features.get(position=0).model_mix == {"claude-opus-4-6": 0.7, "claude-haiku-4-5": 0.3}


def test_model_mix_within_a_hundredth_of_a_point_is_rescaled_to_sum_to_one(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    fields = _without_mix(scenario_fields(client, scenario), "features-0-model_mix__")
    for model in ("claude-opus-4-6", "claude-haiku-4-5", "claude-sonnet-4-6"):
        fields[f"features-0-model_mix__{model}"] = "33.33"  # 99.99%
    assert post_scenario(client, scenario, fields).status_code == 302
    mix = scenario.features.get(position=0).model_mix
    assert abs(sum(mix.values()) - 1) < 1e-9
    assert mix["claude-opus-4-6"] == pytest.approx(1 / 3, rel=1e-12)


def test_model_mix_that_does_not_add_up_to_100_is_one_clear_error(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    fields = _without_mix(scenario_fields(client, scenario), "features-0-model_mix__")
    fields["features-0-model_mix__claude-opus-4-6"] = "60"
    fields["features-0-model_mix__claude-haiku-4-5"] = "30.5"
    page = post_scenario(client, scenario, fields).content.decode()
    message = "The percentages add up to 90.5%; they must add up to 100%."
    assert page.count(message) == 1
    assert "shares must sum to 1" not in page
    assert scenario.features.get(position=0).model_mix == {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": 0.2}


def test_seasonality_is_twelve_inputs_and_levers_plain_fields(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    assert fields["features-1-seasonality__12"] == "1.4"  # the minimal document's December
    for month in range(1, 13):
        fields[f"features-0-seasonality__{month}"] = "1.5" if month == 12 else "1"
    fields = _without_mix(fields, "features-0-levers__")
    fields["features-0-levers__batch_share"] = "45"
    fields["features-0-levers__model_mix__claude-haiku-4-5"] = "100"
    assert post_scenario(client, scenario, fields).status_code == 302
    feature = scenario.features.get(position=0)
    assert feature.seasonality == [1.0] * 11 + [1.5]
    assert feature.levers == {
        "model_mix": {"claude-haiku-4-5": 1.0},
        "cache_hit_rate": None,
        "batch_share": 0.45,
    }


def test_seasonality_with_missing_months_is_refused(scenario: Scenario, organization: Organization) -> None:
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    fields["features-0-seasonality__3"] = "1.2"
    page = post_scenario(client, scenario, fields).content.decode()
    assert page.count("Give all 12 months, or leave them all empty.") == 1
    assert scenario.features.get(position=0).seasonality is None


# --- one error per field ------------------------------------------------------------------------------


def _error_lists(page: str) -> list[str]:
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, flags=re.S)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("teams-0-usage_p90_usd", "100", "Must be at least the median (150 USD)."),
        ("teams-0-headcount_now", "-5", "Ensure this value is greater than or equal to 0."),
        ("discount_bands-1-discount", "150", "Enter a percentage of at least 0% and below 100%."),
        ("features-0-cache_hit_rate", "96", "together they can be at most 100%."),  # + 5% written
        ("api_commitment_period_months", "36", "Cannot be longer than the term."),
    ],
)
def test_a_bad_value_shows_one_error_once(
    scenario: Scenario, organization: Organization, field: str, value: str, message: str
) -> None:
    client = logged_in(member(organization))
    before = scenario_to_document(scenario)
    fields = scenario_fields(client, scenario)
    fields[field] = value
    page = post_scenario(client, scenario, fields).content.decode()
    lists = _error_lists(page)
    assert len(lists) == 1, lists  # one error list on the page, with one message
    assert lists[0].count("<li>") == 1, lists
    assert page.count(message) == 1
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == before


def test_a_preset_with_usage_amounts_says_so_on_each_amount_once(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    fields["teams-0-usage_preset"] = "typical"  # the team also has median and p90
    page = post_scenario(client, scenario, fields).content.decode()
    assert page.count("Leave this empty to use the preset, or clear the preset.") == 2  # median, p90
    assert "must be null when usage_preset is set" not in page
    assert "Give the median and p90 usage, or a usage preset, not both." not in page
