"""The scenario admin without JSON or statistics jargon: percent inputs, plan checkboxes, model-mix table,
one error per field, preselection, "Run forecast" on the change page, the last result on the list."""

from __future__ import annotations

import copy
import datetime
import math
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forecasting.models import ForecastRun
from procurement.admin.last_result import usd_short
from procurement.models import Organization, Role, Scenario
from procurement.services import save_scenario, scenario_to_document
from tests.factories import MembershipFactory, OrganizationFactory
from tests.procurement.admin_forms import form_fields, logged_in
from tests.reports.run_rows import example_result, succeeded_run, unfinished_run

pytestmark = pytest.mark.django_db


def _url(name: str, *args: Any) -> str:
    return reverse(f"admin:procurement_{name}", args=args)


def _member(organization: Organization, role: str = Role.EDITOR) -> Any:
    return MembershipFactory.create(organization=organization, role=role).user


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory.create(name="Acme")


@pytest.fixture
def scenario(organization: Organization, minimal_document: dict[str, Any]) -> Scenario:
    return save_scenario(organization, minimal_document)


def _page_fields(client: Client, scenario: Scenario) -> dict[str, Any]:
    return form_fields(client.get(_url("scenario_change", scenario.pk)).content.decode())


def _post(client: Client, scenario: Scenario, fields: dict[str, Any]) -> Any:
    return client.post(_url("scenario_change", scenario.pk), {**fields, "_save": "Save"})


def _numbers(value: Any, path: str = "") -> dict[str, float]:
    """Every number in a document by its path."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _numbers(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _numbers(item, f"{path}[{i}]").items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {path: float(value)}
    return {}


# --- plans as checkboxes ----------------------------------------------------------------------------


def test_allowed_plans_are_checkboxes_of_the_catalogs_plans_and_save_as_a_list(
    scenario: Scenario, organization: Organization, default_catalog: Any
) -> None:
    client = logged_in(_member(organization))
    page = client.get(_url("scenario_change", scenario.pk)).content.decode()
    plans = default_catalog.catalog_keys().plans
    boxes = re.findall(r'<input type="checkbox" name="teams-0-allowed_plans" value="([a-z0-9_]+)"', page)
    assert tuple(boxes) == plans
    assert "[&quot;api&quot;" not in page  # no JSON list in a text box
    fields = _page_fields(client, scenario)
    fields["teams-0-allowed_plans"] = ["max_20x", "api"]
    response = _post(client, scenario, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert scenario.teams.get(position=0).allowed_plans == ["api", "max_20x"]


def test_a_team_page_offers_the_scenarios_plans(scenario: Scenario, organization: Organization) -> None:
    team = scenario.teams.get(position=0)
    page = logged_in(_member(organization)).get(_url("team_change", team.pk)).content.decode()
    assert 'name="allowed_plans" value="enterprise"' in page
    assert re.search(r'name="allowed_plans" value="max_5x"[^>]*checked', page)
    assert not re.search(r'name="allowed_plans" value="enterprise"[^>]*checked', page)


# --- percentages --------------------------------------------------------------------------------------


def test_percent_inputs_show_percent_and_store_the_fraction(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(_member(organization))
    page = client.get(_url("scenario_change", scenario.pk)).content.decode()
    # minimal document: band discount 0.10, team adoption 0.60 → 0.85, feature cache hits 0.5
    assert re.search(r'name="discount_bands-1-discount"[^>]*value="10"', page)
    assert re.search(r'name="teams-0-adoption_end"[^>]*value="85"', page)
    assert re.search(r'name="features-0-cache_hit_rate"[^>]*value="50"', page)
    fields = _page_fields(client, scenario)
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
    assert _post(client, scenario, fields).status_code == 302
    scenario.refresh_from_db()
    team, feature = scenario.teams.get(position=0), scenario.features.get(position=0)
    assert sorted(band.discount for band in scenario.discount_bands.all())[1] == 0.125
    assert (team.adoption_now, team.usage_growth, feature.batch_share) == (0.625, -0.015, 0.07)
    assert (scenario.api_rollover_share, scenario.api_max_unused_probability) == (0.25, 0.2)


def test_a_new_team_row_starts_at_the_models_defaults_and_blank_takes_them(
    scenario: Scenario, organization: Organization
) -> None:
    """Found by the browser journey: a new row's percent fields were empty and then "required"."""
    client = logged_in(_member(organization))
    page = client.get(_url("scenario_change", scenario.pk)).content.decode()
    template = page.split('id="teams-empty"')[1]  # the row "Add another Team" copies
    assert re.search(r'name="teams-__prefix__-usage_persistence"[^>]*value="60"', template)
    assert re.search(r'name="teams-__prefix__-headcount_sd"[^>]*value="0"', template)
    fields = _page_fields(client, scenario)
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
    response = _post(client, scenario, fields)
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
    client = logged_in(_member(organization))
    assert _post(client, scenario, _page_fields(client, scenario)).status_code == 302
    after = scenario_to_document(Scenario.objects.get(pk=scenario.pk))
    old, new = _numbers(before), _numbers(after)
    assert old.keys() == new.keys()
    for path, value in old.items():
        assert math.isclose(new[path], value, rel_tol=1e-12, abs_tol=0.0), path
    assert after["features"][0]["levers"] == before["features"][0]["levers"]
    assert after["features"][1]["seasonality"] == before["features"][1]["seasonality"]


