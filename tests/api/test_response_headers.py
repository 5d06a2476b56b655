"""Headers a careful deployment sends (issue 11): results and briefs are never cached; the HTML pages
carry a Content-Security-Policy that allows no inline script and nothing from elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from forecasting.models import ForecastRun
from procurement.models import Scenario
from procurement.security import ADMIN_POLICY
from tests.api.conftest import Member
from tests.factories import ForecastRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(scenario_a: Scenario, result_example: dict[str, Any]) -> ForecastRun:
    return ForecastRunFactory.create(scenario=scenario_a, succeeded=True, result=result_example)


def _never_cached(response: Any) -> bool:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"no-store", "no-cache", "private"} <= directives


def test_a_result_and_its_brief_are_never_cached(editor: Member, done: ForecastRun) -> None:
    result = editor.call("GET", f"/api/v1/forecasts/{done.pk}/")
    assert result.status_code == 200
    assert _never_cached(result)
    brief = editor.call("GET", f"/api/v1/forecasts/{done.pk}/brief.pdf")
    assert brief.status_code == 200
    assert _never_cached(brief)


def test_the_admins_brief_download_is_never_cached(editor: Member, done: ForecastRun) -> None:
    user = editor.user
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    response = client.get(f"/admin/forecasting/forecastrun/{done.pk}/brief.pdf")
    assert response.status_code == 200
    assert _never_cached(response)


def test_admin_and_landing_pages_forbid_inline_scripts_and_other_origins(
    editor: Member, done: ForecastRun, scenario_a: Scenario
) -> None:
    editor.user.is_staff = True
    editor.user.save()
    client = Client()
    client.force_login(editor.user)
    pages = [(Client(), "/admin/login/")]  # signed out
    pages += [
        (client, path) for path in ["/", "/admin/", f"/admin/forecasting/forecastrun/{done.pk}/change/"]
    ]
    for browser, path in pages:
        response = browser.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert policy == ADMIN_POLICY
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no other host
        assert directives["default-src"] == "'self'"
        assert "<script>" not in response.content.decode()  # nothing inline that the policy would block
    assert "Content-Security-Policy" not in editor.call("GET", "/api/v1/scenarios/")
