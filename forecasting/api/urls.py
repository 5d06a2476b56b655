"""Routes of the forecast endpoints (mounted under /api/v1/ in the `api` namespace)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from forecasting.api.views import ForecastRunViewSet, ForecastStartApi
from procurement.limits import ID_PATTERN

router = SimpleRouter()
router.register("forecasts", ForecastRunViewSet, basename="forecastrun")

urlpatterns = [
    re_path(
        rf"^scenarios/(?P<scenario_id>{ID_PATTERN})/forecasts/$",
        ForecastStartApi.as_view(),
        name="scenario-forecasts",
    ),
    *router.urls,
]
