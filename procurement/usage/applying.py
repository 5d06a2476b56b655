"""Apply a stored usage fit to a scenario's team or feature through the scenario document's rules, keep the
scenario's history, and undo (docs/usage-import.md#applying-a-fit).

- `plan_fit` reads: the scenario's document before and with the fit in place (validated whole), each
  changed field before and after, and the plausibility flags. It writes nothing; the preview (the quick
  forecast's cost change, `forecasting.services.preview`) builds on it.
- `record_fit` writes the fitted fields into the row,
  bumps the scenario's `updated_at` and records a `ScenarioRevision` holding the previous document.
- `undo_revision` puts a revision's previous document back through `save_scenario` (the scenario
  validator), provided nothing changed the scenario since, and records that as a revision too.

The whole scenario document, with the fitted fields in place, is validated before anything is written, so
a fit outside the scenario's bounds is refused with its field path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from forecasting.engine.api_path import MIN_GROWTH_FACTOR as FEATURE_GROWTH_FLOOR
from forecasting.engine.seats.model import MIN_GROWTH_FACTOR as TEAM_GROWTH_FLOOR
from procurement.imports.random_effects import Z95
from procurement.models import Feature, Scenario, ScenarioRevision, Team, UsagePreset
from procurement.models.usage import UsageImport
from procurement.scenario_document import ScenarioValidationError
from procurement.services import save_scenario, scenario_to_document, validate_document

# The fields a fit writes: the scenario fields a fit document carries (procurement.imports.document);
# a field the fit leaves out (not identifiable from its data) keeps the scenario's value.
TEAM_FIT_FIELDS = (
    "usage_median_usd",
    "usage_p90_usd",
    "usage_persistence",
    "usage_growth",
    "usage_growth_sd",
    "usage_volatility",
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

# Plausibility flags (issue 13's thresholds). A flag warns; it never refuses, since the scenario's own
# bounds already refuse what cannot be. Each fires strictly beyond its threshold.
# 5%/month compounds to 1.80x (or 0.54x) a year: more than a team's or a feature's usage per unit sustains
# over a multi-year term, and what a short or shifted history produces (issue 13: 3 months fitted 8.3%).
MAX_PLAUSIBLE_MONTHLY_GROWTH = 0.05
# p90/median 20 is a lognormal sigma of ln 20 / 1.2816 = 2.34, whose mean is e^(sigma^2/2) = 15x its
# median: a handful of engineers would carry the team's whole cost (the presets span 3 to 5).
MAX_PLAUSIBLE_P90_RATIO = 20.0
# Below 10 engineers the fitted p90 rests on the top one or two engineers' months.
MIN_PLAUSIBLE_ENGINEERS = 10


@dataclass(frozen=True)
class FieldChange:
    """One input the fit changes: its field path in the document, the value before and after, and the
    fit's own 90% interval of the value when the fit reports one (`fit.intervals`)."""

    path: str
    field: str
    before: Any
    after: Any
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class Flag:
    """An implausible fitted value: the field, its value, the threshold it is beyond, and why it matters."""

    field: str
    value: float
    threshold: float
    message: str


@dataclass(frozen=True)
class TermGrowth:
    """What the applied growth does over the scenario's term: the usage level at the term's last month
    relative to its first, (1 + g)^(T - 1), at the fitted growth and at the ends of its 90% interval
    (g ~ Normal(growth, growth_sd) as the engine draws it, docs/model.md#seat-path; the map is monotone,
    so quantiles of g map to quantiles of the multiplier)."""

    months: int
    multiplier: float
    low: float
    high: float


def term_growth(growth: Any, growth_sd: Any, term_months: int, floor: float) -> TermGrowth | None:
    """The term's growth multiplier and its 90% interval, or None without a growth; 1 + g is floored at
    `floor` as the engine floors it."""
    if not isinstance(growth, int | float) or term_months < 2:
        return None
    sd = float(growth_sd) if isinstance(growth_sd, int | float) else 0.0
    steps = term_months - 1

    def multiplier(g: float) -> float:
        return math.exp(steps * math.log(max(1.0 + g, floor)))

    return TermGrowth(
        term_months,
        multiplier(float(growth)),
        multiplier(float(growth) - Z95 * sd),
        multiplier(float(growth) + Z95 * sd),
    )


