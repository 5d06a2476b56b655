"""Admin for procurement leads: scenarios with inlines and JSON upload/download, catalogs, members, tokens."""

from procurement.admin import catalog, organizations, scenarios
from procurement.admin import usage as usage  # registers the usage-import admin (admin/usage.py)

__all__ = ["catalog", "organizations", "scenarios"]
