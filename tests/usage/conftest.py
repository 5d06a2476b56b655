"""Fixtures for the usage-import Django layer: sample uploads and a team import.

The organizations, their members and the scenario are the shared ones (tests/conftest.py); the sample-file
helpers and `member` are tests/factories.py's, imported from here by the usage tests."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.models import Organization
from procurement.models.usage import EngineerMonthUsage, FeatureMonthUsage, UsageFile, UsageImport
from procurement.usage.importing import Upload
from tests.factories import CCUSAGE_PATHS as CCUSAGE_PATHS
from tests.factories import USAGE_DIR as USAGE_DIR
from tests.factories import UsageImportFactory, UserFactory
from tests.factories import ccusage_uploads as ccusage_uploads
from tests.factories import member as member
from tests.factories import upload as upload

SHAPE_PATHS = sorted((USAGE_DIR / "ccusage-shapes").glob("*.json"))
ADMIN_REPORTS = ("admin-usage-report.json", "admin-cost-report.json")
ANALYTICS = "claude-code-analytics.json"
CENT = 0.005  # "to the cent": within half a cent


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


@pytest.fixture
def team_import(organization: Organization) -> UsageImport:
    """Six engineers' ccusage files imported as the team Platform."""
    return UsageImportFactory.create(organization=organization)


@pytest.fixture
def superuser(db: None) -> Any:
    return UserFactory.create(username="root", is_superuser=True)


def usageimport_url(name: str, *args: Any) -> str:
    """An admin URL of the usage import admin (`upload`, `change`, `apply`, ...)."""
    return reverse(f"admin:procurement_usageimport_{name}", args=args)


def uploaded(relative: str) -> SimpleUploadedFile:
    """A fixture usage file as the admin's upload form receives it."""
    return SimpleUploadedFile((USAGE_DIR / relative).name, (USAGE_DIR / relative).read_bytes())
