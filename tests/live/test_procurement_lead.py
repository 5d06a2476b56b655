"""The procurement lead's journey through the admin, in a real browser against the stack's real server.

Everything through the forms a person sees, no JSON typed: a scenario from scratch with bands, a team and a
feature; a forecast run watched while the worker computes it; the run page; the brief; ccusage files
uploaded, a fit previewed and applied to the team; a second run; the two runs compared. A screenshot of
each step lands in out/journeys/<stack>/procurement_lead/.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.live.conftest import Journey
from tests.live.stack import DEMO_PASSWORD, DEMO_USERNAME, Stack

pytestmark = pytest.mark.live
CCUSAGE = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "ccusage").glob("eng-*.json"))
RUN_TIMEOUT_MS = 240_000


def _fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)


def _run_id(page: Any) -> int:
    match = re.search(r"/forecastrun/(\d+)/change/", page.url)
    assert match, page.url
    return int(match.group(1))


def _saved(page: Any) -> None:
    """The admin's success message, or a failure that quotes the form's errors."""
    page.locator(".messagelist .success").or_(page.locator(".errornote")).first.wait_for()
    errors = page.locator(".errornote, .errorlist")
    assert errors.count() == 0, "\n".join(errors.all_inner_texts())


def _wait_for_results(page: Any) -> None:
    """The run page polls status.json and reloads itself when the run finishes."""
    page.locator("#forecast-results h2", has_text="Executive summary").or_(
        page.get_by_role("heading", name="Forecast failed")
    ).first.wait_for(timeout=RUN_TIMEOUT_MS)
    assert page.get_by_role("heading", name="Forecast failed").count() == 0, page.inner_text("#content")


def test_procurement_lead(page: Any, stack: Stack, journey: Journey) -> None:
    name = f"Acme FY2027 from the forms ({stack.name})"
    blocked: list[str] = []  # what the pages' Content-Security-Policy refused: the admin must need nothing
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto("/")
    journey.step("the landing page at /", page)
    page.get_by_role("link", name="Admin").click()
    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", DEMO_PASSWORD)
    journey.step("log in", page)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Scenarios").first.wait_for()
    journey.step("admin home", page)

    page.get_by_role("link", name="Scenarios").first.click()
    page.get_by_role("link", name="Add scenario").click()
    assert page.locator("#id_organization option:checked").inner_text() == "Demo Company"  # preselected
    _fill(page, {"name": name, "term_months": "24", "simulation_trials": "10000", "simulation_seed": "42"})
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()  # any day: stored as the 1st
    today = dt.date.today()
    _fill(page, {"discount_bands-0-min_commitment": "0", "discount_bands-0-discount": "0"})
    page.get_by_text("Add another Discount band").click()
    _fill(page, {"discount_bands-1-min_commitment": "250000", "discount_bands-1-discount": "10"})
    page.get_by_text("Add another Team").click()
    _fill(
        page,
        {
            "teams-0-name": "Platform",
            "teams-0-headcount_now": "12",
            "teams-0-headcount_end": "16",
            "teams-0-adoption_now": "60",
            "teams-0-adoption_end": "85",
            "teams-0-usage_median_usd": "150",
            "teams-0-usage_p90_usd": "600",
        },
    )
    for plan in ("api", "pro", "max_5x", "max_20x"):
        page.locator(f'[name="teams-0-allowed_plans"][value="{plan}"]').check()
    page.get_by_text("Add another Feature").click()
    _fill(
        page,
        {
            "features-0-name": "Support summariser",
            "features-0-requests_per_month": "2000000",
            "features-0-growth": "4",
            "features-0-input_tokens": "3000",
            "features-0-output_tokens": "400",
            "features-0-model_mix__claude-sonnet-4-5": "80",
            "features-0-model_mix__claude-haiku-4-5": "20",
            "features-0-cache_hit_rate": "50",
        },
    )
    journey.step("a new scenario filled in through the forms", page, full_page=True)
    page.locator('input[name="_continue"]').first.click()
    _saved(page)
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    assert page.locator("#id_start_month").input_value() == today.replace(day=1).isoformat()
    assert page.locator('[name="discount_bands-1-discount"]').input_value() in ("10", "10.0")
    journey.step("saved; the start month is the 1st of this month", page)

    page.get_by_role("button", name="Run forecast").click()
    page.wait_for_url(re.compile(r"/forecastrun/\d+/change/"))
    first_run = _run_id(page)
    progress = page.locator("#forecast-progress")
    assert progress.count() == 1, "the run page should show progress while the worker computes"
    journey.step("run started: the page shows progress at once", page)
    _wait_for_results(page)
    assert "(succeeded)" in page.locator(".breadcrumbs").inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    journey.step("the run page opens with the decision cards", page)
    cards = page.locator("#decision-cards .decision-card")
    assert cards.count() == 4  # commitment, saving, seat order, risk
    for index in range(cards.count()):  # all four whole above the fold of a 900-pixel-high window
        box = cards.nth(index).bounding_box()
        assert box is not None
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= 900, (cards.nth(index).inner_text(), box)
    figures = page.locator("#decision-cards .figure").all_inner_texts()
    assert all(re.search(r"\d", figure) for figure in figures), figures
    assert page.locator("#negotiation-sheet tbody tr").count() >= 3
    assert page.locator("#walk-away li").count() >= 1
    assert page.evaluate("document.body.scrollHeight") < 12_000  # the result JSON is only a link
    stored = page.request.get(
        page.get_by_role("link", name="Result (JSON)", exact=True).get_attribute("href")
    )
    assert stored.ok
    assert stored.json()["negotiation"]["asks"]
    results = page.locator("#forecast-results").inner_text()
    assert "Executive summary" in results
    assert name in page.locator("#content").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download brief").first.click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert name in text
    journey.step(f"brief downloaded: a {len(pdf):,}-byte PDF naming the scenario")

    page.goto("/admin/procurement/usageimport/")
    page.get_by_role("link", name=re.compile("Upload usage files")).first.click()
    page.locator("#id_usage_files").set_input_files([str(path) for path in CCUSAGE])
    page.fill("#id_team", "Platform")
    journey.step(f"upload {len(CCUSAGE)} ccusage files for the team", page)
    page.get_by_role("button", name="Import").click()
    page.locator(".messagelist").wait_for()
    journey.step("the import's fits and warnings (preview)", page, full_page=True)
    assert "Platform" in page.locator("#content").inner_text()

    page.get_by_role("link", name="Apply a fit to a scenario").click()
    page.locator("#id_fit").select_option(label="team: Platform")
    page.locator("#id_scenario").select_option(label=name)
    page.fill("#id_target", "Platform")
    journey.step("apply the team fit to the scenario's team", page)
    page.get_by_role("button", name="Preview").click()
    page.locator("#fit-changes").wait_for()  # before and after, and the cost change: nothing written yet
    journey.step("the fit's preview", page, full_page=True)
    page.get_by_role("button", name="Apply").click()
    _saved(page)
    journey.step("fit applied", page)

    page.goto("/admin/procurement/scenario/")
    page.get_by_role("link", name=name).click()
    median_after = float(page.locator('[name="teams-0-usage_median_usd"]').input_value())
    assert median_after != 150.0  # the fit replaced the typed usage
    page.get_by_role("button", name="Run forecast").click()
    page.wait_for_url(re.compile(r"/forecastrun/\d+/change/"))
    second_run = _run_id(page)
    assert second_run != first_run
    _wait_for_results(page)
    journey.step("re-run with the fitted usage", page)

    page.get_by_role("link", name="Compare with previous run of this scenario").click()
    page.locator("table").first.wait_for()
    compared = page.locator("#content").inner_text()
    assert f"#{first_run}" in compared
    assert f"#{second_run}" in compared
    journey.step("the two runs side by side", page, full_page=True)

    page.goto("/admin/procurement/scenario/")
    row = page.locator("tr", has=page.get_by_role("link", name=name))
    assert re.search(r"\$[\d.,]+[KM]?", row.inner_text()), row.inner_text()  # the last result's figures
    journey.step("the scenario list with the last result", page)
    assert blocked == []
