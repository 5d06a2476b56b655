"""OpenAPI descriptions of the usage import operations (drf-spectacular), kept out of the views."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema

from procurement.api.docs import ORGANIZATION_PARAMETER, PAGE_PARAMETERS, error_responses
from procurement.api.schema import SCENARIO, ref
from procurement.api.serializers import ErrorSerializer
from procurement.api.usage_import_serializers import (
    ApplySerializer,
    UploadSerializer,
    UsageImportDetailSerializer,
    UsageImportSerializer,
)

_READ_ERRORS = error_responses(401, 404)
USAGE_IMPORT_OPERATIONS = {
    "list": extend_schema(
        summary="List the usage imports of your organizations",
        parameters=[ORGANIZATION_PARAMETER, *PAGE_PARAMETERS],
        responses={200: UsageImportSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    "retrieve": extend_schema(
        summary="Read a usage import: files, fits, warnings and usage per month",
        responses={200: UsageImportDetailSerializer, **_READ_ERRORS},
    ),
    "create": extend_schema(
        summary="Import usage files and fit them",
        description="Optional `plans` (JSON: engineer -> seat plan key of the catalog) marks engineers on "
        "plans that block usage beyond their capacity: their months at 95% of it or more are fitted as "
        "censored, and the team fit is of uncapped demand (docs/usage-import.md#capped-usage).",
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: UsageImportDetailSerializer,
            200: OpenApiResponse(
                UsageImportDetailSerializer, description="The same files were imported before."
            ),
            **error_responses(400, 401, 403, 415),
            413: OpenApiResponse(
                ErrorSerializer,
                description="The files are larger than USAGE_IMPORT_MAX_BYTES (20 MiB by default).",
            ),
        },
    ),
    "apply": extend_schema(
        summary="Write a fit into a team or feature of a scenario",
        request={"application/json": ApplySerializer},
        responses={200: OpenApiResponse(ref(SCENARIO)), **error_responses(400, 401, 403, 404, 415)},
    ),
}
