"""Scenario workflows: validate a document against its catalog, save it in one transaction, read it back."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction

from procurement.models import DiscountBand, Feature, Organization, PriceCatalog, Scenario, Team
from procurement.scenario_document import CatalogKeys, ScenarioValidationError, validate_scenario_document

_NO_CATALOG = CatalogKeys(slug="", models=frozenset(), plans=(), presets=frozenset())


def resolve_catalog(doc: object) -> PriceCatalog | None:
    """The catalog a document names by `price_catalog`, or the default one when it names none."""
    slug = doc.get("price_catalog") if isinstance(doc, dict) else None
    if slug is None:
        return PriceCatalog.objects.default()
    return PriceCatalog.objects.filter(slug=slug).first() if isinstance(slug, str) else None


def validate_document(
    doc: object, *, catalog: PriceCatalog | None = None
) -> tuple[dict[str, Any], PriceCatalog]:
    """The normalised document and its catalog, or ScenarioValidationError (nothing is written).

    The document is checked against `catalog` when given (one naming another catalog is refused at
    `price_catalog`), else against the catalog it names, or the default catalog when it names none.
    """
    if catalog is not None:
        return validate_scenario_document(doc, catalog_keys=catalog.catalog_keys()), catalog
    catalog = resolve_catalog(doc)
    # With an unknown slug the rest of the document is still checked against the default catalog, so
    # one response lists every problem; the slug itself is reported at `price_catalog`.
    keys_from = catalog or PriceCatalog.objects.default()
    normalised = validate_scenario_document(
        doc,
        catalog_keys=keys_from.catalog_keys() if keys_from else _NO_CATALOG,
    )
    if catalog is None:  # unreachable: the validator refuses a document whose catalog does not exist
        raise ScenarioValidationError({"price_catalog": ["unknown price catalog"]})
    return normalised, catalog


def save_scenario(organization: Organization, doc: object, *, scenario: Scenario | None = None) -> Scenario:
    """Create a scenario from a document, or replace `scenario` (same id) with it, in one transaction.

    A refused document raises ScenarioValidationError and writes nothing.
    """
    if scenario is not None and scenario.organization_id != organization.pk:
        raise ValueError("scenario belongs to another organization")
    normalised, catalog = validate_document(doc)
    name_taken = Scenario.objects.filter(organization=organization, name=normalised["name"])
    if scenario is not None:
        name_taken = name_taken.exclude(pk=scenario.pk)
    if name_taken.exists():
        raise _name_taken_error(normalised["name"], organization)
    try:
        with transaction.atomic():
            saved = _write_scenario(organization, catalog, normalised, scenario or Scenario())
            _replace_inlines(saved, normalised)
    except IntegrityError as error:
        if not name_taken.exists():  # not a concurrent save taking the name: a real bug, keep it loud
            raise
        raise _name_taken_error(normalised["name"], organization) from error
    return saved


def _name_taken_error(name: str, organization: Organization) -> ScenarioValidationError:
    return ScenarioValidationError(
        {"name": [f"a scenario named {name!r} already exists in {organization.name}"]},
    )


def _write_scenario(
    organization: Organization, catalog: PriceCatalog, doc: dict[str, Any], scenario: Scenario
) -> Scenario:
    api, seats = doc["contract"]["api"], doc["contract"]["seats"]
    scenario.organization = organization
    scenario.price_catalog = catalog
    scenario.name = doc["name"]
    scenario.start_month = datetime.date.fromisoformat(f"{doc['start_month']}-01")
    scenario.term_months = doc["term_months"]
    scenario.simulation_trials = doc["simulation"]["trials"]
    scenario.simulation_seed = doc["simulation"]["seed"]
    scenario.api_commitment_period_months = api["commitment_period_months"]
    scenario.api_overage = api["overage"]
    scenario.api_rollover_share = api["rollover_share"]
    scenario.api_ramp_allowed = api["ramp_allowed"]
    scenario.api_max_unused_probability = api["max_unused_probability"]
    scenario.api_claude_code_usage_counts = api["claude_code_api_usage_counts"]
    scenario.api_extra_usage_counts = api["extra_usage_counts"]
    scenario.api_commitment_granularity_usd = api["commitment_granularity_usd"]
    scenario.seats_annual_term = seats["annual_term"]
    scenario.seats_blocked_usage_value = seats["blocked_usage_value"]
    scenario.planned_levers = doc["planned_levers"]
    for name, loading in doc["correlation"].items():
        setattr(scenario, f"correlation_{name}", loading)
    scenario.save()
    return scenario


def _replace_inlines(scenario: Scenario, doc: dict[str, Any]) -> None:
    scenario.discount_bands.all().delete()
    scenario.teams.all().delete()
    scenario.features.all().delete()
    bands = doc["contract"]["api"]["discount_bands"]
    DiscountBand.objects.bulk_create(DiscountBand(scenario=scenario, **band) for band in bands)
    Team.objects.bulk_create(_team_row(scenario, index, team) for index, team in enumerate(doc["teams"]))
    features = doc["features"]
    Feature.objects.bulk_create(Feature(scenario=scenario, position=i, **f) for i, f in enumerate(features))


def _team_row(scenario: Scenario, index: int, team: dict[str, Any]) -> Team:
    return Team(scenario=scenario, position=index, **{**team, "usage_preset": team["usage_preset"] or ""})


def scenario_to_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the normalised JSON document in docs/scenario.md (what save_scenario accepts)."""
    document = scenario.as_document()
    document["teams"] = [team.as_document() for team in scenario.teams.order_by("position", "id")]
    document["features"] = [feature.as_document() for feature in scenario.features.order_by("position", "id")]
    return document
