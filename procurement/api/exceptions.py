"""The API's exception types: each a status code and a stable machine code (`procurement.api.errors`
turns them into the one error body).

This module imports only `rest_framework.exceptions`, never `rest_framework.views`: the parser named in
the REST_FRAMEWORK setting raises `InvalidJson`, and DRF imports that parser while `rest_framework.views`
is loading, so importing the views from here would close an import cycle through the setting.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError

Errors = dict[str, list[str]]


class InvalidJson(ParseError):
    """A body that is not JSON the API accepts (400), with field paths where there are some."""

    def __init__(self, detail: str, *, errors: Errors | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or {}


class InvalidInput(APIException):
    """A request refused by a domain rule (400), with messages per field path."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, detail: str, *, errors: Errors) -> None:
        super().__init__(detail)
        self.errors = errors


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class LengthRequired(APIException):
    """A body sent without Content-Length (chunked): WSGI gives the application none of it (411)."""

    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_detail = (
        "Send the body with a Content-Length header: a chunked body (Transfer-Encoding: chunked) is not "
        "read here."
    )
    default_code = "length_required"


class KeyReused(APIException):
    """An Idempotency-Key sent with another request than the one it was first used for (422)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"

    def __init__(self, detail: str, *, errors: Errors) -> None:
        super().__init__(detail)
        self.errors = errors


class LimitReached(APIException):
    """A bound on the work itself (not a throttle): answered 429 so clients back off and retry later."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "limit_reached"
