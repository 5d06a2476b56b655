"""Admin permissions from organization memberships instead of Django model permissions.

A staff member sees only rows of organizations they belong to (other rows are absent from querysets, so
their URLs answer "doesn't exist"); viewers read, editors and admins edit; foreign-key choices list only
organizations (and scenarios) the user may edit. Superusers see and edit everything.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from procurement.models import Membership, Organization, Scenario


def is_member(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and Organization.objects.for_user(user).exists())


def is_editor(request: HttpRequest) -> bool:
    return bool(
        request.user.is_active
        and request.user.is_staff
        and Organization.objects.editable_by(
            request.user,
        ).exists(),
    )


def organization_of(obj: Model, path: str) -> Organization:
    """Follow `path` ("scenario__organization") from a row to its organization."""
    target: Any = obj
    for attribute in path.split("__"):
        target = getattr(target, attribute)
    organization: Organization = target
    return organization


class OrganizationScopedMixin:
    """For ModelAdmins of rows that belong to an organization through `organization_path`."""

    organization_path = "organization"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        lookup = f"{self.organization_path}__in"
        scoped: QuerySet[Any] = queryset.filter(**{lookup: Organization.objects.for_user(request.user)})
        return scoped

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_member(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return is_member(request)
        return is_member(
            request,
        ) and Membership.can_view(
            request.user,
            organization_of(
                obj,
                self.organization_path,
            ),
        )

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return is_editor(request)
        return is_editor(
            request,
        ) and Membership.can_edit(
            request.user,
            organization_of(
                obj,
                self.organization_path,
            ),
        )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_editor(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.editable_by(request.user)
        elif db_field.name == "scenario":
            kwargs["queryset"] = Scenario.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ScenarioInlineMixin:
    """Inline rows of a scenario: permissions follow the parent scenario's organization."""

    def has_view_permission(self, request: HttpRequest, obj: Scenario | None = None) -> bool:
        return is_member(request) and (obj is None or Membership.can_view(request.user, obj.organization))

    def has_change_permission(self, request: HttpRequest, obj: Scenario | None = None) -> bool:
        return is_editor(request) and (obj is None or Membership.can_edit(request.user, obj.organization))

    def has_add_permission(self, request: HttpRequest, obj: Scenario | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Scenario | None = None) -> bool:
        return self.has_change_permission(request, obj)


class StaffReadOnlyMixin:
    """Superusers edit; other staff members read (price catalogs are shared by every organization)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


__all__ = ["OrganizationScopedMixin", "ScenarioInlineMixin", "StaffReadOnlyMixin", "admin"]
