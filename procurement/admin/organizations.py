"""Organizations, memberships and API tokens in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from procurement.admin.permissions import is_member
from procurement.models import ApiToken, Membership, Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Members see their organizations; organization admins rename them; superusers create and delete."""

    list_display = ["name", "slug", "max_active_runs"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).filter(pk__in=Organization.objects.for_user(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_member(request)

    def has_view_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        return is_member(request) and (obj is None or Membership.can_view(request.user, obj))

    def has_change_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        if obj is None:
            return is_member(request) and Organization.objects.administered_by(request.user).exists()
        return is_member(request) and Membership.can_administer(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: Organization | None = None) -> Any:
        # The run limit bounds compute for everyone on the machine: only the operator changes it.
        return () if request.user.is_superuser else ("slug", "max_active_runs")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Members see who else is in their organizations; organization admins change roles and remove members.

    Adding a member is for superusers (or `manage.py create_api_token USER --org SLUG`), so the user list of
    the whole site is never offered to an organization admin.
    """

    list_display = ["user", "organization", "role", "created_at"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "role"]
    list_select_related = ["user", "organization"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organization__in=Organization.objects.for_user(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> Any:
        return ("user", "organization") if obj is not None else ()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_member(request)

    def has_view_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return is_member(request)

    def has_change_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        if obj is None:
            return is_member(request) and Organization.objects.administered_by(request.user).exists()
        return is_member(request) and Membership.can_administer(request.user, obj.organization)

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


@admin.action(description="Revoke selected tokens")
def revoke_tokens(modeladmin: Any, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
    revoked = queryset.revoke()  # type: ignore[attr-defined]
    messages.success(request, f"Revoked {revoked} token(s); they stop working immediately.")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Staff manage their own tokens (superusers everyone's). The secret is shown once, on creation."""

    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = [revoke_tokens]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return ApiToken.objects.visible_to(request.user)

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        owner = ["user"] if request.user.is_superuser else []
        return [*owner, "name"] if obj is None else [*owner, "name", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        return [*self.readonly_fields, "user"] if obj is not None else []

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return self.has_module_permission(request)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        owner: Any = obj.user if request.user.is_superuser else request.user
        token, secret = ApiToken.objects.issue(owner, obj.name)
        obj.pk, obj.key_prefix, obj.key_hash, obj.user = token.pk, token.key_prefix, token.key_hash, owner
        request._new_api_token_secret = secret  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        """Show the secret on this one page, never in a message (messages may travel in a cookie)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API token created",
            "token": obj,
            "secret": getattr(request, "_new_api_token_secret", ""),
        }
        return TemplateResponse(request, "admin/procurement/apitoken/created.html", context)