@dataclass(frozen=True)
class FitPlan:
    """What applying one fit would do, computed without writing anything."""

    usage_import: UsageImport
    scenario_id: int
    kind: str  # "teams" or "features"
    index: int  # the row's position in the scenario document's list
    target: str  # the row's name as the scenario spells it
    fit_name: str
    level: str  # "after" (the default fit) or "before" (the level before a shift the guard found)
    previous_document: dict[str, Any]
    document: dict[str, Any]  # normalised, the fit in place
    fitted: dict[str, Any]  # the fit's values written (normalised)
    changes: tuple[FieldChange, ...]
    flags: tuple[Flag, ...]
    warnings: tuple[str, ...]  # the import's warnings
    growth_over_term: TermGrowth | None = None  # the applied growth compounded over the term

    @property
    def noun(self) -> str:
        return "team" if self.kind == "teams" else "feature"

    @property
    def reason(self) -> str:
        level = " at the level before its shift" if self.level == "before" else ""
        return (
            f"applied {self.noun} fit “{self.fit_name}”{level} "
            f"of usage import #{self.usage_import.pk} to “{self.target}”"
        )


def plan_fit(
    usage_import: UsageImport,
    scenario: Scenario,
    *,
    team: str | None = None,
    feature: str | None = None,
    fit: str | None = None,
    level: str = "after",
) -> FitPlan:
    """What applying the fit would change (the preview's inputs): nothing is written.

    `fit` names the team or feature fit of the import (optional when there is one). `level` is "after"
    (the default fit: the level after a shift the stale-data guard found) or "before" (the alternative the
    guard offers, the level before the shift; refused for a fit without one). Raises
    ScenarioValidationError with field paths (`team`, `fit`, `teams[0].usage_growth`) when the fit cannot
    be applied, ValueError when the scenario is another organization's.
    """
    if scenario.organization_id != usage_import.organization_id:
        raise ValueError("the scenario belongs to another organization than the import")
    if (team is None) == (feature is None):
        raise ScenarioValidationError({"team": ["give either a team or a feature of the scenario"]})
    kind, target = ("teams", team) if team is not None else ("features", feature)
    chosen = usage_import.fit(kind, fit)
    if chosen is None:
        raise ScenarioValidationError({"fit": [_fit_choices(usage_import, kind, fit)]})
    chosen = _at_level(chosen, level)
    fields = TEAM_FIT_FIELDS if kind == "teams" else FEATURE_FIT_FIELDS
    fitted = {key: chosen[key] for key in fields if chosen.get(key) is not None}
    previous = scenario_to_document(scenario)
    index = _row_index([row["name"] for row in previous[kind]], str(target))
    if index is None:
        names = ", ".join(row["name"] for row in previous[kind]) or "none"
        field = "team" if kind == "teams" else "feature"
        raise ScenarioValidationError(
            {field: [f"the scenario has no {field} named {target!r} (it has {names})"]}
        )
    proposed = scenario_to_document(scenario)
    proposed[kind][index].update(fitted)
    if kind == "teams":
        proposed[kind][index]["usage_preset"] = None
    normalised, _ = validate_document(proposed)
    written = {key: normalised[kind][index][key] for key in fitted}
    return FitPlan(
        usage_import=usage_import,
        scenario_id=scenario.pk,
        kind=kind,
        index=index,
        target=previous[kind][index]["name"],
        fit_name=str(chosen.get("name")),
        level=level,
        previous_document=previous,
        document=normalised,
        fitted=written,
        changes=tuple(
            _changes(scenario, kind, index, previous[kind][index], normalised[kind][index], chosen)
        ),
        flags=tuple(plausibility_flags(kind, chosen)),
        warnings=tuple(usage_import.warnings),
        growth_over_term=_growth_over_term(kind, normalised, index),
    )


