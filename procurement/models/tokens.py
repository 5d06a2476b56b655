"""API tokens: shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from procurement.limits import MAX_NAME_CHARS

TOKEN_PREFIX = "ccs_"  # recognisable in logs and secret scanners
_PREFIX_CHARS = 12  # shown in the admin so a user can tell tokens apart


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user: Any) -> ApiTokenQuerySet:
        """A user's own tokens; a superuser sees all. Tokens belong to people, not organizations."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.all() if user.is_superuser else self.filter(user=user)

    def issue(self, user: Any, name: str) -> tuple[ApiToken, str]:
        """Create a token and return it with its secret, which is not stored and cannot be shown again."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = self.create(
            user=user, name=name, key_prefix=secret[:_PREFIX_CHARS], key_hash=hash_secret(secret)
        )
        return token, secret

    def revoke(self) -> int:
        return self.active().update(revoked_at=timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="The token acts as this user, with the user's memberships.",
    )
    name = models.CharField(
        max_length=MAX_NAME_CHARS, help_text="What the token is for, e.g. “planning spreadsheet sync”."
    )
    key_prefix = models.CharField(
        max_length=_PREFIX_CHARS, editable=False, help_text="First characters, for display."
    )
    key_hash = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the secret."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(key_hash=""), name="api_token_hash_required")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
