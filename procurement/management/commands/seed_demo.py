"""`manage.py seed_demo [--reset]`: the demo organization, a staff login and the demo scenario.

Idempotent and safe to repeat (`make demo` runs it every time): a demo scenario that exists is kept as the
user left it, edits included; `--reset` replaces it with `demo/demo_scenario.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from procurement.models import Membership, Organization, Role, Scenario
from procurement.scenario_document import ScenarioValidationError
from procurement.services import save_scenario

DEMO_SCENARIO = Path(__file__).resolve().parents[2] / "demo" / "demo_scenario.json"
DEMO_ORGANIZATION = {"slug": "demo", "name": "Demo Company"}
DEMO_USERNAME = "demo"
# A fixed password so `make demo` can print how to log in; it is for a local demo database only and the
# command refuses to run with DEBUG off unless --password is given.
DEMO_PASSWORD = "demo-procurement-2026"


class Command(BaseCommand):
    help = (
        "Create the demo organization, its staff login and the demo scenario where missing. An existing demo "
        "scenario is kept with its edits; --reset replaces it with the shipped one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help=f"Password for the demo login (default: {DEMO_PASSWORD!r}).")
        parser.add_argument(
            "--reset", action="store_true", help=f"Replace the demo scenario with {DEMO_SCENARIO.name}."
        )

    def handle(self, *args: Any, password: str | None, reset: bool, **options: Any) -> None:
        from django.conf import settings

        if not settings.DEBUG and not password:
            raise CommandError("DEBUG is off: pass --password rather than the fixed demo password.")
        document = json.loads(DEMO_SCENARIO.read_text())
        with transaction.atomic():
            organization, org_created = Organization.objects.get_or_create(
                slug=DEMO_ORGANIZATION["slug"], defaults={"name": DEMO_ORGANIZATION["name"]}
            )
            user_created = _ensure_login(organization, password or DEMO_PASSWORD)
            existing = Scenario.objects.filter(organization=organization, name=document["name"]).first()
            scenario = existing
            if existing is None or reset:
                try:
                    scenario = save_scenario(organization, document, scenario=existing)
                except ScenarioValidationError as error:
                    raise CommandError(f"{DEMO_SCENARIO} is invalid:\n{error}") from error
        assert scenario is not None
        verbs = {
            "organization": "created" if org_created else "existing",
            "user": "created" if user_created else "password reset",
            "scenario": "created"
            if existing is None
            else ("replaced (--reset)" if reset else "kept as it is (--reset replaces it)"),
        }
        self._report(organization, scenario, verbs, password or DEMO_PASSWORD)

    def _report(
        self, organization: Organization, scenario: Scenario, verbs: dict[str, str], password: str
    ) -> None:
        def verb(key: str) -> str:
            return verbs[key]

        teams, features = scenario.teams.count(), scenario.features.count()
        self.stdout.write(
            f"Organization “{organization.name}” (slug {organization.slug}): {verb('organization')}"
        )
        self.stdout.write(f"Staff login (admin role): {verb('user')}")
        self.stdout.write(f"  username: {DEMO_USERNAME}")
        self.stdout.write(f"  password: {password}")
        self.stdout.write(f"Scenario “{scenario.name}” (id {scenario.pk}): {verb('scenario')}")
        self.stdout.write(f"  {teams} teams, {features} features, {scenario.term_months} months")
        self.stdout.write("To see and edit it: `make serve`, then log in at http://127.0.0.1:8000/admin/.")


def _ensure_login(organization: Organization, password: str) -> bool:
    """A staff (not superuser) login with the admin role in the demo organization; password reset each run."""
    user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(user=user, organization=organization, defaults={"role": Role.ADMIN})
    return created
