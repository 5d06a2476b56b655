"""Admin for procurement leads: scenarios with inlines and JSON upload/download, catalogs, members, tokens."""

from procurement.admin import catalog, organizations, scenarios
from procurement.admin import revisions as revisions  # registers the scenario history (admin/revisions.py)
from procurement.admin import (
    usage as usage,
)  # the usage-import admin, registered by forecasting/admin_usage.py

__all__ = ["catalog", "organizations", "scenarios"]
