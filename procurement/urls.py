"""Root URL configuration: the landing page, the admin, the health probe, the versioned REST API, its docs."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from forecasting.api import urls as forecasting_api
from procurement.api import urls as procurement_api
from procurement.api.base import ApiNotFound
from procurement.api_docs import RedocView, SwaggerView
from procurement.health import healthz
from procurement.home import home
from procurement.limits import ID_PATTERN
from reports.api import ForecastBriefPdfApi, ForecastResultXlsxApi

# reports builds on forecasting, which builds on procurement: the project URLconf is where they meet.
brief = re_path(
    rf"^forecasts/(?P<run_id>{ID_PATTERN})/brief\.pdf$", ForecastBriefPdfApi.as_view(), name="forecast-brief"
)
workbook = re_path(
    rf"^forecasts/(?P<run_id>{ID_PATTERN})/result\.xlsx$",
    ForecastResultXlsxApi.as_view(),
    name="forecast-result-xlsx",
)
api_v1 = [*procurement_api.urlpatterns, brief, workbook, *forecasting_api.urlpatterns]

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    # Last: any other /api/ path is the API's JSON 404, not Django's HTML page.
    re_path(r"^api/", ApiNotFound.as_view()),
]
