"""`correlation` in the scenario document (docs/scenario.md#correlation): validated with field paths,
stored and read back, turned into the engine's input, refused on its field by the admin (the API's 400:
tests/api/test_correlation_api.py)."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from forecasting.engine.inputs import Correlation
from forecasting.scenario_inputs import forecast_input
from procurement.models import Organization, Scenario
from procurement.scenario_document import CatalogKeys, ScenarioValidationError, validate_scenario_document
from procurement.services import save_scenario, scenario_to_document
from tests.factories import member
from tests.procurement.admin_forms import logged_in, post_scenario, scenario_fields
from tests.reports.fixture_result import CATALOG, example_document, load_fixture

INDEPENDENT = {"teams": 0.0, "features": 0.0, "paths": 0.0}


def _with(document: dict[str, Any], correlation: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["correlation"] = correlation
    return changed


def _errors(document: Any, keys: CatalogKeys) -> dict[str, list[str]]:
    with pytest.raises(ScenarioValidationError) as caught:
        validate_scenario_document(document, catalog_keys=keys)
    return caught.value.errors


def test_absent_means_independent_and_a_partial_section_fills_zeros(
    minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    assert "correlation" not in minimal_document
    assert (
        validate_scenario_document(minimal_document, catalog_keys=catalog_keys)["correlation"] == INDEPENDENT
    )
    normalised = validate_scenario_document(
        _with(minimal_document, {"teams": 0.3}), catalog_keys=catalog_keys
    )
    assert normalised["correlation"] == {"teams": 0.3, "features": 0.0, "paths": 0.0}
    assert validate_scenario_document(normalised, catalog_keys=catalog_keys) == normalised


@pytest.mark.parametrize(
    ("correlation", "path", "words"),
    [
        ({"teams": 1.2}, "correlation.teams", "at most 1"),
        ({"features": -0.1}, "correlation.features", "at least 0"),
        ({"paths": "high"}, "correlation.paths", "number"),
        ({"paths": math.nan}, "correlation.paths", ""),
        ({"model": 0.3}, "correlation.model", "unknown field"),
        (0.3, "correlation", "must be an object"),
    ],
)
def test_a_bad_loading_is_refused_at_its_field_path(
    correlation: Any, path: str, words: str, minimal_document: dict[str, Any], catalog_keys: CatalogKeys
) -> None:
    errors = _errors(_with(minimal_document, correlation), catalog_keys)
    assert list(errors) == [path]
    assert words in errors[path][0]


def test_the_engine_input_gets_the_loadings_and_an_old_document_is_independent() -> None:
    document, catalog = example_document(), load_fixture(CATALOG)
    document["correlation"] = {"teams": 0.3, "features": 0.25, "paths": 0.2}
    assert forecast_input(document, catalog, seed=1).correlation == Correlation(0.3, 0.25, 0.2)
    del document["correlation"]  # stored before correlation existed
    assert forecast_input(document, catalog, seed=1).correlation == Correlation()


@pytest.mark.django_db
def test_loadings_are_stored_and_read_back(
    organization: Organization, minimal_document: dict[str, Any]
) -> None:
    loadings = {"teams": 0.3, "features": 0.3, "paths": 0.2}
    scenario = save_scenario(organization, _with(minimal_document, loadings))
    assert scenario_to_document(scenario)["correlation"] == loadings
    save_scenario(organization, minimal_document, scenario=scenario)
    assert scenario_to_document(scenario)["correlation"] == INDEPENDENT


@pytest.mark.django_db
def test_the_admin_saves_loadings_and_refuses_one_above_one_on_its_field(
    scenario: Scenario, organization: Organization
) -> None:
    client = logged_in(member(organization))
    fields = scenario_fields(client, scenario)
    assert fields["correlation_teams"] == "0"
    fields["correlation_teams"] = "0.3"
    fields["correlation_paths"] = "0.2"
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    scenario.refresh_from_db()
    assert scenario_to_document(scenario)["correlation"] == {"teams": 0.3, "features": 0.0, "paths": 0.2}
    fields["correlation_features"] = "1.5"
    response = post_scenario(client, scenario, fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["correlation_features"]
    scenario.refresh_from_db()
    assert scenario.correlation_features == 0.0
