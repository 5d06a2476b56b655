"""Routes of the scenario and catalog endpoints (mounted under /api/v1/ in the `api` namespace)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from procurement.api.revision_views import (
    ScenarioRevisionDetailApi,
    ScenarioRevisionListApi,
    ScenarioRevisionUndoApi,
)
from procurement.api.usage_import_views import UsageImportViewSet
from procurement.api.views import CatalogViewSet, ScenarioViewSet
from procurement.limits import ID_PATTERN

router = SimpleRouter()
router.register("scenarios", ScenarioViewSet, basename="scenario")
router.register("catalogs", CatalogViewSet, basename="catalog")
router.register("usage-imports", UsageImportViewSet, basename="usage-import")

urlpatterns = [
    re_path(
        rf"^scenarios/(?P<scenario_id>{ID_PATTERN})/revisions/$",
        ScenarioRevisionListApi.as_view(),
        name="scenario-revisions",
    ),
    re_path(
        rf"^scenario-revisions/(?P<revision_id>{ID_PATTERN})/$",
        ScenarioRevisionDetailApi.as_view(),
        name="scenario-revision",
    ),
    re_path(
        rf"^scenario-revisions/(?P<revision_id>{ID_PATTERN})/undo/$",
        ScenarioRevisionUndoApi.as_view(),
        name="scenario-revision-undo",
    ),
    *router.urls,
]
