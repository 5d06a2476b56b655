"""`planned_levers` in the scenario document (docs/scenario.md#planned-levers): validated with field paths,
stored and read back, turned into the engine's input, and refused with a 400 by the API."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from forecasting.engine.inputs import PlannedLever
from forecasting.scenario_inputs import forecast_input
from procurement.models import Organization
from procurement.scenario_document import CatalogKeys, ScenarioValidationError, validate_scenario_document
from procurement.scenario_document.planned_levers import month_offset
from procurement.services import save_scenario, scenario_to_document
from tests.reports.fixture_result import CATALOG, catalog_keys, example_document, load_fixture


def _with(document: dict[str, Any], planned: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["planned_levers"] = planned
    return changed


def _errors(document: Any, keys: CatalogKeys) -> dict[str, list[str]]:
    with pytest.raises(ScenarioValidationError) as caught:
        validate_scenario_document(document, catalog_keys=keys)
    return caught.value.errors


def test_absent_means_an_empty_list_and_a_valid_plan_is_kept(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    assert validate_scenario_document(minimal_document, catalog_keys=catalog_keys)["planned_levers"] == []
    plan = [
        {"lever": "cache_hit_rate", "start_month": "2027-04"},
        {"lever": "model_mix", "start_month": "2027-01"},
    ]
    normalised = validate_scenario_document(_with(minimal_document, plan), catalog_keys=catalog_keys)
    assert normalised["planned_levers"] == plan
    assert validate_scenario_document(normalised, catalog_keys=catalog_keys) == normalised


@pytest.mark.parametrize(
    ("planned", "path", "words"),
    [
        # The minimal document's term is 24 months from 2027-01: 2028-12 is its last month.
        ([{"lever": "cache_hit_rate", "start_month": "2029-01"}], "planned_levers[0].start_month", "2028-12"),
        ([{"lever": "cache_hit_rate", "start_month": "2026-12"}], "planned_levers[0].start_month", "inside"),
        ([{"lever": "cache_hit_rate", "start_month": "2027-13"}], "planned_levers[0].start_month", "YYYY-MM"),
        ([{"lever": "speed", "start_month": "2027-02"}], "planned_levers[0].lever", "must be one of"),
        ([{"lever": "batch_share"}], "planned_levers[0].start_month", "required"),
        ([{"lever": "batch_share", "start_month": "2027-02", "x": 1}], "planned_levers[0].x", "unknown"),
        (
            [
                {"lever": "batch_share", "start_month": "2027-02"},
                {"lever": "batch_share", "start_month": "2027-05"},
            ],
            "planned_levers[1].lever",
            "twice",
        ),
        ({"lever": "batch_share"}, "planned_levers", "must be a list"),
        (["cache_hit_rate"], "planned_levers[0]", "must be an object"),
    ],
)
def test_a_bad_plan_is_refused_at_its_field_path(
    planned: Any, path: str, words: str, minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    errors = _errors(_with(minimal_document, planned), catalog_keys)
    assert list(errors) == [path]
    assert words in errors[path][0]


def test_a_planned_lever_needs_a_feature_targeting_it(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    document = _with(minimal_document, [{"lever": "batch_share", "start_month": "2027-03"}])
    document["features"][0]["levers"] = {"cache_hit_rate": 0.8}
    errors = _errors(document, catalog_keys)
    assert list(errors) == ["planned_levers[0].lever"]
    assert "features[].levers.batch_share" in errors["planned_levers[0].lever"][0]


def test_the_term_bounds_are_inclusive_of_the_first_and_last_month(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    for month in ("2027-01", "2028-12"):
        document = _with(minimal_document, [{"lever": "model_mix", "start_month": month}])
        validate_scenario_document(document, catalog_keys=catalog_keys)


@pytest.mark.parametrize(
    ("start", "month", "offset"),
    [("2027-01", "2027-01", 0), ("2027-11", "2028-02", 3), ("2027-05", "2027-01", -4)],
)
def test_month_offsets_count_across_years(start: str, month: str, offset: int) -> None:
    assert month_offset(start, month) == offset


def test_the_engine_input_gets_offsets_from_the_start_month() -> None:
    document, catalog = _with(example_document(), []), load_fixture(CATALOG)
    assert forecast_input(document, catalog, seed=1).planned_levers == ()
    year, month = int(document["start_month"][:4]), int(document["start_month"][5:7])
    later = f"{year + 1:04d}-{month:02d}"  # 12 months after the start
    planned = _with(document, [{"lever": "cache_hit_rate", "start_month": later}])
    normalised = validate_scenario_document(planned, catalog_keys=catalog_keys(catalog))
    assert forecast_input(normalised, catalog, seed=1).planned_levers == (PlannedLever("cache_hit_rate", 12),)
    # A document stored before planned levers existed has no key at all: nothing is planned.
    del document["planned_levers"]
    assert forecast_input(document, catalog, seed=1).planned_levers == ()


@pytest.mark.django_db
def test_a_plan_is_stored_and_read_back(organization: Organization, minimal_document: dict[str, Any]) -> None:
    plan = [{"lever": "batch_share", "start_month": "2027-07"}]
    scenario = save_scenario(organization, _with(minimal_document, plan))
    assert scenario_to_document(scenario)["planned_levers"] == plan
    save_scenario(organization, minimal_document, scenario=scenario)
    assert scenario_to_document(scenario)["planned_levers"] == []
