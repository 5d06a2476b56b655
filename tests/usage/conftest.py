"""Fixtures for the usage-import Django layer: sample uploads, organizations and their members."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.models import Membership, Organization, Role
from procurement.models.usage import EngineerMonthUsage, FeatureMonthUsage, UsageFile, UsageImport
from procurement.usage_services import Upload
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

USAGE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "usage"
CCUSAGE_PATHS = sorted((USAGE_DIR / "ccusage").glob("*.json"))
SHAPE_PATHS = sorted((USAGE_DIR / "ccusage-shapes").glob("*.json"))
ADMIN_REPORTS = ("admin-usage-report.json", "admin-cost-report.json")
ANALYTICS = "claude-code-analytics.json"
CENT = 0.005  # "to the cent": within half a cent


def upload(relative: str) -> Upload:
    path = USAGE_DIR / relative
    return Upload(name=path.name, content=path.read_bytes())


def ccusage_uploads() -> list[Upload]:
    return [Upload(name=path.name, content=path.read_bytes()) for path in CCUSAGE_PATHS]


def zip_of(uploads: list[Upload]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in uploads:
            archive.writestr(f"team/{item.name}", item.content)
    return buffer.getvalue()


def file_total_cost_usd(relative: str) -> float:
    """The `totals.totalCost` a ccusage file states about itself."""
    total: float = json.loads((USAGE_DIR / relative).read_bytes())["totals"]["totalCost"]
    return total


def stored_row_counts() -> tuple[int, int, int, int]:
    return (
        UsageImport.objects.count(),
        UsageFile.objects.count(),
        EngineerMonthUsage.objects.count(),
        FeatureMonthUsage.objects.count(),
    )


def member(organization: Organization, role: str) -> Any:
    membership: Membership = MembershipFactory.create(organization=organization, role=role)
    return membership.user


@pytest.fixture
def organization(db: None) -> Organization:
    return OrganizationFactory.create(name="Acme", slug="acme")


@pytest.fixture
def other_organization(db: None) -> Organization:
    return OrganizationFactory.create(name="Globex", slug="globex")


@pytest.fixture
def editor(organization: Organization) -> Any:
    return member(organization, Role.EDITOR)


@pytest.fixture
def viewer(organization: Organization) -> Any:
    return member(organization, Role.VIEWER)


@pytest.fixture
def outsider(other_organization: Organization) -> Any:
    """An editor of another organization only."""
    return member(other_organization, Role.EDITOR)


@pytest.fixture
def superuser(db: None) -> Any:
    return UserFactory.create(username="root", is_superuser=True)


def usageimport_url(name: str, *args: Any) -> str:
    """An admin URL of the usage import admin (`upload`, `change`, `apply`, ...)."""
    return reverse(f"admin:procurement_usageimport_{name}", args=args)


def uploaded(relative: str) -> SimpleUploadedFile:
    """A fixture usage file as the admin's upload form receives it."""
    return SimpleUploadedFile((USAGE_DIR / relative).name, (USAGE_DIR / relative).read_bytes())
