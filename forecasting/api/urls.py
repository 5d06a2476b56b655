"""Routes of the forecast endpoints (mounted under /api/v1/ in the `api` namespace)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from forecasting.api.preview_views import FitPreviewApi
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
    re_path(
        rf"^usage-imports/(?P<usage_import_id>{ID_PATTERN})/preview/$",
        FitPreviewApi.as_view(),
        name="usage-import-preview",
    ),
    *router.urls,
]
