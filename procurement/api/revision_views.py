"""A scenario's history (docs/usage-import.md#applying-a-fit): the changes applying fits made, and undo.

    GET  /api/v1/scenarios/{id}/revisions/          a scenario's revisions, newest first, without documents
    GET  /api/v1/scenario-revisions/{rev}/          one revision with its documents before and after
    POST /api/v1/scenario-revisions/{rev}/undo/     put back the document from before {rev} -> 200, the
                                                    scenario (editors and admins)

Views parse, call `procurement.usage.applying.undo_revision`, render. Registered in `procurement/api/urls.py`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api.access import require_edit
from procurement.api.base import JsonApiMixin
from procurement.api.docs import PAGE_PARAMETERS, error_responses
from procurement.api.pagination import ApiPagination
from procurement.api.schema import SCENARIO, ref
from procurement.api.serializers import scenario_representation
from procurement.models import Scenario, ScenarioRevision
from procurement.services import scenario_to_document
from procurement.usage.applying import undo_revision


class ScenarioRevisionSerializer(serializers.ModelSerializer[ScenarioRevision]):
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    can_undo = serializers.SerializerMethodField(
        help_text="Whether the scenario is still as this change left it (so undo is possible)."
    )

    class Meta:
        model = ScenarioRevision
        fields = ["id", "created_at", "created_by", "kind", "reason", "usage_import", "undoes", "can_undo"]

    def get_can_undo(self, revision: ScenarioRevision) -> bool:
        current: dict[str, Any] = self.context["current_document"]
        return bool(revision.document == current)


class ScenarioRevisionDetailSerializer(ScenarioRevisionSerializer):
    previous_document = serializers.JSONField(help_text="The scenario document before the change.")
    document = serializers.JSONField(help_text="The scenario document the change produced.")

    class Meta(ScenarioRevisionSerializer.Meta):
        fields = [*ScenarioRevisionSerializer.Meta.fields, "previous_document", "document"]


def _scenario(request: Request, scenario_id: str) -> Scenario:
    """A scenario of the caller's organizations (another organization's is a 404, as a missing one)."""
    scenarios = Scenario.objects.visible_to(request.user).select_related("organization")
    return generics.get_object_or_404(scenarios, pk=scenario_id)


def _revisions(scenario: Scenario) -> QuerySet[ScenarioRevision]:
    return ScenarioRevision.objects.filter(scenario=scenario).select_related("created_by")


def _revision(request: Request, revision_id: str) -> ScenarioRevision:
    """A revision of a scenario of the caller's organizations (another organization's is a 404)."""
    revisions = ScenarioRevision.objects.visible_to(request.user)
    return generics.get_object_or_404(
        revisions.select_related("created_by", "scenario__organization"), pk=revision_id
    )


class ScenarioRevisionListApi(JsonApiMixin, generics.GenericAPIView[ScenarioRevision]):
    """The changes recorded in a scenario's history: applied fits and undos, newest first."""

    permission_classes = [IsAuthenticated]
    pagination_class = ApiPagination
    serializer_class = ScenarioRevisionSerializer

    @extend_schema(
        summary="List the changes recorded in a scenario's history (newest first)",
        parameters=PAGE_PARAMETERS,
        responses={200: ScenarioRevisionSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, scenario_id: str) -> Response:
        scenario = _scenario(request, scenario_id)
        page = self.paginate_queryset(_revisions(scenario).defer("previous_document"))
        context = {"request": request, "current_document": scenario_to_document(scenario)}
        return self.get_paginated_response(ScenarioRevisionSerializer(page, many=True, context=context).data)


class ScenarioRevisionDetailApi(JsonApiMixin, APIView):
    """One change of a scenario, with the whole document before and after it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Read one change of a scenario with its documents before and after",
        responses={200: ScenarioRevisionDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, revision_id: str) -> Response:
        revision = _revision(request, revision_id)
        context = {"request": request, "current_document": scenario_to_document(revision.scenario)}
        return Response(ScenarioRevisionDetailSerializer(revision, context=context).data)


class ScenarioRevisionUndoApi(JsonApiMixin, APIView):
    """Undo one change of a scenario's history."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Undo a change: put back the scenario document from before it",
        description="The earlier document goes through the scenario validator again, and the undo is "
        "recorded as a change of its own (undoing it redoes). Refused with 400 at `revision` when the "
        "scenario changed after this change: undo the later ones first.",
        request=None,
        responses={
            200: OpenApiResponse(ref(SCENARIO), description="The scenario as it is now."),
            **error_responses(400, 401, 403, 404, 415),
        },
    )
    def post(self, request: Request, revision_id: str) -> Response:
        revision = _revision(request, revision_id)
        require_edit(request.user, revision.scenario.organization)
        undo_revision(revision, user=request.user)
        return Response(scenario_representation(Scenario.objects.get(pk=revision.scenario_id), request))
