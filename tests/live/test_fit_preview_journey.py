"""Applying a usage fit with its preview, end to end on the stack's real server (issue 13, item 6).

In the admin with Debian's chromium: upload the ccusage files -> the apply form -> the preview page (each
changed input before and after, the flags, the cost change from the quick forecast; a screenshot under
out/journeys/) -> Apply -> run a forecast with the fitted team -> Undo. Through the API on the same
server: upload -> preview -> apply -> forecast -> the history -> undo.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live.conftest import Journey
from tests.live.stack import DEMO_PASSWORD, DEMO_USERNAME, Stack

pytestmark = pytest.mark.live
CCUSAGE = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "ccusage").glob("eng-*.json"))
RUN_TIMEOUT_SECONDS = 240
DEMO_SCENARIO = "Northwind Software FY2027"


@pytest.fixture(scope="module")
def api(stack: Stack) -> Any:
    """An editor's token client in the demo organization (as the README tells a planning tool)."""
    token = stack.manage(
        "create_api_token", "fit-preview", "--org", "demo", "--role", "editor"
    ).stdout.strip()
    with httpx.Client(base_url=stack.base_url, headers={"Authorization": f"Token {token}"}, timeout=60) as c:
        yield c


def scenario_copy(api: httpx.Client, name: str) -> dict[str, Any]:
    """A copy of the demo scenario with fewer trials (a live run in seconds), made through the API."""
    listed = api.get("/api/v1/scenarios/", params={"page_size": 100}).json()["results"]
    demo = api.get(next(s["url"] for s in listed if s["name"] == DEMO_SCENARIO)).json()
    made = api.post(
        "/api/v1/scenarios/", json={**demo, "name": name, "simulation": {"trials": 2000, "seed": 5}}
    )
    assert made.status_code == 201, made.text[:500]
    body: dict[str, Any] = made.json()
    return body


def upload_ccusage(api: httpx.Client) -> int:
    files = [("files", (path.name, path.read_bytes(), "application/json")) for path in CCUSAGE]
    response = api.post("/api/v1/usage-imports/", files=files, data={"team": "Platform"})
    assert response.status_code in (200, 201), response.text[:500]  # 200: another journey imported them
    return int(response.json()["id"])


def expected_flags(api: httpx.Client, page_url: str) -> list[str]:
    """The flags the stored Platform fit should raise (issue 13's thresholds), read through the API."""
    match = re.search(r"/usageimport/(\d+)/", page_url)
    assert match, page_url
    fits = api.get(f"/api/v1/usage-imports/{match.group(1)}/").json()["fits"]
    fit = next(f for f in fits["teams"] if f["name"] == "Platform")
    flags = ["usage_growth"] if abs(fit.get("usage_growth", 0.0)) > 0.05 else []
    flags += ["usage_p90_usd"] if fit["usage_p90_usd"] > 20 * fit["usage_median_usd"] else []
    return flags + (["engineers"] if fit["fit"]["engineers"] < 10 else [])


