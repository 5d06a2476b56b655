"""API tokens: printed once by create_api_token, stored hashed, accepted by DRF, refused once revoked."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from procurement.models import ApiToken, Membership, Organization
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def acme() -> Organization:
    return OrganizationFactory.create(slug="acme", name="Acme")


class WhoAmI(APIView):
    """A tiny view using the project's default authentication classes."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"username": request.user.username})


def _call(authorization: str | None) -> Response:
    factory = APIRequestFactory()
    request = (
        factory.get("/whoami")
        if authorization is None
        else factory.get("/whoami", HTTP_AUTHORIZATION=authorization)
    )
    return WhoAmI.as_view()(request)


def _create_token(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_created_token_authenticates_its_user() -> None:
    secret, summary = _create_token("alice", "--org", "acme", "--role", "viewer", "--name", "sheet sync")
    assert "shown only once" in summary
    response = _call(f"Token {secret}")
    assert response.status_code == 200
    assert response.data == {"username": "alice"}


def test_command_creates_user_and_membership_and_keeps_the_role_it_is_not_told_to_change(
    acme: Organization,
) -> None:
    _, summary = _create_token("bob", "--org", "acme")
    user = get_user_model().objects.get(username="bob")
    assert not user.has_usable_password()
    assert Membership.role_of(user, acme) == "editor"  # the default role
    assert "role editor (new membership)" in summary
    _, summary = _create_token("bob", "--org", "acme", "--role", "editor")
    assert "role editor (unchanged)" in summary
    _, summary = _create_token("bob", "--org", "acme")
    assert ApiToken.objects.filter(user=user).count() == 3


def test_a_token_never_silently_changes_an_existing_members_role(acme: Organization) -> None:
    """The README's `create_api_token demo --org demo --role editor` used to demote the demo admin."""
    _create_token("ivan", "--org", "acme", "--role", "admin")
    user = get_user_model().objects.get(username="ivan")
    with pytest.raises(CommandError, match=r"already admin in acme; --role editor would change that"):
        _create_token("ivan", "--org", "acme", "--role", "editor")
    assert Membership.role_of(user, acme) == "admin"
    assert ApiToken.objects.filter(user=user).count() == 1  # nothing half-done
    _, summary = _create_token("ivan", "--org", "acme", "--role", "editor", "--change-role")
    assert "role changed from admin to editor" in summary
    assert Membership.role_of(user, acme) == "editor"


def test_a_mistyped_organization_is_refused_not_created() -> None:
    with pytest.raises(CommandError, match=r"No organization with slug 'amce' \(existing: acme\)"):
        _create_token("judy", "--org", "amce")
    assert not Organization.objects.filter(slug="amce").exists()
    assert not get_user_model().objects.filter(username="judy").exists()
    _, summary = _create_token("judy", "--org", "newco", "--create-org")
    assert "organization newco (created)" in summary
    judy, newco = get_user_model().objects.get(username="judy"), Organization.objects.get(slug="newco")
    assert Membership.role_of(judy, newco) == "editor"


def test_only_the_hash_of_the_secret_is_stored() -> None:
    secret, _ = _create_token("carol", "--org", "acme")
    token = ApiToken.objects.get(user__username="carol")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert all(secret not in value for value in stored)
    assert secret.startswith(token.key_prefix)
    assert len(secret) > len(token.key_prefix) + 30  # the prefix shown in the admin is a small part


def test_revoked_token_is_refused() -> None:
    secret, _ = _create_token("dave", "--org", "acme")
    assert ApiToken.objects.filter(user__username="dave").revoke() == 1
    assert _call(f"Token {secret}").status_code == 401


@pytest.mark.parametrize(
    "authorization",
    ["Token ccs_not-a-real-token", "Token", "Token a b", "token  ", "Bearer abc", None],
)
def test_missing_or_wrong_credentials_are_refused(authorization: str | None) -> None:
    _create_token("erin", "--org", "acme")
    assert _call(authorization).status_code == 401


def test_token_of_an_inactive_user_is_refused() -> None:
    secret, _ = _create_token("frank", "--org", "acme")
    get_user_model().objects.filter(username="frank").update(is_active=False)
    assert _call(f"Token {secret}").status_code == 401


def test_last_used_is_written_once_a_minute_not_on_every_request(django_assert_num_queries: Any) -> None:
    secret, _ = _create_token("grace", "--org", "acme")
    with django_assert_num_queries(2):  # look-up + last_used UPDATE
        assert _call(f"Token {secret}").status_code == 200
    assert ApiToken.objects.get(user__username="grace").last_used_at is not None
    with django_assert_num_queries(1):  # look-up only
        assert _call(f"Token {secret}").status_code == 200


def test_admin_shows_a_new_secret_once_and_it_works() -> None:
    membership = MembershipFactory.create()
    client = Client()
    client.force_login(membership.user)
    response = client.post(reverse("admin:procurement_apitoken_add"), {"name": "laptop"})
    assert response.status_code == 200
    page = response.content.decode()
    token = ApiToken.objects.get(user=membership.user)
    secret = page.split('<code id="api-token-secret">')[1].split("</code>")[0]
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert _call(f"Token {secret}").status_code == 200
    change_page = client.get(reverse("admin:procurement_apitoken_change", args=[token.pk])).content.decode()
    assert secret not in change_page


def test_admin_revoke_action_stops_the_token() -> None:
    secret, _ = _create_token("heidi", "--org", "acme")
    user = get_user_model().objects.get(username="heidi")
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    token = ApiToken.objects.get(user=user)
    data = {"action": "revoke_tokens", "_selected_action": [token.pk]}
    client.post(reverse("admin:procurement_apitoken_changelist"), data)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _call(f"Token {secret}").status_code == 401