def test_a_percentage_out_of_range_is_refused_in_percent(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(_member(organization))
    fields = _page_fields(client, scenario)
    fields["teams-0-adoption_end"] = "120"
    page = _post(client, scenario, fields).content.decode()
    assert "Enter a percentage of at least 0% and at most 100%." in page
    assert scenario.teams.get(position=0).adoption_end == 0.85


# --- model mix, seasonality and levers as tables -------------------------------------------------------


def _without_mix(fields: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if not name.startswith(prefix)}


def test_model_mix_is_a_percent_per_catalog_model(
    scenario: Scenario, organization: Organization, default_catalog: Any
) -> None:
    client = logged_in(_member(organization))
    page = client.get(_url("scenario_change", scenario.pk)).content.decode()
    for model in default_catalog.catalog_keys().models:
        assert f'name="features-0-model_mix__{model}"' in page
    assert re.search(r'name="features-0-model_mix__claude-sonnet-4-5"[^>]*value="80"', page)
    fields = _without_mix(_page_fields(client, scenario), "features-0-model_mix__")
    fields["features-0-model_mix__claude-opus-4-6"] = "70"
    fields["features-0-model_mix__claude-haiku-4-5"] = "30"
    assert _post(client, scenario, fields).status_code == 302
    assert scenario.features.get(position=0).model_mix == {"claude-opus-4-6": 0.7, "claude-haiku-4-5": 0.3}


def test_model_mix_within_a_hundredth_of_a_point_is_rescaled_to_sum_to_one(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(_member(organization))
    fields = _without_mix(_page_fields(client, scenario), "features-0-model_mix__")
    for model in ("claude-opus-4-6", "claude-haiku-4-5", "claude-sonnet-4-6"):
        fields[f"features-0-model_mix__{model}"] = "33.33"  # 99.99%
    assert _post(client, scenario, fields).status_code == 302
    mix = scenario.features.get(position=0).model_mix
    assert abs(sum(mix.values()) - 1) < 1e-9
    assert mix["claude-opus-4-6"] == pytest.approx(1 / 3, rel=1e-12)


def test_model_mix_that_does_not_add_up_to_100_is_one_clear_error(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(_member(organization))
    fields = _without_mix(_page_fields(client, scenario), "features-0-model_mix__")
    fields["features-0-model_mix__claude-opus-4-6"] = "60"
    fields["features-0-model_mix__claude-haiku-4-5"] = "30.5"
    page = _post(client, scenario, fields).content.decode()
    message = "The percentages add up to 90.5%; they must add up to 100%."
    assert page.count(message) == 1
    assert "shares must sum to 1" not in page
    assert scenario.features.get(position=0).model_mix == {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": 0.2}


def test_seasonality_is_twelve_inputs_and_levers_plain_fields(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(_member(organization))
    fields = _page_fields(client, scenario)
    assert fields["features-1-seasonality__12"] == "1.4"  # the minimal document's December
    for month in range(1, 13):
        fields[f"features-0-seasonality__{month}"] = "1.5" if month == 12 else "1"
    fields = _without_mix(fields, "features-0-levers__")
    fields["features-0-levers__batch_share"] = "45"
    fields["features-0-levers__model_mix__claude-haiku-4-5"] = "100"
    assert _post(client, scenario, fields).status_code == 302
    feature = scenario.features.get(position=0)
    assert feature.seasonality == [1.0] * 11 + [1.5]
    assert feature.levers == {
        "model_mix": {"claude-haiku-4-5": 1.0},
        "cache_hit_rate": None,
        "batch_share": 0.45,
    }


def test_seasonality_with_missing_months_is_refused(scenario: Scenario, organization: Organization) -> None:
    client = logged_in(_member(organization))
    fields = _page_fields(client, scenario)
    fields["features-0-seasonality__3"] = "1.2"
    page = _post(client, scenario, fields).content.decode()
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
    client = logged_in(_member(organization))
    before = scenario_to_document(scenario)
    fields = _page_fields(client, scenario)
    fields[field] = value
    page = _post(client, scenario, fields).content.decode()
    lists = _error_lists(page)
    assert len(lists) == 1, lists  # one error list on the page, with one message
    assert lists[0].count("<li>") == 1, lists
    assert page.count(message) == 1
    assert scenario_to_document(Scenario.objects.get(pk=scenario.pk)) == before


def test_a_preset_with_usage_amounts_says_so_on_each_amount_once(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(_member(organization))
    fields = _page_fields(client, scenario)
    fields["teams-0-usage_preset"] = "typical"  # the team also has median and p90
    page = _post(client, scenario, fields).content.decode()
    assert page.count("Leave this empty to use the preset, or clear the preset.") == 2  # median, p90
    assert "must be null when usage_preset is set" not in page
    assert "Give the median and p90 usage, or a usage preset, not both." not in page


# --- the add form -------------------------------------------------------------------------------------


def _selected(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S)
    assert select is not None, name
    return re.findall(r'<option value="(\d+)" selected>', select.group(0))


def test_the_add_form_preselects_the_only_organization_and_the_catalog(
    organization: Organization, default_catalog: Any
) -> None:
    page = logged_in(_member(organization)).get(_url("scenario_add")).content.decode()
    assert _selected(page, "organization") == [str(organization.pk)]
    assert _selected(page, "price_catalog") == [str(default_catalog.pk)]


def test_the_add_form_does_not_choose_between_two_organizations(organization: Organization) -> None:
    user = _member(organization)
    MembershipFactory.create(user=user, organization=OrganizationFactory.create(), role=Role.EDITOR)
    page = logged_in(user).get(_url("scenario_add")).content.decode()
    assert _selected(page, "organization") == []


def test_start_month_accepts_any_day_and_stores_the_first(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(_member(organization))
    today = datetime.date.today()
    fields = _page_fields(client, scenario)
    fields["start_month"] = today.isoformat()  # what the date widget's "Today" enters
    response = _post(client, scenario, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    scenario.refresh_from_db()
    assert scenario.start_month == today.replace(day=1)
    fields["start_month"] = "2028-07"
    assert _post(client, scenario, fields).status_code == 302
    scenario.refresh_from_db()
    assert scenario.start_month == datetime.date(2028, 7, 1)


# --- the change page ----------------------------------------------------------------------------------


def test_the_change_page_is_compact_with_details_collapsed(
    scenario: Scenario, organization: Organization
) -> None:
    page = logged_in(_member(organization)).get(_url("scenario_change", scenario.pk)).content.decode()
    assert page.count('class="compact-more"') == 2 + 2 + 2  # two teams, two features, two empty templates
    assert page.count('class="compact-more" open') == 2  # only the templates of new rows are open
    assert page.count('name="_save"') == 2  # save_on_top


def test_run_forecast_button_for_editors_not_viewers(scenario: Scenario, organization: Organization) -> None:
    button = _url("scenario_run_forecast", scenario.pk)
    assert (
        button in logged_in(_member(organization)).get(_url("scenario_change", scenario.pk)).content.decode()
    )
    viewer_page = logged_in(_member(organization, Role.VIEWER)).get(_url("scenario_change", scenario.pk))
    assert viewer_page.status_code == 200
    assert button not in viewer_page.content.decode()


def test_run_forecast_button_starts_a_run_and_opens_it(
    scenario: Scenario, organization: Organization, in_process_celery: None
) -> None:
    editor = _member(organization)
    client = logged_in(editor)
    assert client.get(_url("scenario_run_forecast", scenario.pk)).status_code == 405
    response = client.post(_url("scenario_run_forecast", scenario.pk), follow=True)
    run = ForecastRun.objects.get()
    assert (run.scenario, run.created_by) == (scenario, editor)
    assert response.redirect_chain[-1] == (
        reverse("admin:forecasting_forecastrun_change", args=[run.pk]),
        302,
    )
    assert re.search(r"Forecast (started|finished)", response.content.decode())


def test_run_forecast_button_shows_the_run_limit_like_the_action(
    scenario: Scenario, organization: Organization
) -> None:
    organization.max_active_runs = 1
    organization.save()
    unfinished_run(organization, status=ForecastRun.Status.RUNNING)
    client = logged_in(_member(organization))
    response = client.post(_url("scenario_run_forecast", scenario.pk), follow=True)
    assert response.redirect_chain[-1] == (_url("scenario_change", scenario.pk), 302)
    page = response.content.decode()
    assert "was not started" in page
    assert "already has 1 forecast runs queued or running (the limit is 1)" in page
    assert ForecastRun.objects.count() == 1


def test_viewers_cannot_post_run_forecast(scenario: Scenario, organization: Organization) -> None:
    response = logged_in(_member(organization, Role.VIEWER)).post(_url("scenario_run_forecast", scenario.pk))
    assert response.status_code == 403
    assert not ForecastRun.objects.exists()


def test_the_run_page_names_its_creator_without_a_user_admin_link(organization: Organization) -> None:
    editor = _member(organization)
    run = succeeded_run(organization)
    run.created_by = editor
    run.save()
    page = (
        logged_in(editor).get(reverse("admin:forecasting_forecastrun_change", args=[run.pk])).content.decode()
    )
    assert editor.username in page
    assert reverse("admin:auth_user_changelist") not in page


# --- the list -----------------------------------------------------------------------------------------


def test_the_list_shows_formatted_numbers_and_the_last_results_commitment_and_total(
    scenario: Scenario, organization: Organization
) -> None:
    older = succeeded_run(organization, finished_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC))
    result = example_result()
    result["api"]["periods"][0]["recommended"]["commitment"] = 1_234_000.0
    latest = succeeded_run(organization, result=result)
    unfinished_run(organization, status=ForecastRun.Status.FAILED)
    ForecastRun.objects.filter(pk__in=[older.pk, latest.pk]).update(scenario=scenario)
    page = logged_in(_member(organization)).get(_url("scenario_changelist")).content.decode()
    assert "24 months" in page
    assert "20,000 trials" in page
    assert "$1.23M per 12 months" in page
    assert usd_short(result["total"]["expected_cost"]) in page
    assert reverse("admin:forecasting_forecastrun_change", args=[latest.pk]) in page


def test_team_feature_and_run_lists_show_numbers_as_a_person_writes_them(
    scenario: Scenario, organization: Organization
) -> None:
    """minimal document: Platform 40 → 55 engineers, median 150 / p90 600; Web on the light preset;
    Support summariser 400,000 requests growing 6% a month; Agent live from month 6."""
    client = logged_in(_member(organization))
    teams = client.get(_url("team_changelist")).content.decode()
    assert "40 → 55" in teams
    assert "median $150, p90 $600 a month" in teams
    assert "Light (preset)" in teams
    features = client.get(_url("feature_changelist")).content.decode()
    assert ">400,000<" in features
    assert "+6% a month" in features
    assert "month 6" in features
    run = succeeded_run(organization)
    runs = client.get(reverse("admin:forecasting_forecastrun_changelist")).content.decode()
    assert f">{run.trials:,}<" in runs
    assert run.trials >= 1_000  # so the separator shows


def test_the_list_reads_last_results_without_a_query_per_scenario(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    client = logged_in(_member(organization))

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url("scenario_changelist")).status_code == 200
        return len(captured)

    for index in range(2):
        scenario = save_scenario(organization, {**minimal_document, "name": f"Plan {index}"})
        ForecastRun.objects.filter(pk=succeeded_run(organization).pk).update(scenario=scenario)
    two = queries_for_list()
    for index in range(2, 6):
        scenario = save_scenario(organization, {**minimal_document, "name": f"Plan {index}"})
        ForecastRun.objects.filter(pk=succeeded_run(organization).pk).update(scenario=scenario)
    assert queries_for_list() == two


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(2_070_000.0, "$2.07M"), (999_600.0, "$1M"), (350_000.0, "$350K"), (980.4, "$980"), (0.0, "$0")],
)
def test_usd_short(amount: float, shown: str) -> None:
    assert usd_short(amount) == shown
