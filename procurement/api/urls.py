"""Routes of the scenario and catalog endpoints (mounted under /api/v1/ in the `api` namespace)."""

from rest_framework.routers import SimpleRouter

from procurement.api.usage_import_views import UsageImportViewSet
from procurement.api.views import CatalogViewSet, ScenarioViewSet

router = SimpleRouter()
router.register("scenarios", ScenarioViewSet, basename="scenario")
router.register("catalogs", CatalogViewSet, basename="catalog")
router.register("usage-imports", UsageImportViewSet, basename="usage-import")

urlpatterns = router.urls
