"""seed_demo and the production settings check."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from procurement.models import Membership, Organization, Scenario
from procurement.scenario_document import validate_scenario_document
from procurement.services import scenario_to_document
from tests.conftest import DEFAULT_CATALOG_KEYS

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_login(demo_document: dict[str, Any]) -> None:
    first = _seed("--password", "demo-pass-123")
    second = _seed("--password", "demo-pass-123")
    assert "username: demo" in second
    assert "password: demo-pass-123" in second
    assert "created" in first
    assert "Scenario “Northwind Software FY2027”" in second
    assert (Organization.objects.count(), Scenario.objects.count(), Membership.objects.count()) == (1, 1, 1)
    scenario = Scenario.objects.get()
    assert scenario_to_document(scenario) == validate_scenario_document(
        demo_document, catalog_keys=DEFAULT_CATALOG_KEYS
    )
    membership = Membership.objects.get()
    assert (membership.user.username, membership.role, membership.user.is_staff) == ("demo", "admin", True)
    assert membership.user.check_password("demo-pass-123")


@pytest.mark.django_db
def test_seed_demo_again_keeps_the_users_edits_and_reset_replaces_them(demo_document: dict[str, Any]) -> None:
    """`make demo` runs seed_demo every time: it used to overwrite the edited demo scenario silently."""
    _seed("--password", "demo-pass-123")
    scenario = Scenario.objects.get()
    scenario.term_months = 36
    scenario.save()
    first_team = scenario.teams.order_by("position", "id").first()
    assert first_team is not None
    first_team.headcount_now = 999
    first_team.save()
    again = _seed("--password", "demo-pass-123")
    assert "kept as it is (--reset replaces it)" in again
    scenario.refresh_from_db()
    first_team.refresh_from_db()
    assert (scenario.term_months, first_team.headcount_now) == (36, 999)
    reset = _seed("--password", "demo-pass-123", "--reset")
    assert "replaced (--reset)" in reset
    assert Scenario.objects.get().pk == scenario.pk  # same scenario (its runs stay attached), new contents
    assert scenario_to_document(Scenario.objects.get()) == validate_scenario_document(
        demo_document, catalog_keys=DEFAULT_CATALOG_KEYS
    )


@pytest.mark.django_db
def test_seed_demo_uses_the_fixed_password_only_in_debug(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--password"):
        _seed()
    settings.DEBUG = True
    assert "password: demo-procurement-2026" in _seed()


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "commitments.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "procurement.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("key", "refused"),
    [
        ("short-key-of-49-characters-xxxxxxxxxxxxxxxxxxxxxx"[:49], True),
        ("a" * 60, True),  # long but not random: Django's W009 counts unique characters too
        (
            "q7Vx2LmN9pRt4WzYb8KcHd3FgJs6UaEo1XiTnBvQ5yZ0rMwPkS",
            False,
        ),  # 50 characters, fixed: xdist-stable ids
    ],
    ids=["49 characters", "60 of one character", "50 random characters"],
)
def test_a_short_or_plain_secret_key_stops_the_start_when_debug_is_off(
    tmp_path: Path, key: str, refused: bool
) -> None:
    """The README says 50+ random characters; a 10-character key used to start without complaint."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": key,
        "DJANGO_ALLOWED_HOSTS": "commitments.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'key.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "procurement.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode != 0) == refused, result.stderr[-500:]
    if refused:
        assert "DJANGO_SECRET_KEY must be at least 50 random characters" in result.stderr
