"""Who may do what: membership scopes every queryset, the role decides writes
(docs/operations.md#reliability-and-security).

Another organization's objects are invisible (404 exactly as for an id that does not exist); a member
whose role does not allow a write gets 403, which reveals nothing they cannot already read.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from procurement.api.exceptions import InvalidInput
from procurement.limits import SLUG_PATTERN
from procurement.models import Membership, Organization

_SLUG = re.compile(rf"^{SLUG_PATTERN}$")
EDIT_REFUSED = (
    "Your role in this organization is viewer: only editors and admins may change it or run forecasts."
)


class OrganizationRolePermission(BasePermission):
    """Reads need membership (querysets are scoped already); writes need the editor or admin role."""

    message = EDIT_REFUSED

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.method in SAFE_METHODS or Membership.can_edit(request.user, obj.organization)


def require_edit(user: Any, organization: Organization) -> None:
    if not Membership.can_edit(user, organization):
        raise PermissionDenied(EDIT_REFUSED)


def require_edit_somewhere(user: Any) -> None:
    """Before a create reads its body: a caller who may edit no organization is refused at once, so a
    viewer's token cannot make the server parse a large body (the body names the organization)."""
    if Organization.objects.editable_by(user).exists():
        return
    if not Organization.objects.for_user(user).exists():
        message = "you are not a member of any organization; ask an admin to add you"
        raise InvalidInput("Which organization?", errors={"organization": [message]})
    raise PermissionDenied(EDIT_REFUSED)


def member_organization(user: Any, slug: object, *, field: str = "organization") -> Organization:
    """The user's organization with this slug; a foreign slug reads exactly like one that does not exist."""
    organization = None
    if isinstance(slug, str) and _SLUG.match(slug):
        organization = Organization.objects.for_user(user).filter(slug=slug).first()
    if organization is None:
        shown = repr(slug) if isinstance(slug, str) and len(slug) <= 100 else "this value"
        message = f"{shown} is not the slug of an organization you belong to"
        raise InvalidInput("Unknown organization.", errors={field: [message]})
    return organization


def organization_for_create(user: Any, slug: object | None) -> Organization:
    """The named organization, else the caller's only one; several and none named is a 400."""
    if slug is not None:
        return member_organization(user, slug)
    organizations = list(Organization.objects.for_user(user)[:2])
    if len(organizations) == 1:
        return organizations[0]
    message = (
        "you belong to several organizations: name one by its slug"
        if organizations
        else "you are not a member of any organization; ask an admin to add you"
    )
    raise InvalidInput("Which organization?", errors={"organization": [message]})
