"""`manage.py create_api_token USERNAME --org SLUG [--role ROLE] [--name NAME]`: print a new token once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from procurement.models import ApiToken, Membership, Organization, Role


class Command(BaseCommand):
    help = (
        "Create a token for USERNAME in organization SLUG, creating the user (no password) and the "
        "membership if missing. A missing organization is created only with --create-org, and an existing "
        "member's role changes only with --change-role. The token is printed once and stored only as a hash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--org", required=True, help="Organization slug (must exist, see --create-org).")
        parser.add_argument(
            "--create-org", action="store_true", help="Create the organization SLUG if it does not exist."
        )
        parser.add_argument(
            "--role",
            choices=list(Role.values),
            help="Role in the organization for a new membership (default editor). For an existing member it "
            "must equal their role unless --change-role is given.",
        )
        parser.add_argument(
            "--change-role", action="store_true", help="Change an existing member's role to --role."
        )
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(
        self,
        *args: Any,
        username: str,
        org: str,
        role: str | None,
        name: str,
        create_org: bool,
        change_role: bool,
        **options: Any,
    ) -> None:
        if not username.strip() or not org.strip():
            raise CommandError("USERNAME and --org must not be empty.")
        if change_role and not role:
            raise CommandError("--change-role needs --role.")
        with transaction.atomic():
            organization, org_created = _organization(org, create=create_org)
            user, user_created = get_user_model().objects.get_or_create(username=username)
            if user_created:
                user.set_unusable_password()  # API access only until someone sets a password
                user.save()
            _, role_change = _ensure_membership(user, organization, role, change=change_role)
            token, secret = ApiToken.objects.issue(user, name)
        self.stderr.write(_summary(organization, org_created, user, user_created, role_change, token))
        self.stdout.write(secret)


def _organization(slug: str, *, create: bool) -> tuple[Organization, bool]:
    """The organization SLUG; a missing one is created only when asked (a typo must not make a new one)."""
    existing = Organization.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    if not create:
        known = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
        raise CommandError(
            f"No organization with slug {slug!r} (existing: {known}). Pass --create-org to create it."
        )
    return Organization.objects.create(slug=slug, name=slug), True


def _ensure_membership(
    user: Any, organization: Organization, role: str | None, *, change: bool
) -> tuple[Membership, str]:
    """The membership and what happened to its role, in words for the summary."""
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role or Role.EDITOR}
    )
    if created:
        return membership, f"role {membership.role} (new membership)"
    if not role or role == membership.role:
        return membership, f"role {membership.role} (unchanged)"
    if not change:
        raise CommandError(
            f"{user.username} is already {membership.role} in {organization.slug}; --role {role} would "
            f"change that. Leave out --role to keep {membership.role}, or add --change-role to make them "
            f"{role}."
        )
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    return membership, f"role changed from {before} to {role}"


def _summary(
    organization: Organization,
    org_created: bool,
    user: Any,
    user_created: bool,
    role_change: str,
    token: ApiToken,
) -> str:
    return (
        f"organization {organization.slug} ({'created' if org_created else 'existing'}); "
        f"user {user.username} ({'created' if user_created else 'existing'}); {role_change}; "
        f"token {token.key_prefix}… '{token.name}' created. The secret below is shown only once:"
    )
