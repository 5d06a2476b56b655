"""OpenAPI descriptions of the scenario and catalog operations (drf-spectacular), kept out of the views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from procurement.api.pagination import MAX_PAGE_SIZE
from procurement.api.schema import SCENARIO, SCENARIO_DOCUMENT, ref
from procurement.api.serializers import CatalogSerializer, CatalogSummarySerializer, ErrorSerializer
from procurement.limits import MAX_SLUG_CHARS, SLUG_PATTERN

_ERROR_MEANINGS = {
    400: "Invalid input: `errors` names each field path at fault (nothing was saved).",
    401: "No valid credentials: send `Authorization: Token <secret>`.",
    403: "Your role in the organization does not allow this (viewers read only).",
    404: "No such object among your organizations (another organization's objects are not found either).",
    413: "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE.",
    415: "The body is not application/json.",
    422: "The Idempotency-Key was already used with another request; send a new key.",
    429: "A limit on forecast runs or the start throttle; retry after `Retry-After` seconds when given.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_MEANINGS[code]) for code in codes}


def json_body(component: str) -> dict[str, Any]:
    return {"application/json": ref(component)}


ORGANIZATION_PARAMETER = OpenApiParameter(
    "organization",
    {"type": "string", "minLength": 1, "maxLength": MAX_SLUG_CHARS, "pattern": f"^{SLUG_PATTERN}$"},
    OpenApiParameter.QUERY,
    description="Slug of one of your organizations (a slug that is not yours is a 400 on `organization`).",
)
PAGE_PARAMETERS = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1},
        OpenApiParameter.QUERY,
        description="Page number, from 1 (a page past the last is a 404).",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        OpenApiParameter.QUERY,
        description=f"Results per page, 1..{MAX_PAGE_SIZE} (default 50); anything else is a 400.",
    ),
]
_WRITE_ERRORS = (400, 401, 403, 413, 415)

SCENARIO_OPERATIONS = {
    "list": extend_schema(
        summary="List the scenarios of your organizations",
        parameters=[ORGANIZATION_PARAMETER, *PAGE_PARAMETERS],
        responses={200: OpenApiResponse(ref(SCENARIO)), **error_responses(400, 401, 404)},  # paginated
    ),
    "create": extend_schema(
        summary="Create a scenario from its JSON document",
        description="The body is the scenario document in docs/scenario.md (what `manage.py forecast` "
        "reads), optionally with `organization` (a slug) when you belong to several organizations.",
        parameters=[ORGANIZATION_PARAMETER],
        request=json_body(SCENARIO_DOCUMENT),
        responses={201: OpenApiResponse(ref(SCENARIO)), **error_responses(*_WRITE_ERRORS)},
    ),
    "retrieve": extend_schema(
        summary="Read a scenario (its normalised document)",
        responses={200: OpenApiResponse(ref(SCENARIO)), **error_responses(401, 404)},
    ),
    "update": extend_schema(
        summary="Replace a scenario with a new document (PUT; PATCH is not supported)",
        request=json_body(SCENARIO_DOCUMENT),
        responses={200: OpenApiResponse(ref(SCENARIO)), **error_responses(*_WRITE_ERRORS, 404)},
    ),
    "destroy": extend_schema(
        summary="Delete a scenario (its forecast runs are kept, detached)",
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(401, 403, 404)},
    ),
}

CATALOG_OPERATIONS = {
    "list": extend_schema(
        summary="List price catalogs (global reference data)",
        parameters=PAGE_PARAMETERS,
        responses={200: CatalogSummarySerializer(many=True), **error_responses(400, 401, 404)},
    ),
    "retrieve": extend_schema(
        summary="Read a price catalog with every row and its source",
        responses={200: CatalogSerializer, **error_responses(401, 404)},
    ),
}
