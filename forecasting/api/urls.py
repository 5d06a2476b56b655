"""Routes of the forecast endpoints (mounted under /api/v1/ in the `api` namespace)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from forecasting.api.views import ForecastRunViewSet, ForecastStartApi

router = SimpleRouter()
router.register("forecasts", ForecastRunViewSet, basename="forecastrun")

urlpatterns = [
    re_path(
        r"^scenarios/(?P<scenario_id>[0-9]{1,18})/forecasts/$",
        ForecastStartApi.as_view(),
        name="scenario-forecasts",
    ),
    *router.urls,
]
