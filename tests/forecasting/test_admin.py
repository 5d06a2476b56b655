"""Forecast runs in the admin: scoped to the user's organizations, read-only, a readable result summary."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from forecasting.models import ForecastRun
from procurement.models import Role
from tests.factories import ForecastRunFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs() -> dict[str, ForecastRun]:
    alpha, bravo = OrganizationFactory.create(name="Alpha"), OrganizationFactory.create(name="Bravo")
    return {  # alpha holds the example result
        "alpha": ForecastRunFactory.create(organization=alpha, scenario_name="Alpha plan", succeeded=True),
        "alpha_failed": ForecastRunFactory.create(
            organization=alpha, scenario_name="Alpha retry", failed=True, error="Engine error"
        ),
        "bravo": ForecastRunFactory.create(organization=bravo, scenario_name="Bravo secret plan"),
    }


def client_for(run: ForecastRun, role: str) -> Client:
    client = Client()
    client.force_login(MembershipFactory.create(organization=run.organization, role=role).user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:forecasting_forecastrun_{name}", args=args)


def test_the_changelist_shows_only_the_users_organizations_runs(runs: dict[str, ForecastRun]) -> None:
    page = client_for(runs["alpha"], Role.VIEWER).get(url("changelist")).content.decode()
    assert "Alpha plan" in page
    assert "Alpha retry" in page
    assert "Bravo secret plan" not in page


def test_another_organizations_run_is_not_found(runs: dict[str, ForecastRun]) -> None:
    client = client_for(runs["alpha"], Role.ADMIN)
    response = client.get(url("change", runs["bravo"].pk))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert response["Location"] == reverse("admin:index")


def test_a_run_page_shows_the_result_summary_and_cannot_be_edited(runs: dict[str, ForecastRun]) -> None:
    run = runs["alpha"]
    assert run.result is not None
    client = client_for(run, Role.EDITOR)
    page = client.get(url("change", run.pk)).content.decode()
    total = run.result["total"]["expected_cost"]
    assert f"Total expected cost: ${total:,.0f}" in page
    assert 'name="_save"' not in page
    response = client.post(url("change", run.pk), {"status": "queued"})
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == "succeeded"


def test_runs_are_never_added_by_hand(runs: dict[str, ForecastRun]) -> None:
    assert client_for(runs["alpha"], Role.ADMIN).get(url("add")).status_code == 403


def test_editors_may_delete_a_run_and_viewers_may_not(runs: dict[str, ForecastRun]) -> None:
    run = runs["alpha_failed"]
    assert client_for(run, Role.VIEWER).post(url("delete", run.pk), {"post": "yes"}).status_code == 403
    assert client_for(run, Role.EDITOR).post(url("delete", run.pk), {"post": "yes"}).status_code == 302
    assert not ForecastRun.objects.filter(pk=run.pk).exists()
