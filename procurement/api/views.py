"""Scenario and catalog endpoints: parse, call one service, render (STYLE: views)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from procurement.api import docs
from procurement.api.access import (
    OrganizationRolePermission,
    member_organization,
    organization_for_create,
    require_edit,
    require_edit_somewhere,
)
from procurement.api.base import JsonApiMixin, json_object, location
from procurement.api.exceptions import InvalidInput
from procurement.api.pagination import ApiPagination
from procurement.api.serializers import (
    CatalogSerializer,
    CatalogSummarySerializer,
    catalogs_with_rows,
    scenario_representation,
    scenarios_for_listing,
)
from procurement.limits import ID_PATTERN, SLUG_PATTERN
from procurement.models import PriceCatalog, Scenario
from procurement.services import save_scenario


@extend_schema_view(**docs.SCENARIO_OPERATIONS)
class ScenarioViewSet(JsonApiMixin, viewsets.ModelViewSet[Scenario]):
    """Scenarios of the caller's organizations; the body is the scenario JSON (docs/scenario.md)."""

    permission_classes = [IsAuthenticated, OrganizationRolePermission]
    pagination_class = ApiPagination
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "put", "delete", "head", "options"]  # PUT replaces; no PATCH

    def get_queryset(self) -> QuerySet[Scenario]:
        scenarios = Scenario.objects.visible_to(self.request.user).select_related(
            "organization", "price_catalog"
        )
        if self.action != "list":
            return scenarios
        slug = self.request.query_params.get("organization")
        if slug is not None:
            scenarios = scenarios.filter(organization=member_organization(self.request.user, slug))
        listed: QuerySet[Scenario] = scenarios_for_listing(
            scenarios.order_by("organization__name", "name", "pk")
        )
        return listed

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([scenario_representation(s, request) for s in page or []])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(scenario_representation(self.get_object(), request))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_edit_somewhere(request.user)  # before the body is read
        document, slug = _split_body(request.data)
        organization = organization_for_create(request.user, slug or request.query_params.get("organization"))
        require_edit(request.user, organization)
        scenario = save_scenario(organization, document)
        body = scenario_representation(scenario, request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location(body["url"])})

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        scenario = self.get_object()
        document, slug = _split_body(request.data)
        if slug is not None and slug != scenario.organization.slug:
            message = (
                f"must be {scenario.organization.slug!r}: a scenario cannot move to another organization"
            )
            raise InvalidInput("Scenarios stay in their organization.", errors={"organization": [message]})
        saved = save_scenario(scenario.organization, document, scenario=scenario)
        return Response(scenario_representation(saved, request))


# The envelope of a scenario as GET returns it: accepted on write and ignored, as DRF ignores read-only
# fields, so a fetched scenario can be sent back as it is.
READ_ONLY_KEYS = ("id", "url", "created_at", "updated_at")


def _split_body(data: Any) -> tuple[dict[str, Any], object | None]:
    """The scenario document and the optional `organization` slug beside it (read-only keys dropped)."""
    document = dict(json_object(data))
    for key in READ_ONLY_KEYS:
        document.pop(key, None)
    return document, document.pop("organization", None)


@extend_schema_view(**docs.CATALOG_OPERATIONS)
class CatalogViewSet(JsonApiMixin, viewsets.ReadOnlyModelViewSet[PriceCatalog]):
    """Price catalogs: global reference data, readable by every authenticated user."""

    permission_classes = [IsAuthenticated]
    pagination_class = ApiPagination
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    def get_queryset(self) -> QuerySet[PriceCatalog]:
        catalogs = PriceCatalog.objects.order_by("-as_of", "slug")
        return catalogs_with_rows(catalogs) if self.action == "retrieve" else catalogs

    def get_serializer_class(self) -> type[CatalogSummarySerializer]:
        return CatalogSerializer if self.action == "retrieve" else CatalogSummarySerializer
