"""Usage imports (docs/usage-import.md): upload usage files, read the fits, apply one to a scenario.

    POST /api/v1/usage-imports/              multipart: files (repeated), team, engineer, feature_map
                                             (JSON), plans (JSON), catalog, organization (slugs)
                                             -> 201 (200: seen before)
    GET  /api/v1/usage-imports/              the imports of your organizations (?organization=slug)
    GET  /api/v1/usage-imports/{id}/         one import: files, fits, warnings, usage per month
    POST /api/v1/usage-imports/{id}/apply/   {"scenario": id, "team": "name"} or
                                             {"scenario": id, "feature": "name", "fit": "workspace"} -> 200;
                                             recorded in the scenario's history (revision_views: undo)

The preview of an apply (`POST /api/v1/usage-imports/{id}/preview/`, same body) runs a quick forecast, so
it is served from `forecasting/api/preview_views.py`; `apply/?preview=1` is refused, never applied.

Views parse, call one service (`procurement.usage.importing`, `procurement.usage.applying`), render; the
representations are `usage_import_serializers`, the OpenAPI descriptions `usage_import_docs`. Registered in
`procurement/api/urls.py` (basename `usage-import`, in the `api` namespace).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from procurement.api.access import (
    OrganizationRolePermission,
    member_organization,
    organization_for_create,
    require_edit,
    require_edit_somewhere,
)
from procurement.api.base import JsonOnlyNegotiation, location, require_length
from procurement.api.exceptions import InvalidInput, InvalidJson, PayloadTooLarge
from procurement.api.pagination import ApiPagination
from procurement.api.parsers import StrictJSONParser, parse_strict_json
from procurement.api.serializers import scenario_representation
from procurement.api.usage_import_docs import USAGE_IMPORT_OPERATIONS
from procurement.api.usage_import_serializers import (
    ApplySerializer,
    UploadSerializer,
    UsageImportDetailSerializer,
    UsageImportSerializer,
)
from procurement.imports import UsageFileError
from procurement.limits import ID_PATTERN
from procurement.models import PriceCatalog, Scenario
from procurement.models.usage import UsageImport
from procurement.usage.applying import record_fit
from procurement.usage.importing import (
    ImportOptionError,
    Upload,
    UploadTooLarge,
    import_usage,
    max_upload_bytes,
)

MULTIPART_OVERHEAD_BYTES = 1024 * 1024  # boundaries and the small fields beside the files (project choice)
UPLOAD_FIELDS = frozenset({"files", "team", "engineer", "feature_map", "plans", "catalog", "organization"})


@extend_schema_view(**USAGE_IMPORT_OPERATIONS)
class UsageImportViewSet(viewsets.GenericViewSet[UsageImport]):
    """Usage imports of the caller's organizations: viewers read, editors and admins upload and apply."""

    permission_classes = [IsAuthenticated, OrganizationRolePermission]
    pagination_class = ApiPagination
    parser_classes = [MultiPartParser, StrictJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation
    lookup_value_regex = ID_PATTERN
    serializer_class = UsageImportDetailSerializer

    def get_queryset(self) -> QuerySet[UsageImport]:
        imports = UsageImport.objects.visible_to(self.request.user).select_related(
            "organization", "price_catalog", "created_by"
        )
        if self.action == "list":
            slug = self.request.query_params.get("organization")
            if slug is not None:
                imports = imports.filter(organization=member_organization(self.request.user, slug))
            return imports.prefetch_related("files")
        return imports.prefetch_related("files", "engineer_months", "feature_months")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            require_length(request)
        wanted = {"create": "multipart/form-data", "apply": "application/json"}.get(self.action or "")
        media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
        if wanted and media_type != wanted:
            raise UnsupportedMediaType(media_type or "(none)", detail=f"Send the body as {wanted}.")
        content_length = int(request.META.get("CONTENT_LENGTH") or 0)
        if self.action == "create" and content_length > max_upload_bytes() + MULTIPART_OVERHEAD_BYTES:
            raise PayloadTooLarge(
                f"The upload is {content_length:,} bytes; the limit is {max_upload_bytes():,}."
            )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            UsageImportSerializer(page, many=True, context={"request": request}).data
        )

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        require_edit_somewhere(request.user)  # before the upload is read
        form = _upload_form(request)
        organization = organization_for_create(request.user, form.get("organization"))
        require_edit(request.user, organization)
        try:
            result = import_usage(
                organization,
                [Upload(name=f.name or "upload", content=f.read()) for f in form["files"]],
                catalog=_catalog(form.get("catalog")),
                team=form.get("team"),
                engineer=form.get("engineer"),
                feature_map=_feature_map(form.get("feature_map")),
                plans=form.get("plans"),
                user=request.user,
            )
        except UploadTooLarge as error:
            raise PayloadTooLarge(str(error)) from error
        except UsageFileError as error:
            raise InvalidInput(
                "A file was refused; nothing was imported.", errors={"files": [str(error)]}
            ) from error
        except ImportOptionError as error:
            raise InvalidInput("Nothing was imported.", errors={error.field: [error.message]}) from error
        body = self.get_serializer(result.usage_import).data
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(body, status=code, headers={"Location": location(body["url"])})

    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        usage_import = self.get_object()
        require_edit(request.user, usage_import.organization)
        if "preview" in request.query_params:  # a client meaning to look must never write
            preview = reverse("api:usage-import-preview", args=[usage_import.pk])
            message = f"Nothing was applied: preview with POST {preview} (same body)."
            raise InvalidInput(message, errors={"preview": [message]})
        body = apply_body(request.data)
        scenario = apply_target(request, usage_import, body)
        record_fit(usage_import, scenario, **fit_choice(body), user=request.user)
        return Response(scenario_representation(Scenario.objects.get(pk=scenario.pk), request))