def test_fit_preview_in_the_admin(page: Any, stack: Stack, journey: Journey, api: httpx.Client) -> None:
    scenario = scenario_copy(api, f"Fit preview in the admin ({stack.name})")
    page.goto("/admin/login/")
    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Scenarios").first.wait_for()

    page.goto("/admin/procurement/usageimport/upload/")
    page.locator("#id_usage_files").set_input_files([str(path) for path in CCUSAGE])
    page.fill("#id_team", "Platform")
    page.get_by_role("button", name="Import").click()
    page.locator(".messagelist").wait_for()
    journey.step(f"{len(CCUSAGE)} ccusage files imported as the team Platform", page)

    page.get_by_role("link", name="Apply a fit to a scenario").click()
    page.locator("#id_fit").select_option(label="team: Platform")
    page.locator("#id_scenario").select_option(label=scenario["name"])
    page.fill("#id_target", "Platform")
    page.get_by_role("button", name="Preview").click()
    page.locator("#fit-changes").wait_for()
    journey.step("the preview: inputs before and after, flags, cost change", page, full_page=True)
    changes = page.locator("#fit-changes").inner_text()
    assert "teams[0].usage_median_usd" in changes
    assert page.locator("#fit-flags li").count() == len(expected_flags(api, page.url))
    costs = page.locator("#fit-costs").inner_text()
    assert "Platform: expected seat cost over the term" in costs
    assert re.search(r"[+−]\$[\d,]+ \([+−]?\d+\.\d%\)", costs), costs
    fetched = api.get(scenario["url"]).json()
    assert fetched["teams"][0]["usage_median_usd"] == scenario["teams"][0]["usage_median_usd"]  # not written

    page.get_by_role("button", name="Apply").click()
    page.locator(".messagelist .success").wait_for()
    assert "was applied to" in page.locator(".messagelist").inner_text()
    journey.step("applied: the scenario page, with Undo in the message", page)
    median = float(page.locator('[name="teams-0-usage_median_usd"]').input_value())
    assert median != scenario["teams"][0]["usage_median_usd"]

    page.get_by_role("button", name="Run forecast").click()
    page.wait_for_url(re.compile(r"/forecastrun/\d+/change/"))
    page.locator("#forecast-results h2", has_text="Executive summary").or_(
        page.get_by_role("heading", name="Forecast failed")
    ).first.wait_for(timeout=RUN_TIMEOUT_SECONDS * 1000)
    assert page.get_by_role("heading", name="Forecast failed").count() == 0, page.inner_text("#content")
    journey.step("a forecast run with the fitted team", page)

    page.goto("/admin/procurement/scenariorevision/")  # the scenario's history
    page.get_by_role("link", name=re.compile(f"of {re.escape(scenario['name'])}")).first.click()
    page.locator("#revision-changes").wait_for()
    journey.step("the revision: what the fit changed, and Undo", page, full_page=True)
    page.locator("#revision-undo").click()
    page.locator(".messagelist .success").wait_for()
    restored = api.get(scenario["url"]).json()
    assert restored["teams"] == scenario["teams"]
    journey.step("undone: the scenario as it was", page)


def test_fit_preview_through_the_api(stack: Stack, journey: Journey, api: httpx.Client) -> None:
    scenario = scenario_copy(api, f"Fit preview through the API ({stack.name})")
    import_id = upload_ccusage(api)
    journey.step("upload the ccusage files")
    body = {"scenario": scenario["id"], "team": "Platform"}
    preview = api.post(f"/api/v1/usage-imports/{import_id}/preview/", json=body)
    assert preview.status_code == 200, (preview.text[:500], stack.tails())
    shown = preview.json()
    assert shown["applied"] is False
    assert "teams[0].usage_median_usd" in {c["path"] for c in shown["changes"]}
    fits = api.get(f"/api/v1/usage-imports/{import_id}/").json()
    assert [f["field"] for f in shown["flags"]] == expected_flags(api, f"/usageimport/{fits['id']}/")
    assert shown["subject_cost"]["change"] == pytest.approx(
        shown["subject_cost"]["after"] - shown["subject_cost"]["before"]
    )
    journey.step(f"preview: {len(shown['changes'])} inputs change, {shown['simulation']['seconds']:.2f} s")
    assert api.get(scenario["url"]).json()["teams"] == scenario["teams"]  # the preview wrote nothing

    applied = api.post(f"/api/v1/usage-imports/{import_id}/apply/", json=body)
    assert applied.status_code == 200, applied.text[:500]
    fitted = {c["field"]: c["after"] for c in shown["changes"]}
    assert applied.json()["teams"][0]["usage_median_usd"] == pytest.approx(fitted["usage_median_usd"])
    journey.step("applied")

    started = api.post(f"/api/v1/scenarios/{scenario['id']}/forecasts/", json={})
    assert started.status_code == 202, started.text[:500]
    run_url = started.headers["location"]
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    run = api.get(run_url).json()
    while run["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(1)
        run = api.get(run_url).json()
    assert run["status"] == "succeeded", (run.get("error"), stack.tails())
    team = next(t for t in run["result"]["seats"]["teams"] if t["name"] == "Platform")
    assert team["expected_cost"] > 0
    journey.step("a forecast of the fitted scenario succeeded")

    history = api.get(f"/api/v1/scenarios/{scenario['id']}/revisions/").json()["results"]
    assert [(r["kind"], r["can_undo"]) for r in history] == [("apply", True)]
    undone = api.post(f"/api/v1/scenario-revisions/{history[0]['id']}/undo/")
    assert undone.status_code == 200, undone.text[:500]
    assert undone.json()["teams"] == scenario["teams"]
    journey.step("undone through the API")
