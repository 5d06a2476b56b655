"""Plans are named as the run's catalog names them, on every page of the brief (issue 14: "use plan names,
not ids"; page 1 used the catalog's names and the other pages built-in labels, so "API billing (no seat)"
on one page was "API (pay per token)" on another).

The catalog here gives every plan a name unlike any built-in label, so a built-in label or an id found on
any page is a place that does not read the catalog.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from forecasting.engine.contract import ForecastResult
from reports.brief import render_brief
from reports.plan_names import catalog_plan_names, names_from
from reports.result_view import PLAN_LABELS, plan_label
from tests.reports.pdf_tools import example_data, page_texts

NAMES = {
    "api": "Token metering",
    "pro": "Solo tier",
    "max_5x": "Power tier five",
    "max_20x": "Power tier twenty",
    "team_premium": "Crew seat",
    "team_standard": "Crew basic",
    "enterprise": "Company contract",
}


def named_catalog() -> dict[str, Any]:
    catalog = copy.deepcopy(example_data().catalog)
    for row in catalog["plans"]:
        row["display_name"] = NAMES[row["key"]]
    return dict(catalog)


def result_plans(result: ForecastResult) -> set[str]:
    plans = set()
    for team in result["seats"]["teams"]:
        plans |= {row["plan"] for row in team["mix"]}
        curve = team.get("plan_cost_curve")
        plans |= {line["plan"] for line in curve["plans"]} if curve else set()
    return plans


@pytest.fixture(scope="module")
def brief() -> tuple[str, set[str]]:
    """The brief's text up to the appendix's Sources (the catalog's own source notes quote Anthropic's plan
    names, as sources should), one space between words; and the plans of its result."""
    data = example_data(catalog=named_catalog())
    text = " ".join(" ".join(page_texts(render_brief(data))).split())
    return text[: text.rindex("Sources ")], result_plans(data.result)


def test_every_plan_of_the_result_is_named_as_the_catalog_names_it(brief: tuple[str, set[str]]) -> None:
    text, plans = brief
    assert {"api", "pro", "team_premium"} <= plans
    for plan in plans:
        assert NAMES[plan] in text, plan


def test_no_page_uses_a_built_in_label_or_an_id_for_a_plan(brief: tuple[str, set[str]]) -> None:
    text, plans = brief
    for plan in plans:
        for word in (PLAN_LABELS[plan], plan):
            found = [m.start() for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]
            assert not found, f"{word!r} at {[text[max(i - 60, 0) : i + 60] for i in found[:3]]}"


def test_names_hold_only_inside_the_block_and_the_latest_row_names_a_plan() -> None:
    catalog = named_catalog()
    catalog["plans"].append(
        {**catalog["plans"][1], "valid_from": "2099-01-01", "display_name": "Solo tier v2"}
    )
    catalog["plans"].append({**catalog["plans"][1], "valid_from": "2000-01-01", "display_name": "Old solo"})
    assert names_from(catalog)["pro"] == "Solo tier v2"
    with catalog_plan_names(catalog):
        assert plan_label("pro") == "Solo tier v2"
        assert plan_label("unknown_plan") == "Unknown plan"  # a key the catalog does not name: built in
    assert plan_label("pro") == PLAN_LABELS["pro"]
