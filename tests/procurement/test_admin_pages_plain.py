"""The scenario admin's pages: the add form's preselection, "Run forecast" on the change page, the last
result and plain numbers on the lists. (The form's inputs: test_admin_forms_plain.py.)"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forecasting.models import ForecastRun
from procurement.admin.last_result import usd_short
from procurement.models import Organization, Role, Scenario
from procurement.services import save_scenario
from tests.factories import MembershipFactory, OrganizationFactory, example_result, member
from tests.procurement.admin_forms import (
    logged_in,
    post_scenario,
    procurement_url,
    scenario_fields,
)
from tests.reports.run_rows import succeeded_run, unfinished_run

pytestmark = pytest.mark.django_db


# --- the add form -------------------------------------------------------------------------------------


def _selected(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S)
    assert select is not None, name
    return re.findall(r'<option value="(\d+)" selected>', select.group(0))


def test_the_add_form_preselects_the_only_organization_and_the_catalog(
    organization: Organization, default_catalog: Any
) -> None:
    page = logged_in(member(organization)).get(procurement_url("scenario_add")).content.decode()
    assert _selected(page, "organization") == [str(organization.pk)]
    assert _selected(page, "price_catalog") == [str(default_catalog.pk)]


def test_the_add_form_does_not_choose_between_two_organizations(organization: Organization) -> None:
    user = member(organization)
    MembershipFactory.create(user=user, organization=OrganizationFactory.create(), role=Role.EDITOR)
    page = logged_in(user).get(procurement_url("scenario_add")).content.decode()
    assert _selected(page, "organization") == []


def test_start_month_accepts_any_day_and_stores_the_first(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    today = datetime.date.today()
    fields = scenario_fields(client, scenario)
    fields["start_month"] = today.isoformat()  # what the date widget's "Today" enters
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    scenario.refresh_from_db()
    assert scenario.start_month == today.replace(day=1)
    fields["start_month"] = "2028-07"
    assert post_scenario(client, scenario, fields).status_code == 302
    scenario.refresh_from_db()
    assert scenario.start_month == datetime.date(2028, 7, 1)


# --- the change page ----------------------------------------------------------------------------------


def test_the_change_page_is_compact_with_details_collapsed(
    scenario: Scenario, organization: Organization
) -> None:
    change_page = procurement_url("scenario_change", scenario.pk)
    page = logged_in(member(organization)).get(change_page).content.decode()
    assert page.count('class="compact-more"') == 2 + 2 + 2  # two teams, two features, two empty templates
    assert page.count('class="compact-more" open') == 2  # only the templates of new rows are open
    assert page.count('name="_save"') == 2  # save_on_top


def test_run_forecast_button_for_editors_not_viewers(scenario: Scenario, organization: Organization) -> None:
    button = procurement_url("scenario_run_forecast", scenario.pk)
    change_page = procurement_url("scenario_change", scenario.pk)
    assert button in logged_in(member(organization)).get(change_page).content.decode()
    viewer_page = logged_in(member(organization, Role.VIEWER)).get(change_page)
    assert viewer_page.status_code == 200
    assert button not in viewer_page.content.decode()


def test_run_forecast_button_starts_a_run_and_opens_it(
    scenario: Scenario, organization: Organization, in_process_celery: None
) -> None:
    editor = member(organization)
    client = logged_in(editor)
    assert client.get(procurement_url("scenario_run_forecast", scenario.pk)).status_code == 405
    response = client.post(procurement_url("scenario_run_forecast", scenario.pk), follow=True)
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
    client = logged_in(member(organization))
    response = client.post(procurement_url("scenario_run_forecast", scenario.pk), follow=True)
    assert response.redirect_chain[-1] == (procurement_url("scenario_change", scenario.pk), 302)
    page = response.content.decode()
    assert "was not started" in page
    assert "already has 1 forecast runs queued or running (the limit is 1)" in page
    assert ForecastRun.objects.count() == 1


def test_viewers_cannot_post_run_forecast(scenario: Scenario, organization: Organization) -> None:
    run_forecast = procurement_url("scenario_run_forecast", scenario.pk)
    response = logged_in(member(organization, Role.VIEWER)).post(run_forecast)
    assert response.status_code == 403
    assert not ForecastRun.objects.exists()


def test_the_run_page_names_its_creator_without_a_user_admin_link(organization: Organization) -> None:
    editor = member(organization)
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
    page = logged_in(member(organization)).get(procurement_url("scenario_changelist")).content.decode()
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
    client = logged_in(member(organization))
    teams = client.get(procurement_url("team_changelist")).content.decode()
    assert "40 → 55" in teams
    assert "median $150, p90 $600 a month" in teams
    assert "Light (preset)" in teams
    features = client.get(procurement_url("feature_changelist")).content.decode()
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
    client = logged_in(member(organization))

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(procurement_url("scenario_changelist")).status_code == 200
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