def _growth_over_term(kind: str, document: Mapping[str, Any], index: int) -> TermGrowth | None:
    row = document[kind][index]
    prefix, floor = ("usage_", TEAM_GROWTH_FLOOR) if kind == "teams" else ("", FEATURE_GROWTH_FLOOR)
    growth, sd = row.get(f"{prefix}growth"), row.get(f"{prefix}growth_sd")
    return term_growth(growth, sd, int(document["term_months"]), floor)


def plausibility_flags(kind: str, fit: Mapping[str, Any]) -> list[Flag]:
    """The fit's implausible values (thresholds above): growth beyond ±5%/month, a team's p90/median
    beyond 20, fewer than 10 engineers behind a team fit."""
    flags: list[Flag] = []
    growth_field = "usage_growth" if kind == "teams" else "growth"
    growth = fit.get(growth_field)
    if growth is not None and abs(float(growth)) > MAX_PLAUSIBLE_MONTHLY_GROWTH:
        yearly = (1 + float(growth)) ** 12
        flags.append(
            Flag(
                growth_field,
                float(growth),
                MAX_PLAUSIBLE_MONTHLY_GROWTH,
                f"growth of {float(growth):+.1%} a month is beyond ±{MAX_PLAUSIBLE_MONTHLY_GROWTH:.0%}: "
                f"{yearly:.2f}x in a year, compounding over the whole term",
            )
        )
    if kind != "teams":
        return flags
    median, p90 = fit.get("usage_median_usd"), fit.get("usage_p90_usd")
    if median is not None and p90 is not None and float(median) > 0:
        ratio = float(p90) / float(median)
        if ratio > MAX_PLAUSIBLE_P90_RATIO:
            flags.append(
                Flag(
                    "usage_p90_usd",
                    ratio,
                    MAX_PLAUSIBLE_P90_RATIO,
                    f"p90/median of {ratio:.1f} is beyond {MAX_PLAUSIBLE_P90_RATIO:.0f}: a few engineers "
                    "would carry the team's cost",
                )
            )
    engineers = (fit.get("fit") or {}).get("engineers")
    if engineers is not None and int(engineers) < MIN_PLAUSIBLE_ENGINEERS:
        flags.append(
            Flag(
                "engineers",
                float(engineers),
                float(MIN_PLAUSIBLE_ENGINEERS),
                f"fitted from {int(engineers)} engineer(s), fewer than {MIN_PLAUSIBLE_ENGINEERS}: "
                "the p90 rests on one or two of them",
            )
        )
    return flags


def record_fit(
    usage_import: UsageImport,
    scenario: Scenario,
    *,
    team: str | None = None,
    feature: str | None = None,
    fit: str | None = None,
    level: str = "after",
    user: Any = None,
) -> ScenarioRevision:
    """Write the fit into the scenario's team (or feature) row, bump the scenario's `updated_at` and
    record the change with the previous document; return the revision. Refusals as in `plan_fit`, and
    then nothing is written. A team given fitted usage numbers stops using a usage preset."""
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        plan = plan_fit(usage_import, locked, team=team, feature=feature, fit=fit, level=level)
        rows: list[Team | Feature] = list(
            (locked.teams if plan.kind == "teams" else locked.features).order_by("position", "id")
        )
        row = rows[plan.index]
        for key, value in plan.fitted.items():
            setattr(row, key, value)
        if isinstance(row, Team):
            row.usage_preset = ""
        row.save(update_fields=[*plan.fitted, *(["usage_preset"] if isinstance(row, Team) else [])])
        locked.save(update_fields=["updated_at"])  # auto_now: the scenario changed
        revision = ScenarioRevision.objects.create(
            scenario=locked,
            created_by=_user(user),
            kind=ScenarioRevision.Kind.APPLY,
            reason=plan.reason[:500],
            usage_import=usage_import,
            previous_document=plan.previous_document,
            document=scenario_to_document(locked),
        )
    scenario.updated_at = locked.updated_at
    return revision


