"""What every API view shares: JSON in and out, content types checked before anything is read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rest_framework.exceptions import NotFound, UnsupportedMediaType
from rest_framework.metadata import BaseMetadata, SimpleMetadata
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from procurement.api.exceptions import InvalidInput, LengthRequired
from procurement.api.parsers import StrictJSONParser
from procurement.scenario_document.fields import describe_type

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """Always answer JSON: an `Accept` header asking for something else gets JSON, not a 406."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, str(renderer.media_type)


class NameOnlyMetadata(SimpleMetadata):
    """OPTIONS answers name, description, media types: the OpenAPI schema describes the fields."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}


class JsonApiMixin:
    """JSON only. A body sent without a JSON content type is a 415; an empty body is `{}`, whatever its label.

    An empty body must pass with any Content-Type: `runserver` (wsgiref) reports a request without one as
    `text/plain`, so a bare `POST .../forecasts/` from curl or a generated client would otherwise be a 415
    there and a 202 under gunicorn.
    """

    metadata_class: str | type[BaseMetadata] | None = NameOnlyMetadata
    parser_classes: Sequence[type[BaseParser]] = [StrictJSONParser]
    renderer_classes: Sequence[type[BaseRenderer]] = [JSONRenderer]
    content_negotiation_class: type[BaseContentNegotiation] = JsonOnlyNegotiation

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method in _BODY_METHODS:
            require_length(request)
            _require_json_content_type(request)


def require_length(request: Request) -> None:
    """A 411 for a chunked body: Django reads CONTENT_LENGTH bytes of a request, and a chunked one has
    none, so it would be read as empty and answered as if nothing had been sent ("name is required")."""
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        raise LengthRequired()  # HTTP: Transfer-Encoding overrides any Content-Length sent with it


def _require_json_content_type(request: Request) -> None:
    content_type = request.content_type or ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        return
    has_body = _content_length(request) > 0 or "HTTP_TRANSFER_ENCODING" in request.META
    if has_body:
        raise UnsupportedMediaType(media_type or "(none)", detail=_unsupported(media_type))


def _unsupported(media_type: str) -> str:
    shown = f'"{media_type}"' if media_type else "no Content-Type"
    return f"Unsupported media type {shown}: send the body as application/json."


def _content_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def location(url: object) -> str:
    """A `Location` header value as a plain `str`.

    DRF's hyperlinked fields give a `Hyperlink`, a `str` subclass; wsgiref (`runserver`) refuses any
    header value that is not exactly `str` with a 500, though gunicorn and the test client accept it.
    """
    return str(url)  # str() of a str subclass is an exact str


def json_object(data: Any) -> dict[str, Any]:
    """The parsed body when it is a JSON object (an absent body reads as {}), else a 400 on `document`."""
    if not isinstance(data, dict):
        message = f"the body must be a JSON object, not {describe_type(data)}"
        raise InvalidInput("The body is not a JSON object.", errors={"document": [message]})
    return data


class ApiNotFound(JsonApiMixin, APIView):
    """Every /api/ path no route matches: the same JSON 404 as an object that does not exist."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    schema = None  # not an operation of the API

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise NotFound()
