"""URLs of a forecast run's admin pages, for the reports' admin tests."""

from __future__ import annotations

from django.urls import reverse

from forecasting.models import ForecastRun


def run_url(name: str, run: ForecastRun) -> str:
    """`change`, `status` or `brief` of `run` in the admin."""
    return reverse(f"admin:forecasting_forecastrun_{name}", args=[run.pk])
