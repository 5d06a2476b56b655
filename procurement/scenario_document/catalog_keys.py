"""What a scenario document may reference in its price catalog (plain data, no ORM)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CATALOG_SLUG = "anthropic-list-2026-11"


@dataclass(frozen=True)
class CatalogKeys:
    """The slug and the model, plan and usage-preset keys of one price catalog.

    `plans` keeps the catalog's order: it is the default `allowed_plans` of a team. An empty slug
    means no catalog is installed, and every document is refused at `price_catalog`.
    """

    slug: str
    models: frozenset[str]
    plans: tuple[str, ...]
    presets: frozenset[str]
