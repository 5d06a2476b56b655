"""Apply a stored usage fit to a scenario's team or feature through the scenario document's rules
(docs/usage-import.md).

The scenario document is validated whole with the fitted fields in place before anything is written, so a
fit outside the scenario's bounds is refused with its field path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from procurement.models import Feature, Scenario, Team
from procurement.models.usage import UsageImport
from procurement.scenario_document import ScenarioValidationError
from procurement.services import scenario_to_document, validate_document

# The fields apply_fit writes: the scenario fields a fit document carries (procurement.imports.document).
TEAM_FIT_FIELDS = (
    "usage_median_usd",
    "usage_p90_usd",
    "usage_persistence",
    "usage_growth",
    "usage_growth_sd",
)
FEATURE_FIT_FIELDS = (
    "requests_per_month",
    "growth",
    "growth_sd",
    "volatility",
    "input_tokens",
    "output_tokens",
    "cache_hit_rate",
    "cache_write_rate",
    "cache_ttl",
    "batch_share",
    "model_mix",
)


def apply_fit(
    usage_import: UsageImport,
    scenario: Scenario,
    *,
    team: str | None = None,
    feature: str | None = None,
    fit: str | None = None,
) -> dict[str, Any]:
    """Write the fitted fields of one fit into the scenario's team (or feature) named, and return the
    scenario's document. `fit` names the team or feature fit of the import (optional when there is one).

    The whole scenario document, with the fitted fields in place, goes through the scenario validator
    first, so an out-of-bounds fit is refused with its field path (`teams[0].usage_growth`) and nothing
    is written. A team given fitted usage numbers stops using a usage preset.
    """
    if scenario.organization_id != usage_import.organization_id:
        raise ValueError("the scenario belongs to another organization than the import")
    if (team is None) == (feature is None):
        raise ScenarioValidationError({"team": ["give either a team or a feature of the scenario"]})
    kind, target = ("teams", team) if team is not None else ("features", feature)
    chosen = usage_import.fit(kind, fit)
    if chosen is None:
        raise ScenarioValidationError({"fit": [_fit_choices(usage_import, kind, fit)]})
    fields = TEAM_FIT_FIELDS if kind == "teams" else FEATURE_FIT_FIELDS
    fitted = {key: chosen[key] for key in fields if chosen.get(key) is not None}
    with transaction.atomic():
        _write_fit(scenario, kind, str(target), fitted)
    return scenario_to_document(scenario)


def _fit_choices(usage_import: UsageImport, kind: str, fit: str | None) -> str:
    names = [str(f.get("name")) for f in usage_import.fits.get(kind, [])]
    noun = "team" if kind == "teams" else "feature"
    if not names:
        return f"this import has no {noun} fit"
    if fit is None:
        return f"name the {noun} fit to apply: one of {', '.join(names)}"
    return f"no {noun} fit named {fit!r}; the import has {', '.join(names)}"


def _write_fit(scenario: Scenario, kind: str, target: str, fitted: Mapping[str, Any]) -> None:
    rows: list[Team | Feature] = list(
        (scenario.teams if kind == "teams" else scenario.features).order_by("position", "id")
    )
    index = _row_index([row.name for row in rows], target)
    if index is None:
        names = ", ".join(row.name for row in rows) or "none"
        field = "team" if kind == "teams" else "feature"
        raise ScenarioValidationError(
            {field: [f"the scenario has no {field} named {target!r} (it has {names})"]}
        )
    document = scenario_to_document(scenario)
    document[kind][index].update(fitted)
    if kind == "teams":
        document[kind][index]["usage_preset"] = None
    normalised, _ = validate_document(document)
    row = rows[index]
    for key in fitted:
        setattr(row, key, normalised[kind][index][key])
    if isinstance(row, Team):
        row.usage_preset = ""
    row.save(update_fields=[*fitted, *(["usage_preset"] if isinstance(row, Team) else [])])


def _row_index(names: Sequence[str], target: str) -> int | None:
    """The row named `target`; names are unique in a scenario regardless of case."""
    for index, name in enumerate(names):
        if name.casefold() == target.strip().casefold():
            return index
    return None
