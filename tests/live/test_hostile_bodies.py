"""The hostile request list (tests/live/hostile.py) against the stack's real server: each answered 4xx in
JSON, naming its field where it has one, within a second; no gunicorn worker timed out meanwhile."""

from __future__ import annotations

import httpx
import pytest

from tests.live.conftest import SCREENSHOTS
from tests.live.hostile import DEADLINE_SECONDS, replay, table
from tests.live.stack import Stack

pytestmark = pytest.mark.live


def test_every_hostile_request_is_refused_quickly_in_json(stack: Stack) -> None:
    tokens = {
        role: stack.manage(
            "create_api_token", f"hostile-{role}", "--org", "demo", "--role", role
        ).stdout.strip()
        for role in ("editor", "viewer")
    }
    listed = httpx.get(
        stack.url("/api/v1/scenarios/"), headers={"Authorization": f"Token {tokens['editor']}"}, timeout=30
    ).json()
    scenario_id = next(s["id"] for s in listed["results"] if s["name"] == "Northwind Software FY2027")
    answers = replay(stack.base_url, tokens, scenario_id, timeout=30)
    report = table(answers)
    SCREENSHOTS.joinpath(stack.name).mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.joinpath(stack.name, "hostile.md").write_text(report + "\n")
    print(f"\n{stack.name} ({stack.server}):\n{report}")
    failed = [answer for answer in answers if not answer.ok]
    assert failed == [], f"over {DEADLINE_SECONDS} s, wrong status, not JSON or no field:\n{report}"
    assert "WORKER TIMEOUT" not in stack.log("web")
    assert httpx.get(stack.url("/healthz"), timeout=5).status_code == 200
