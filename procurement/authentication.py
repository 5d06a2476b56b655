"""DRF authentication by `Authorization: Token <secret>` against hashed, revocable ApiToken rows."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from procurement.models import ApiToken
from procurement.models.tokens import hash_secret

# last_used_at is written at most once a minute per token: one cheap UPDATE instead of one per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: let the next authentication class try
        if len(parts) != 2:
            raise AuthenticationFailed("Invalid token header: expected 'Token <secret>'.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise AuthenticationFailed("Invalid token header: the token must be ASCII.") from error
        token = ApiToken.objects.active().select_related("user").filter(key_hash=hash_secret(secret)).first()
        if token is None or not token.user.is_active:
            raise AuthenticationFailed("Invalid or revoked token.")
        _record_use(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def _record_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes the token scheme in the OpenAPI schema (drf-spectacular finds it by target class)."""

    target_class = "procurement.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <secret>`; create one with `manage.py create_api_token` or in the admin.",
        }
