"""`manage.py create_api_token USERNAME --org SLUG [--role ROLE] [--name NAME]`: print a new token once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from procurement.models import ApiToken, Membership, Organization, Role


class Command(BaseCommand):
    help = (
        "Create a token for USERNAME in organization SLUG, creating the organization, the user (no password) "
        "and the membership if missing. The token is printed once and stored only as a hash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--org", required=True, help="Organization slug (created if missing).")
        parser.add_argument(
            "--role",
            choices=list(Role.values),
            help="Role in the organization; new memberships default to editor, an existing one is updated.",
        )
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(
        self, *args: Any, username: str, org: str, role: str | None, name: str, **options: Any
    ) -> None:
        if not username.strip() or not org.strip():
            raise CommandError("USERNAME and --org must not be empty.")
        with transaction.atomic():
            organization, org_created = Organization.objects.get_or_create(slug=org, defaults={"name": org})
            user, user_created = get_user_model().objects.get_or_create(username=username)
            if user_created:
                user.set_unusable_password()  # API access only until someone sets a password
                user.save()
            membership = _ensure_membership(user, organization, role)
            token, secret = ApiToken.objects.issue(user, name)
        self.stderr.write(_summary(organization, org_created, user, user_created, membership, token))
        self.stdout.write(secret)


def _ensure_membership(user: Any, organization: Organization, role: str | None) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role or Role.EDITOR}
    )
    if not created and role and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _summary(
    organization: Organization,
    org_created: bool,
    user: Any,
    user_created: bool,
    membership: Membership,
    token: ApiToken,
) -> str:
    return (
        f"organization {organization.slug} ({'created' if org_created else 'existing'}); "
        f"user {user.username} ({'created' if user_created else 'existing'}); role {membership.role}; "
        f"token {token.key_prefix}… '{token.name}' created. The secret below is shown only once:"
    )
