"""One error shape for the whole API, and the exception handler that produces it.

Every error response is JSON of this shape (OpenAPI component `Error`):

    {"detail": "The scenario document is invalid.",          # one sentence for people
     "code": "invalid",                                       # stable machine code
     "errors": {"teams[2].usage_p90_usd": ["must be ≥ ..."]}} # messages per field path, {} when no field

Paths are those of the scenario validator (`a.b[2].c`); `document` is the body as a whole. Anything
unexpected becomes a JSON 500 with code `server_error` and is logged on the `procurement.api` logger.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from procurement.api.exceptions import (
    Errors,
    InvalidInput,
    InvalidJson,
    KeyReused,
    PayloadTooLarge,
)
from procurement.scenario_document import ScenarioValidationError

logger = logging.getLogger("procurement.api")


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's handler (status, headers, rollback) with the API's error body; JSON 500 for the unexpected."""
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return _unexpected(exc, context)
    response.data = error_body(exc)
    return response


def error_body(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, InvalidJson | InvalidInput | KeyReused):
        return _body(str(exc.detail), _code(exc), exc.errors)
    if isinstance(exc, ValidationError):
        return _body("Invalid input.", "invalid", flatten_errors(exc.detail))
    if isinstance(exc, APIException):
        return _body(str(exc.detail), _code(exc), {})
    return _body("Internal server error.", "server_error", {})


def flatten_errors(detail: Any, path: str = "") -> Errors:
    """DRF's nested error detail as messages per field path (`teams[0].name`)."""
    errors: Errors = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            key_path = path if key == "non_field_errors" else (f"{path}.{key}" if path else str(key))
            for sub_path, messages in flatten_errors(value, key_path).items():
                errors.setdefault(sub_path, []).extend(messages)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            errors.update(flatten_errors(item, f"{path}[{index}]"))
    elif isinstance(detail, list):
        errors[path or "document"] = [str(item) for item in detail]
    else:
        errors[path or "document"] = [str(detail)]
    return errors


def _body(detail: str, code: str, errors: Errors) -> dict[str, Any]:
    return {"detail": detail, "code": code, "errors": errors}


def _code(exc: APIException) -> str:
    code = getattr(exc.detail, "code", None)
    return str(code or exc.default_code)


def _translate(exc: Exception) -> Exception:
    """Domain and Django exceptions that mean a client error, as DRF exceptions."""
    if isinstance(exc, ScenarioValidationError):
        return InvalidInput("The scenario document is invalid.", errors=exc.errors)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return PayloadTooLarge(f"The request body is larger than the limit of {limit:,} bytes.")
    if isinstance(exc, Http404):
        return NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied()
    if isinstance(exc, SuspiciousOperation):
        return ParseError("The request was refused as malformed.")
    return exc


def _unexpected(exc: Exception, context: dict[str, Any]) -> Response:
    request = context.get("request")
    where = f"{request.method} {request.path}" if request is not None else "unknown request"
    logger.error("Unexpected error answering %s", where, exc_info=exc)
    set_rollback()
    return Response(error_body(exc), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
