"""Plan names as the price catalog gives them, for everything one render (a brief, a workbook, a run page)
shows.

The engine names plans by key (`team_premium`); the catalog the run used gives each key a `display_name`
("Team premium", "API (pay per token)", "Enterprise (usage-based)"). `reports.result_view.plan_label` is the
one place a key becomes a name, and it is called from deep inside pages and charts that are not handed the
catalog. So the names are set for the duration of a render, as Django's `translation.override` sets a
language: `with catalog_plan_names(catalog): ...`. Outside such a block (or for a key the catalog does not
name) `plan_label` falls back to its built-in labels. A `ContextVar` keeps concurrent renders (threads,
tasks) apart.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from reports.formatting import display_text

PLAN_NAME_CHARS = 60  # a catalog name is typed in the admin; a longer one would not fit a table cell

_NAMES: ContextVar[Mapping[str, str] | None] = ContextVar("catalog_plan_names", default=None)


def names_from(catalog: Mapping[str, Any] | None) -> dict[str, str]:
    """`{key: display_name}` for every plan the catalog names (its latest row's name, by `valid_from`)."""
    dated: dict[str, tuple[str, str]] = {}
    for row in (catalog or {}).get("plans", []):
        if not isinstance(row, Mapping):
            continue
        key = str(row.get("key"))
        name = display_text(row.get("display_name"), max_chars=PLAN_NAME_CHARS)
        valid_from = str(row.get("valid_from") or "")
        if name and (key not in dated or valid_from >= dated[key][0]):
            dated[key] = (valid_from, name)
    return {key: name for key, (_, name) in dated.items()}


@contextmanager
def catalog_plan_names(catalog: Mapping[str, Any] | None) -> Iterator[dict[str, str]]:
    """Within the block, `plan_label` names plans as `catalog` does; yields the names in force."""
    names = names_from(catalog)
    token = _NAMES.set(names)
    try:
        yield names
    finally:
        _NAMES.reset(token)


def current_plan_name(key: str) -> str | None:
    """The name the catalog of the current render gives `key`, if any."""
    names = _NAMES.get()
    return names.get(key) if names is not None else None
