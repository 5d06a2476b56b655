"""Where the forecast admin is put together: the run admin registered once with its result views, and
"Run forecast" handed to the scenario admin through its hook."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin

from forecasting.admin import ForecastRunAdmin
from forecasting.models import ForecastRun
from procurement.admin.scenarios import RUN_FORECAST_ACTION, ScenarioAdmin, offer_run_forecast
from procurement.models import Scenario
from reports.admin import ForecastRunResultsAdmin
from reports.admin_compare import compare_runs
from reports.admin_views import ForecastRunResultsMixin, run_forecast


def test_the_run_admin_is_forecastings_with_the_result_views_in_front() -> None:
    registered = admin.site.get_model_admin(ForecastRun)
    assert type(registered) is ForecastRunResultsAdmin
    mro = type(registered).__mro__
    assert mro.index(ForecastRunResultsMixin) < mro.index(ForecastRunAdmin)
    assert registered.actions == [compare_runs]


def test_the_scenario_admin_offers_run_forecast_once_however_often_it_is_handed_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ScenarioAdmin, "actions", [])
    offer_run_forecast(run_forecast)
    offer_run_forecast(run_forecast)
    assert ScenarioAdmin.actions == [run_forecast]
    assert admin.site.get_model_admin(Scenario).actions == [run_forecast]  # the registered instance too


def test_an_action_under_another_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ScenarioAdmin, "actions", [])

    def start_everything(*args: Any) -> None:
        return None

    with pytest.raises(ValueError, match=RUN_FORECAST_ACTION):
        offer_run_forecast(start_everything)
    assert ScenarioAdmin.actions == []