def _upload_form(request: Request) -> dict[str, Any]:
    """The upload's fields: known names only, each non-file field given once."""
    data: Any = request.data
    unknown = sorted(set(data.keys()) - UPLOAD_FIELDS)
    errors = {name: ["unknown field"] for name in unknown}
    errors |= {
        name: ["give this field once"] for name in UPLOAD_FIELDS - {"files"} if len(data.getlist(name)) > 1
    }
    if errors:
        raise InvalidInput("Nothing was imported.", errors=errors)
    form = UploadSerializer(data=data)
    form.is_valid(raise_exception=True)
    validated: dict[str, Any] = dict(form.validated_data)
    return validated


def _catalog(slug: str | None) -> PriceCatalog | None:
    if slug is None:
        return None
    catalog = PriceCatalog.objects.filter(slug=slug).first()
    if catalog is None:
        raise InvalidInput("Nothing was imported.", errors={"catalog": [f"no price catalog {slug!r}"]})
    return catalog


def _feature_map(raw: str | None) -> dict[str, str] | None:
    if raw is None:
        return None
    try:
        value = parse_strict_json(raw)
    except InvalidJson as error:
        problems = [str(error.detail), *(f"{k}: {m}" for k, ms in error.errors.items() for m in ms)]
        raise InvalidInput("Nothing was imported.", errors={"feature_map": problems}) from error
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        message = 'must be a JSON object of ids to names, e.g. {"wrkspc_01": "Support bot"}'
        raise InvalidInput("Nothing was imported.", errors={"feature_map": [message]})
    return value


def apply_target(request: Request, usage_import: UsageImport, body: dict[str, Any]) -> Scenario:
    """The body's scenario: one of the import's organization the caller can see, else a 404."""
    scenarios = Scenario.objects.visible_to(request.user).filter(organization=usage_import.organization)
    return get_object_or_404(scenarios, pk=body["scenario"])


def fit_choice(body: dict[str, Any]) -> dict[str, Any]:
    """Which fit an apply (or preview) body names, and where: the keywords of `plan_fit`."""
    return {
        "team": body.get("team"),
        "feature": body.get("feature"),
        "fit": body.get("fit"),
        "level": body.get("level") or "after",
    }


def apply_body(data: Any) -> dict[str, Any]:
    """An apply (or preview) body, checked: 400 by field."""
    if not isinstance(data, dict):
        raise InvalidInput("Nothing was applied.", errors={"document": ["must be a JSON object"]})
    unknown = sorted(set(data) - {"scenario", "team", "feature", "fit", "level"})
    errors = {name: ["unknown field"] for name in unknown}
    if isinstance(data.get("scenario"), bool) or not isinstance(data.get("scenario", 0), int):
        errors["scenario"] = ["must be a scenario id (an integer)"]
    for name in ("team", "feature", "fit", "level"):
        if name in data and not isinstance(data[name], str):
            errors[name] = ["must be a string"]
    if errors:
        raise InvalidInput("Nothing was applied.", errors=errors)
    body = ApplySerializer(data=data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)
