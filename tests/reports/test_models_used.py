"""The appendix lists the model prices the scenario uses, not the whole catalog (issue 14, item 5: 11
model prices, most unused)."""

from __future__ import annotations

import json
from pathlib import Path

from reports.brief import render_brief
from reports.brief_data import BriefData, models_used
from tests.reports.pdf_tools import example_result, page_texts, squash
from tests.reports.run_rows import example_catalog

DEMO = Path(__file__).resolve().parents[2] / "procurement" / "demo" / "demo_scenario.json"


def test_the_models_a_scenario_uses_are_its_mixes_and_lever_targets_in_order() -> None:
    document = {
        "features": [
            {"model_mix": {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": 0.2}},
            {"model_mix": {"claude-opus-4-1": 1.0}, "levers": {"model_mix": {"claude-haiku-4-5": 1.0}}},
            {"model_mix": {"claude-sonnet-4-5": 1.0}, "levers": {"cache_hit_rate": 0.8}},
        ]
    }
    assert models_used(document) == ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1")
    assert models_used({"name": "no features"}) is None
    assert models_used(None) is None
    demo = models_used(json.loads(DEMO.read_text()))
    assert demo is not None
    assert 0 < len(demo) < 11


def between(text: str, first: str, then: str) -> str:
    """The squashed text from the heading `first` to the next `then` after it (the glossary on the method
    page, before the appendix, also names "Seat plans")."""
    start = text.index(squash(first))
    return text[start : text.index(squash(then), start)]


def test_the_appendix_lists_only_the_models_used_and_says_so() -> None:
    catalog = example_catalog()
    keys = [m["key"] for m in catalog["models"]]
    assert len(keys) >= 3
    used = (keys[0], keys[2])
    data = BriefData("Acme", "FY2027", 1, "2026-12-05", catalog, example_result(), models_used=used)
    pdf = render_brief(data)
    text = squash(" ".join(page_texts(pdf)))
    assert (
        squash(f"The 2 models the scenario's features use or target; the catalog lists {len(keys)}.") in text
    )
    appendix = between(text, "API model prices", "Seat plans")
    assert squash(keys[0]) in appendix
    assert squash(keys[2]) in appendix
    assert squash(keys[1]) not in appendix
    everything = squash(
        " ".join(
            page_texts(render_brief(BriefData("Acme", "FY2027", 1, "2026-12-05", catalog, example_result())))
        )
    )
    appendix_all = between(everything, "API model prices", "Seat plans")
    assert all(squash(key) in appendix_all for key in keys)  # not known: every catalog model
