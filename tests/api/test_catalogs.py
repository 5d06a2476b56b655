"""Catalog endpoints: global reference data, read-only, readable by any authenticated user."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from procurement.models import ApiToken, PriceCatalog, catalog_snapshot
from tests.api.conftest import Member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CATALOGS = "/api/v1/catalogs/"


def test_any_authenticated_user_lists_the_shipped_catalog(db: None) -> None:
    client = APIClient()
    _, secret = ApiToken.objects.issue(UserFactory.create(), "no organization")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    body = client.get(CATALOGS).json()
    assert body["count"] == PriceCatalog.objects.count() >= 1
    shipped = next(item for item in body["results"] if item["slug"] == "anthropic-list-2026-11")
    assert shipped["url"] == "http://testserver/api/v1/catalogs/anthropic-list-2026-11/"
    assert shipped["as_of"] == "2026-11-01"


def test_catalog_detail_is_the_snapshot_a_forecast_run_stores(editor: Member, default_catalog: Any) -> None:
    body = editor.call("GET", f"{CATALOGS}{default_catalog.slug}/").json()
    snapshot = catalog_snapshot(default_catalog)
    assert {key: body[key] for key in snapshot} == snapshot
    assert len(body["models"]) >= 10
    assert all(row["source"] for row in body["models"] + body["plans"] + body["usage_presets"])


def test_catalogs_cannot_be_written(editor: Member, default_catalog: Any) -> None:
    path = f"{CATALOGS}{default_catalog.slug}/"
    statuses = [
        editor.call("POST", CATALOGS, {"slug": "mine"}).status_code,
        editor.call("PUT", path, {"slug": "mine"}).status_code,
        editor.call("DELETE", path).status_code,
    ]
    assert statuses == [405, 405, 405]
    assert PriceCatalog.objects.filter(slug=default_catalog.slug).exists()


def test_an_unknown_catalog_is_a_json_404(editor: Member) -> None:
    for slug in ("nope", "x" * 150, "bad%20slug"):
        response = editor.call("GET", f"{CATALOGS}{slug}/")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_catalogs_need_authentication(db: None) -> None:
    assert APIClient().get(CATALOGS).status_code == 401
