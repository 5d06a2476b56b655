"""The key inputs page (issue 14, item 6), where each input came from, and the brief's shape on a demo-sized
scenario: about 10 pages, none near-empty but the last, every URL whole on one line.

Expected strings are formatted here from the scenario document and the catalog, never pasted from a page.
"""

from __future__ import annotations

import copy
import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from forecasting.models import ForecastRun
from forecasting.services import forecast_prepared, prepare_document
from procurement.models import PriceCatalog, ScenarioRevision, catalog_snapshot
from reports.brief import render_brief
from reports.brief_data import BriefData, models_used
from reports.formatting import money, percent, plain_number, price, seats
from reports.pages.method import SENTENCE_END, shared_passages
from reports.services import brief_data_for, fitted_sources
from tests.factories import ForecastRunFactory, ScenarioFactory
from tests.reports.fixture_result import example_document
from tests.reports.pdf_tools import example_data, line_with, page_texts, reader, render_pngs, squash
from tests.reports.run_rows import example_result, organization

MAX_DEMO_PAGES = 10  # issue 14: "about 10 pages for the demo"
MIN_FILL = 0.25  # a page other than the last uses at least a quarter of its text height
# A web address with a path, with or without its scheme (`rhombus.so/limits`, `https://claude.com/...`).
URL = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s)\]\[,;'\"]*", re.IGNORECASE)


def page_with(texts: list[str], title: str) -> str:
    return next(text for text in texts if any(line.strip() == title for line in text.splitlines()))


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return example_document()


@pytest.fixture(scope="module")
def inputs_page(document: dict[str, Any]) -> str:
    return page_with(page_texts(render_brief(example_data(scenario=document))), "Key inputs")


def test_each_team_shows_its_headcount_and_adoption_paths_and_source(
    inputs_page: str, document: dict[str, Any]
) -> None:
    presets = {p["key"]: p for p in example_data().catalog["usage_presets"]}
    for team in document["teams"]:
        median, p90 = (
            (presets[team["usage_preset"]]["median_usd"], presets[team["usage_preset"]]["p90_usd"])
            if team["usage_preset"]
            else (team["usage_median_usd"], team["usage_p90_usd"])
        )
        line_with(
            inputs_page,
            team["name"],
            f"{seats(team['headcount_now'])} → {seats(team['headcount_end'])}",
            f"{percent(team['adoption_now'])} → {percent(team['adoption_end'])}",
            f"{money(median)} / {money(p90)}",
            "preset" if team["usage_preset"] else "scenario",
        )


def test_each_feature_shows_its_volume_growth_and_source(inputs_page: str, document: dict[str, Any]) -> None:
    for feature in document["features"]:
        line_with(
            inputs_page,
            feature["name"][:12],
            plain_number(feature["requests_per_month"]),
            percent(feature["growth"]),
            f"{plain_number(feature['input_tokens'])} / {plain_number(feature['output_tokens'])}",
        )


def test_the_contract_terms_are_stated(inputs_page: str, document: dict[str, Any]) -> None:
    api = document["contract"]["api"]
    text = squash(inputs_page)
    bands = "; ".join(
        f"{percent(b['discount'])} from {money(b['min_commitment'])}" for b in api["discount_bands"]
    )
    assert squash(bands) in text
    assert squash(f"{plain_number(document['term_months'])} months") in text
    assert squash(f"periods of {plain_number(api['commitment_period_months'])} months") in text


def test_an_uncertain_price_used_is_stated_on_the_key_inputs_page(document: dict[str, Any]) -> None:
    catalog = copy.deepcopy(dict(example_data().catalog))
    pro = next(row for row in catalog["plans"] if row["key"] == "pro")
    pro["source"] = "[3P, UNCERTAIN] a reseller's page. " + str(pro["source"])
    page = page_with(page_texts(render_brief(example_data(catalog=catalog, scenario=document))), "Key inputs")
    expected = (
        f"Uncertain price used: Pro is priced at {price(pro['annual_monthly_usd'])} per seat-month billed "
        f"annually, {price(pro['monthly_usd'])} monthly"
    )
    assert squash(expected) in squash(page)
    assert "Uncertainpriceused" not in squash(
        page_with(page_texts(render_brief(example_data(scenario=document))), "Key inputs")
    )


def test_a_fitted_input_is_named_with_its_import(document: dict[str, Any]) -> None:
    team, feature = document["teams"][0]["name"], document["features"][0]["name"]
    sources = {
        f"team:{team}": "fitted from usage import #7",
        f"feature:{feature}": "fitted from usage import #8",
    }
    page = page_with(
        page_texts(render_brief(example_data(scenario=document, input_sources=sources))), "Key inputs"
    )
    line_with(page, team, "fitted from usage import #7")
    line_with(page, feature[:12], "fitted from")
    assert "usageimport#8" in squash(page)


def test_without_the_scenario_the_page_says_so() -> None:
    page = page_with(page_texts(render_brief(example_data())), "Key inputs")
    assert squash("The scenario as run is not stored with this brief") in squash(page)


@pytest.mark.django_db
def test_fitted_sources_read_the_applied_fit_still_in_the_run(document: dict[str, Any]) -> None:
    """A team whose fields, as run, are what an applied fit wrote is 'fitted'; after an edit it is not."""
    org = organization()
    scenario = ScenarioFactory.create(organization=org, name=document["name"])
    before = copy.deepcopy(document)
    after = copy.deepcopy(document)
    platform = after["teams"][0]
    platform.update(usage_preset=None, usage_median_usd=321.0, usage_p90_usd=987.0, usage_growth=0.011)
    ScenarioRevision.objects.create(
        scenario=scenario,
        kind=ScenarioRevision.Kind.APPLY,
        reason="applied team fit",
        previous_document=before,
        document=after,
    )
    result = example_result()
    run = ForecastRunFactory.create(
        organization=org,
        scenario=scenario,
        scenario_name=document["name"],
        succeeded=True,
        trials=result["simulation"]["trials"],
        seed=result["simulation"]["seed"],
        scenario_snapshot=after,
        catalog_snapshot=example_data().catalog,
        result=result,
        finished_at=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )
    run = ForecastRun.objects.get(pk=run.pk)
    assert fitted_sources(run) == {f"team:{platform['name']}": "fitted from a usage import"}
    assert brief_data_for(run).input_sources == fitted_sources(run)
    edited = copy.deepcopy(after)
    edited["teams"][0]["usage_median_usd"] = 330.0  # changed by hand after the fit
    run.scenario_snapshot = edited
    assert fitted_sources(run) == {}


# The brief's shape on the demo scenario (issue 14, item 5).


@pytest.fixture
def demo_pdf(demo_document: dict[str, Any], default_catalog: PriceCatalog) -> bytes:
    prepared = prepare_document(demo_document, trials=5_000, seed=7, catalog=default_catalog)
    result = forecast_prepared(prepared)
    data = BriefData(
        organization_name="Demo Company",
        scenario_name=prepared.document["name"],
        run_id="cli",
        generated_on="2026-12-05",
        catalog=catalog_snapshot(prepared.catalog),
        result=result,  # type: ignore[arg-type]
        models_used=models_used(prepared.document),
        scenario=prepared.document,
    )
    return render_brief(data)


def used_height(png: Path) -> float:
    """The share of the text area (margins and footer left out) down to the page's lowest inked row."""
    image = Image.open(png).convert("L")
    width, height = image.size
    top, bottom = round(height * 40 / 792), round(height * (792 - 40) / 792)
    ink = image.point(lambda value: 255 if value < 200 else 0)  # inked pixels white, the rest black
    lowest = top
    for y in range(top, bottom):
        if ink.crop((0, y, width, y + 1)).getbbox() is not None:
            lowest = y
    return (lowest - top) / (bottom - top)


@pytest.mark.django_db
def test_the_demo_brief_has_about_ten_pages_none_near_empty(demo_pdf: bytes, tmp_path: Path) -> None:
    pages = len(reader(demo_pdf).pages)
    assert 8 <= pages <= MAX_DEMO_PAGES
    pngs = render_pngs(demo_pdf, tmp_path, dpi=30)
    assert len(pngs) == pages
    fills = [used_height(png) for png in pngs]
    assert all(fill >= MIN_FILL for fill in fills[:-1]), fills


@pytest.mark.django_db
def test_every_url_of_the_demo_brief_is_whole_on_one_line(
    demo_pdf: bytes, default_catalog: PriceCatalog
) -> None:
    catalog = catalog_snapshot(default_catalog)
    urls = {
        url.rstrip(".:")
        for section in ("plans", "usage_presets", "models")
        for row in catalog[section]
        for url in URL.findall(str(row.get("source", "")))
    }
    assert urls
    lines = [line for text in page_texts(demo_pdf) for line in text.splitlines()]
    shown = "\n".join(lines)
    found = [url for url in urls if squash(url) in squash(shown)]
    assert len(found) >= 3  # the appendix shows the sources in full
    for url in found:
        assert any(url in line for line in lines), f"{url} is split across lines"


def test_a_shared_source_passage_is_printed_once_and_pointed_to_after() -> None:
    shared = "Capacity is an ASSUMPTION: nobody publishes a dollar figure for the limit."
    also = "Overflow is billed at standard API list rates from usage credits."
    named = [
        ("Pro", f"$20/month [OFFICIAL]. {shared} {also}"),
        ("Max", f"$200/month [OFFICIAL]. {shared} {also} Monthly only."),
        ("Team", f"$150/seat [OFFICIAL]. {also}"),
        ("Short", "[OFFICIAL]."),  # a tag shorter than SHARED_CHARS stays in place
    ]
    out = shared_passages(named)
    assert out[0] == named[0][1]
    # the two sentences Max shares with Pro become one pointer; its own sentences stay whole
    assert out[1] == "$200/month [OFFICIAL]. “Capacity is an ASSUMPTION:…” as under Pro. Monthly only."
    assert out[2] == "$150/seat [OFFICIAL]. “Overflow is billed at…” as under Pro."
    assert out[3] == "[OFFICIAL]."
    # nothing is lost: every sentence of every source is printed in full somewhere
    printed = " ".join(out)
    for _, text in named:
        for sentence in SENTENCE_END.split(text):
            assert sentence in printed
