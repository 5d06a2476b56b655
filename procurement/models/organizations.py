"""Tenants and their members: every scenario, run and token is reached through an organization."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from procurement.limits import MAX_NAME_CHARS, MAX_SLUG_CHARS


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer (read only)"
    EDITOR = "editor", "Editor (edit scenarios, start forecasts)"
    ADMIN = "admin", "Admin (also manage members)"


EDIT_ROLES = (Role.EDITOR, Role.ADMIN)


def _is_member_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def for_user(self, user: Any) -> OrganizationQuerySet:
        """Organizations the user belongs to (every one for a superuser, none for anonymous)."""
        return self._with_role(user, tuple(Role))

    def editable_by(self, user: Any) -> OrganizationQuerySet:
        """Organizations where the user is an editor or admin."""
        return self._with_role(user, EDIT_ROLES)

    def administered_by(self, user: Any) -> OrganizationQuerySet:
        return self._with_role(user, (Role.ADMIN,))

    def _with_role(self, user: Any, roles: tuple[str, ...]) -> OrganizationQuerySet:
        if not _is_member_user(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        member_of = Membership.objects.filter(user=user, role__in=roles).values("organization_id")
        return self.filter(pk__in=member_of)


class Organization(models.Model):
    name = models.CharField(
        max_length=MAX_NAME_CHARS, help_text="Company or business unit, e.g. “Acme Corp”."
    )
    slug = models.SlugField(
        max_length=MAX_SLUG_CHARS, unique=True, help_text="Short unique id used in URLs, e.g. “acme”."
    )
    max_active_runs = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Most forecast runs this organization may have queued or running at once (default 3).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_active_runs__gte=1) & Q(max_active_runs__lte=100),
                name="organization_max_active_runs_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="The member.",
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="The organization joined.",
    )
    role = models.CharField(
        max_length=10,
        choices=Role.choices,
        default=Role.VIEWER,
        help_text="Viewers read; editors edit scenarios and start forecasts; admins also manage members.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique_user_organization"
            ),
            models.CheckConstraint(condition=Q(role__in=list(Role.values)), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @staticmethod
    def role_of(user: Any, organization: Organization) -> str | None:
        """The user's role in the organization, or None if not a member."""
        if not _is_member_user(user):
            return None
        membership = Membership.objects.filter(user=user, organization=organization).only("role").first()
        return membership.role if membership else None

    @staticmethod
    def can_view(user: Any, organization: Organization) -> bool:
        if _is_member_user(user) and user.is_superuser:
            return True
        return Membership.role_of(user, organization) is not None

    @staticmethod
    def can_edit(user: Any, organization: Organization) -> bool:
        """Editors and admins edit; superusers edit everything."""
        if _is_member_user(user) and user.is_superuser:
            return True
        return Membership.role_of(user, organization) in EDIT_ROLES

    @staticmethod
    def can_administer(user: Any, organization: Organization) -> bool:
        if _is_member_user(user) and user.is_superuser:
            return True
        return Membership.role_of(user, organization) == Role.ADMIN
