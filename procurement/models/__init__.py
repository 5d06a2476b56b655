"""Procurement domain: organizations and members, price catalogs, scenarios, API tokens."""

from procurement.models import usage as usage  # registers the usage-import models (models/usage.py)
from procurement.models.catalog import (
    MinSeatsScope,
    ModelPrice,
    ModelStatus,
    OverflowRule,
    PlanKey,
    PresetKey,
    PriceCatalog,
    SeatPlan,
    UsagePreset,
    catalog_snapshot,
)
from procurement.models.inlines import Feature, Team
from procurement.models.organizations import EDIT_ROLES, Membership, Organization, Role
from procurement.models.revisions import ScenarioRevision
from procurement.models.scenarios import DiscountBand, Overage, Scenario
from procurement.models.tokens import ApiToken

__all__ = [
    "EDIT_ROLES",
    "ApiToken",
    "DiscountBand",
    "Feature",
    "Membership",
    "MinSeatsScope",
    "ModelPrice",
    "ModelStatus",
    "Organization",
    "Overage",
    "OverflowRule",
    "PlanKey",
    "PresetKey",
    "PriceCatalog",
    "Role",
    "Scenario",
    "ScenarioRevision",
    "SeatPlan",
    "Team",
    "UsagePreset",
    "catalog_snapshot",
]
