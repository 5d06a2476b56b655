"""The price catalog a scenario form offers, and its Claude Code plans and models as choices."""

from __future__ import annotations

from django.http import HttpRequest

from procurement.models import Feature, PriceCatalog, Scenario, Team
from procurement.models.catalog import ModelStatus


def default_catalog() -> PriceCatalog | None:
    """The only catalog, else the default one (what a new scenario gets when nobody chooses)."""
    catalogs = list(PriceCatalog.objects.all()[:2])
    if len(catalogs) == 1:
        return catalogs[0]
    return PriceCatalog.objects.default()


def _chosen_catalog(request: HttpRequest) -> PriceCatalog | None:
    chosen = request.POST.get("price_catalog") if request.method == "POST" else None
    chosen = chosen or request.GET.get("price_catalog")
    if chosen and chosen.isdigit():
        return PriceCatalog.objects.filter(pk=int(chosen)).first()
    return None


def scenario_catalog(request: HttpRequest, scenario: Scenario | None) -> PriceCatalog | None:
    """The catalog whose plans and models a scenario's inlines offer (a new scenario: the chosen one)."""
    if scenario is not None and scenario.price_catalog_id is not None:
        return scenario.price_catalog
    return _chosen_catalog(request) or default_catalog()


def row_catalog(request: HttpRequest, row: Team | Feature | None) -> PriceCatalog | None:
    """For the team and feature pages: the catalog of the row's scenario, or of the scenario posted."""
    if row is not None and row.scenario_id is not None:
        return row.scenario.price_catalog
    chosen = request.POST.get("scenario") if request.method == "POST" else request.GET.get("scenario")
    if chosen and chosen.isdigit():
        scenario = Scenario.objects.editable_by(request.user).filter(pk=int(chosen)).first()
        if scenario is not None:
            return scenario.price_catalog
    return default_catalog()


def plan_choices(catalog: PriceCatalog | None) -> list[tuple[str, str]]:
    """The catalog's Claude Code plans in catalog order (the order of `catalog_keys().plans`)."""
    if catalog is None:
        return []
    rows = catalog.seat_plans.filter(includes_claude_code=True).order_by("position", "valid_from")
    choices: dict[str, str] = {}
    for key, name in rows.values_list("key", "display_name"):
        choices.setdefault(key, name)  # a plan with several dated rows: the first row's name
    return list(choices.items())


def model_choices(catalog: PriceCatalog | None) -> list[tuple[str, str]]:
    """The catalog's models, active first; deprecated and retired ones say so."""
    if catalog is None:
        return []
    rank: dict[str, int] = {ModelStatus.ACTIVE: 0, ModelStatus.DEPRECATED: 1, ModelStatus.RETIRED: 2}
    rows = sorted(
        catalog.model_prices.values_list("key", "display_name", "status"),
        key=lambda row: (rank.get(row[2], 3), row[1]),
    )
    return [
        (key, name if status == ModelStatus.ACTIVE else f"{name} ({status})") for key, name, status in rows
    ]
