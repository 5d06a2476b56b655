"""The result the report tests use is the engine's, and it has exactly the contract's keys (issue 14).

The key set is read from the `ForecastResult` TypedDicts (`forecasting/engine/contract.py`), never listed
here, so a key added to the contract must appear in the example result (it does, being engine-produced)
and every nullable or list part of the contract must have content in the example, or the reports would go
untested on it.
"""

from __future__ import annotations

import datetime
import json
import types
import typing
from typing import Annotated, Any, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from forecasting.engine.contract import ForecastResult
from forecasting.scenario_inputs import BLOCK_TRIALS
from forecasting.services import forecast_document
from procurement.models import ModelPrice, PriceCatalog, SeatPlan, UsagePreset
from tests.engine.test_contract import contract_errors
from tests.factories import example_result as factory_result
from tests.reports.fixture_result import CATALOG, SCENARIO, load_fixture
from tests.reports.pdf_tools import example_data, example_result


def contract_keys(hint: Any, path: str = "") -> set[str]:
    """Every key path the contract defines: `a.b` for a key, `a[]` for a list's items; `X | None` is X and
    `Annotated[X, ...]` is X."""
    origin = get_origin(hint)
    if origin is Annotated:
        return contract_keys(get_args(hint)[0], path)
    if origin in (typing.Union, types.UnionType):
        parts = [arg for arg in get_args(hint) if arg is not type(None)]
        return set().union(*(contract_keys(arg, path) for arg in parts))
    if origin is list:
        return contract_keys(get_args(hint)[0], f"{path}[]")
    if not is_typeddict(hint):
        return set()  # a leaf: number, string, Literal, bool
    keys: set[str] = set()
    for key, value in get_type_hints(hint, include_extras=True).items():
        keys |= {f"{path}.{key}"} | contract_keys(value, f"{path}.{key}")
    return keys


def result_keys(value: Any, path: str = "") -> set[str]:
    """Every key path of the data, with the same notation."""
    keys: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            keys |= {f"{path}.{key}"} | result_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            keys |= result_keys(item, f"{path}[]")
    return keys


class Leaf(typing.TypedDict):
    x: float


class Root(typing.TypedDict):
    items: Annotated[list[Leaf], "a list"]
    maybe: Leaf | None
    grid: list[list[float]]


def test_the_walk_reads_nested_lists_nullables_and_annotations() -> None:
    assert contract_keys(Root) == {".items", ".items[].x", ".maybe", ".maybe.x", ".grid"}
    data = {"items": [{"x": 1.0}, {"x": 2.0}], "maybe": None, "grid": [[1.0]]}
    assert result_keys(data) == {".items", ".items[].x", ".maybe", ".grid"}  # a null has no keys below it


def test_the_report_tests_result_has_exactly_the_contracts_keys() -> None:
    expected = contract_keys(ForecastResult)
    assert len(expected) > 100  # the walk reached the nested sections
    for result in (example_result(), example_data().result, factory_result()):
        found = result_keys(result)
        assert sorted(expected - found) == []  # missing: the example leaves that part of the reports untested
        assert sorted(found - expected) == []  # extra: a key the contract does not define


def test_the_report_tests_result_matches_the_strict_schema() -> None:
    assert contract_errors(example_result()) == []


def test_the_result_is_the_engines_for_the_committed_scenario_and_catalog() -> None:
    result, scenario, catalog = example_result(), load_fixture(SCENARIO), load_fixture(CATALOG)
    assert result["simulation"]["seed"] == scenario["simulation"]["seed"]
    assert result["simulation"]["trials"] == scenario["simulation"]["trials"]
    assert result["catalog"]["slug"] == catalog["slug"] == scenario["price_catalog"]
    assert result["catalog"]["as_of"] == catalog["as_of"]
    assert [t["name"] for t in result["seats"]["teams"]] == [t["name"] for t in scenario["teams"]]
    assert [f["name"] for f in result["api"]["features"]] == [f["name"] for f in scenario["features"]]
    assert len(result["api"]["periods"]) == 2
    assert dict(example_data().catalog) == catalog  # the brief is given the catalog the engine priced with


def test_every_call_returns_a_fresh_copy() -> None:
    first = example_result()
    first["api"]["periods"][0]["recommended"]["commitment"] = -1.0
    first["seats"]["teams"].clear()
    second = example_result()
    assert second["api"]["periods"][0]["recommended"]["commitment"] > 0
    assert second["seats"]["teams"]
    assert second is not example_result()


@pytest.mark.django_db
def test_the_example_is_what_the_services_compute_for_the_same_document_and_catalog(settings: Any) -> None:
    """The example takes the services' path without a database (tests/reports/fixture_result.py); with the
    example catalog stored as a catalog, `forecast_document` gives the same result, all but the run time."""
    settings.FORECAST_BLOCK_TRIALS = BLOCK_TRIALS
    rows = load_fixture(CATALOG)
    as_of = datetime.date.fromisoformat(rows["as_of"])
    catalog = PriceCatalog.objects.create(slug="example-catalog", name="Example", as_of=as_of)
    for row in rows["models"]:
        ModelPrice.objects.create(catalog=catalog, display_name=row["key"], **row)
    for position, row in enumerate(rows["plans"]):
        SeatPlan.objects.create(catalog=catalog, position=position, display_name=row["key"], **row)
    for row in rows["usage_presets"]:
        UsagePreset.objects.create(catalog=catalog, **row)
    document = load_fixture(SCENARIO) | {"price_catalog": catalog.slug}

    served = json.loads(json.dumps(forecast_document(document, catalog=catalog)))
    example = factory_result()
    for result in (served, example):
        del result["simulation"]["seconds"]
    assert served["catalog"] == {"slug": catalog.slug, "as_of": rows["as_of"]}
    served["catalog"]["slug"] = rows["slug"]
    assert served == example
