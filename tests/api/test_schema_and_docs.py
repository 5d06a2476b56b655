"""The OpenAPI schema describes what the API really accepts and answers; the docs pages work offline."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
import yaml
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from procurement.models import Scenario
from tests.api.conftest import Member
from tests.api.test_forecasts import _json_schema

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/api/v1/scenarios/", "get"),
    ("/api/v1/scenarios/", "post"),
    ("/api/v1/scenarios/{id}/", "get"),
    ("/api/v1/scenarios/{id}/", "put"),
    ("/api/v1/scenarios/{id}/", "delete"),
    ("/api/v1/scenarios/{scenario_id}/forecasts/", "post"),
    ("/api/v1/forecasts/", "get"),
    ("/api/v1/forecasts/{id}/", "get"),
    ("/api/v1/catalogs/", "get"),
    ("/api/v1/catalogs/{slug}/", "get"),
}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    loaded: dict[str, Any] = json.loads(response.content)
    return loaded


def _validator(openapi: dict[str, Any], component: str) -> jsonschema.Draft4Validator:
    components = _json_schema(openapi["components"])
    return jsonschema.Draft4Validator({"$ref": f"#/components/schemas/{component}", "components": components})


def test_the_schema_is_public_openapi_3_with_every_operation_and_the_error_shape(
    openapi: dict[str, Any],
) -> None:
    assert openapi["openapi"].startswith("3.")
    documented = {(path, method) for path, item in openapi["paths"].items() for method in item}
    assert documented >= OPERATIONS
    error = openapi["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code", "errors"}
    for path, method in OPERATIONS:
        responses = openapi["paths"][path][method]["responses"]
        assert "401" in responses
        assert responses["401"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_the_yaml_schema_is_the_same_document(openapi: dict[str, Any]) -> None:
    response = APIClient().get("/api/schema/")
    assert yaml.safe_load(response.content) == openapi


@pytest.mark.parametrize("fixture", ["minimal_document", "demo_document"])
def test_valid_scenario_files_match_the_request_component(
    openapi: dict[str, Any], fixture: str, request: pytest.FixtureRequest
) -> None:
    document = request.getfixturevalue(fixture)
    assert list(_validator(openapi, "ScenarioDocument").iter_errors(document)) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [("term_months", 0), ("term_months", 61), ("name", 5), ("budget", 1), ("simulation.trials", 999)],
)
def test_the_request_component_states_the_validators_bounds(
    openapi: dict[str, Any], minimal_document: dict[str, Any], path: str, value: Any
) -> None:
    document = copy.deepcopy(minimal_document)
    *parents, last = path.split(".")
    target = document
    for part in parents:
        target = target[part]
    target[last] = value
    assert list(_validator(openapi, "ScenarioDocument").iter_errors(document)) != []


def test_saved_scenarios_match_the_response_component(
    openapi: dict[str, Any], editor: Member, scenario_a: Scenario, demo_document: dict[str, Any]
) -> None:
    created = editor.call("POST", "/api/v1/scenarios/", demo_document).json()
    for body in (created, editor.call("GET", f"/api/v1/scenarios/{scenario_a.pk}/").json()):
        assert list(_validator(openapi, "Scenario").iter_errors(body)) == []


def test_swagger_ui_and_redoc_load_their_assets_from_this_server(db: None) -> None:
    for path, asset in (
        ("/api/docs/", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/redoc/", "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ):
        page = APIClient().get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert f"/static/{asset}" in html
        assert "cdn." not in html
        assert "unpkg.com" not in html
        assert finders.find(asset) is not None


def test_the_schema_says_what_the_server_refuses(openapi: dict[str, Any]) -> None:
    """Issue 11: request bodies that refuse unknown keys are closed, months are YYYY-MM (not dates),
    filters and page sizes carry the bounds the server enforces, and gunicorn's 414 is documented."""
    schemas = openapi["components"]["schemas"]
    for name in ("ScenarioDocument", "ForecastStart", "Upload", "Apply"):
        assert schemas[name]["additionalProperties"] is False, name
    for name in ("EngineerMonth", "FeatureMonth"):
        month = schemas[name]["properties"]["month"]
        assert "format" not in month
        assert month["pattern"] == r"^\d{4}-\d{2}$"
    runs = openapi["paths"]["/api/v1/forecasts/"]["get"]
    parameters = {p["name"]: p["schema"] for p in runs["parameters"]}
    assert parameters["scenario"]["minimum"] == 1
    assert (parameters["page_size"]["minimum"], parameters["page_size"]["maximum"]) == (1, 200)
    scenarios = openapi["paths"]["/api/v1/scenarios/"]["get"]
    organization = next(p["schema"] for p in scenarios["parameters"] if p["name"] == "organization")
    assert organization["minLength"] == 1
    apply = openapi["paths"]["/api/v1/usage-imports/{id}/apply/"]["post"]["requestBody"]["content"]
    assert list(apply) == ["application/json"]  # the server answers 415 to anything else
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            assert "414" in operation["responses"], (method, path)
