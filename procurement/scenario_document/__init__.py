"""The scenario document (docs/scenario.md): one strict, pure validator shared by the REST API, the CLI
and the admin's JSON upload. No Django and no ORM here; callers resolve the catalog into CatalogKeys."""

from procurement.scenario_document.catalog_keys import DEFAULT_CATALOG_SLUG, CatalogKeys
from procurement.scenario_document.document import (
    DEFAULT_TRIALS,
    OVERAGE_REGIMES,
    ScenarioValidationError,
    validate_scenario_document,
)
from procurement.scenario_document.planned_levers import PLANNED_LEVERS
from procurement.scenario_document.teams_features import CACHE_TTLS

__all__ = [
    "CACHE_TTLS",
    "DEFAULT_CATALOG_SLUG",
    "DEFAULT_TRIALS",
    "OVERAGE_REGIMES",
    "PLANNED_LEVERS",
    "CatalogKeys",
    "ScenarioValidationError",
    "validate_scenario_document",
]
