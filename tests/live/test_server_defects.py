"""Defects only a real server shows (issue 10), each checked through the stack's own web server.

Under the embedded stack that is `runserver`, whose wsgiref handler refuses a header value that is a `str`
subclass and labels a request without Content-Type as `text/plain`; under the services stack gunicorn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.live.stack import Stack

pytestmark = pytest.mark.live
USAGE_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "claude-code-analytics.json"


@pytest.fixture(scope="session")
def token(stack: Stack) -> str:
    """An editor's API token in the demo organization, as the README tells a planning tool to make one."""
    made = stack.manage("create_api_token", "defects-probe", "--org", "demo", "--role", "editor")
    return made.stdout.strip()


@pytest.fixture
def api(stack: Stack, token: str) -> Any:
    with httpx.Client(base_url=stack.base_url, headers={"Authorization": f"Token {token}"}, timeout=30) as c:
        yield c


def _demo_scenario_id(api: httpx.Client) -> int:
    listed = api.get("/api/v1/scenarios/").json()
    return int(next(s["id"] for s in listed["results"] if s["name"] == "Northwind Software FY2027"))


def test_starting_a_forecast_answers_202_with_a_location_the_client_can_follow(
    api: httpx.Client, stack: Stack
) -> None:
    scenario_id = _demo_scenario_id(api)
    response = api.post(f"/api/v1/scenarios/{scenario_id}/forecasts/", json={"trials": 1000, "seed": 3})
    assert response.status_code == 202, (response.status_code, response.text[:300], stack.tails())
    body = response.json()
    assert response.headers["location"] == body["url"]
    assert urlsplit(response.headers["location"]).path == f"/api/v1/forecasts/{body['id']}/"
    followed = api.get(response.headers["location"])
    assert (followed.status_code, followed.json()["id"]) == (200, body["id"])


def test_an_empty_forecast_post_starts_a_run_with_the_scenarios_defaults(api: httpx.Client) -> None:
    """No body and no Content-Type: runserver passes it on as text/plain, which used to be a 415."""
    scenario_id = _demo_scenario_id(api)
    request = api.build_request("POST", f"/api/v1/scenarios/{scenario_id}/forecasts/")
    assert "content-type" not in request.headers
    assert request.content == b""
    response = api.send(request)
    assert response.status_code == 202, response.text[:300]
    assert response.json()["trials"] == 20_000  # the demo scenario's own trials
    # A body that is there but not JSON is still refused.
    refused = api.post(
        f"/api/v1/scenarios/{scenario_id}/forecasts/", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 415


def test_a_usage_import_answers_201_with_its_location(api: httpx.Client) -> None:
    files = {"files": (USAGE_FILE.name, USAGE_FILE.read_bytes(), "application/json")}
    response = api.post("/api/v1/usage-imports/", files=files)
    assert response.status_code in (200, 201), response.text[:500]
    assert response.headers["location"] == response.json()["url"]
    assert api.get(response.headers["location"]).status_code == 200


def test_a_scenario_fetched_with_get_can_be_sent_back_as_it_is(api: httpx.Client) -> None:
    scenario_id = _demo_scenario_id(api)
    fetched = api.get(f"/api/v1/scenarios/{scenario_id}/").json()
    assert {"id", "url", "created_at", "updated_at"} <= fetched.keys()
    put = api.put(f"/api/v1/scenarios/{scenario_id}/", json=fetched)
    assert put.status_code == 200, put.text[:500]
    assert {k: v for k, v in put.json().items() if k != "updated_at"} == {
        k: v for k, v in fetched.items() if k != "updated_at"
    }
    copy = {**fetched, "name": "Northwind copy from GET", "id": 999_999, "url": "http://elsewhere/x/"}
    created = api.post("/api/v1/scenarios/", json=copy)
    assert created.status_code == 201, created.text[:500]
    assert created.json()["id"] not in (999_999, scenario_id)  # read-only fields are ignored, not obeyed
    assert api.delete(created.headers["location"]).status_code == 204


def test_the_root_leads_to_the_admin_and_the_api_docs(stack: Stack) -> None:
    response = httpx.get(stack.url("/"), follow_redirects=True)
    assert response.status_code == 200
    for link in ('href="/admin/"', 'href="/api/docs/"', 'href="/api/redoc/"'):
        assert link in response.text


@pytest.mark.parametrize("path", ["/api/redoc/", "/api/docs/", "/admin/login/"])
def test_pages_make_no_request_beyond_this_server(page: Any, stack: Stack, path: str) -> None:
    """Redoc used to ask Google Fonts for its fonts: offline that fails, online it tells a third party."""
    requested: list[str] = []
    blocked: list[str] = []  # stopped by the page's Content-Security-Policy, never sent

    def failed(request: Any) -> None:
        if (request.failure or "").lower() in ("csp", "net::err_blocked_by_csp"):
            blocked.append(request.url)

    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", failed)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    elsewhere = [url for url in requested if not url.startswith((stack.base_url, "data:", "blob:"))]
    # Redoc's bundle asks for its logo from cdn.redoc.ly; the page's CSP stops it in the browser, unsent.
    assert [url for url in elsewhere if url not in blocked] == []
    assert len(requested) > 1  # the page did load its scripts and styles
    if path == "/api/redoc/":
        page.get_by_text("Claude commitment sizing API").first.wait_for()
    static = [url for url in requested if url.startswith(stack.base_url + "/static/")]
    assert static
    for url in static:
        assert httpx.get(url).status_code == 200, url  # static files served (WhiteNoise under gunicorn)