def undo_revision(revision: ScenarioRevision, *, user: Any = None) -> ScenarioRevision:
    """Put back the scenario document from before `revision`, through the scenario validator
    (`save_scenario`), and record the undo as a revision of its own (undoing that redoes).

    Refused with ScenarioValidationError at `revision` when the scenario changed after the revision (an
    edit, another fit, an undo): restoring the older document would silently discard that change.
    """
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=revision.scenario_id)
        current = scenario_to_document(scenario)
        if current != revision.document:
            raise ScenarioValidationError(
                {
                    "revision": [
                        f"the scenario changed after revision #{revision.pk}; undoing it would discard "
                        "the later change (undo the later revisions first)"
                    ]
                }
            )
        save_scenario(scenario.organization, revision.previous_document, scenario=scenario)
        return ScenarioRevision.objects.create(
            scenario=scenario,
            created_by=_user(user),
            kind=ScenarioRevision.Kind.UNDO,
            reason=f"undid revision #{revision.pk} ({revision.reason})"[:500],
            undoes=revision,
            previous_document=current,
            document=scenario_to_document(scenario),
        )


def can_undo(revision: ScenarioRevision) -> bool:
    """Whether the scenario is still as the revision left it (so `undo_revision` would not refuse)."""
    return bool(scenario_to_document(revision.scenario) == revision.document)


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _changes(
    scenario: Scenario,
    kind: str,
    index: int,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    fit: Mapping[str, Any],
) -> list[FieldChange]:
    """Each field whose value the fit changes; a preset team's usage numbers before are its preset's."""
    intervals = (fit.get("fit") or {}).get("intervals") or {}
    effective = dict(before)
    preset = before.get("usage_preset") if kind == "teams" else None
    if preset:
        row = UsagePreset.objects.filter(catalog=scenario.price_catalog, key=preset).first()
        if row is not None:
            effective |= {"usage_median_usd": row.median_usd, "usage_p90_usd": row.p90_usd}
    fields = [*(TEAM_FIT_FIELDS if kind == "teams" else FEATURE_FIT_FIELDS)]
    if kind == "teams":
        fields.append("usage_preset")
    return [
        FieldChange(
            f"{kind}[{index}].{field}",
            field,
            effective.get(field),
            after.get(field),
            _interval(intervals.get(field)),
        )
        for field in fields
        if effective.get(field) != after.get(field)
    ]


def _interval(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return float(value[0]), float(value[1])
    return None


LEVELS = ("after", "before")


def _at_level(chosen: dict[str, Any], level: str) -> dict[str, Any]:
    """The fit at the level asked: itself ("after"), or its alternative at the level before the shift the
    stale-data guard found ("before", docs/usage-import.md#guards), in the same field names."""
    if level not in LEVELS:
        raise ScenarioValidationError({"level": [f"must be one of {', '.join(LEVELS)}"]})
    if level == "after":
        return chosen
    alternative = chosen.get("alternative")
    if not isinstance(alternative, dict):
        message = (
            f"the fit {chosen.get('name')!r} found no level shift: there is no level before one to apply"
        )
        raise ScenarioValidationError({"level": [message]})
    return {**chosen, **alternative, "name": chosen.get("name")}


def _fit_choices(usage_import: UsageImport, kind: str, fit: str | None) -> str:
    names = [str(f.get("name")) for f in usage_import.fits.get(kind, [])]
    noun = "team" if kind == "teams" else "feature"
    if not names:
        return f"this import has no {noun} fit"
    if fit is None:
        return f"name the {noun} fit to apply: one of {', '.join(names)}"
    return f"no {noun} fit named {fit!r}; the import has {', '.join(names)}"


def _row_index(names: Sequence[str], target: str) -> int | None:
    """The row named `target`; names are unique in a scenario regardless of case."""
    for index, name in enumerate(names):
        if name.casefold() == target.strip().casefold():
            return index
    return None
