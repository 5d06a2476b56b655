"""One call from parsed files to fits: months, guards, team and feature fits, and their warnings.

Each team and feature is scanned for a level shift before it is fitted (`guards`,
docs/usage-import.md#guards). When one is found, the default fit puts the whole history at the level
after the shift, the level before it is fitted too and offered in the document as the alternative, and a
warning gives the day, both levels and what the guard changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from forecasting.engine.inputs import ModelPrice
from procurement.imports.calendar_span import month_index
from procurement.imports.document import feature_document, fits_document, team_document
from procurement.imports.feature_fit import FeatureFit, fit_feature
from procurement.imports.guards import (
    HistoryCheck,
    check_history,
    check_warnings,
    duplicate_warnings,
    mix_warnings,
)
from procurement.imports.level_shift import (
    LevelShift,
    feature_level_shift,
    shift_warning,
    team_level_shift,
)
from procurement.imports.months import EngineerMonth, FeatureMonth, engineer_months, feature_months
from procurement.imports.plan_caps import Cap, assign_caps
from procurement.imports.random_effects import Method
from procurement.imports.records import ParsedUsageFile
from procurement.imports.subjects import SubjectHistory, engineer_histories, feature_histories
from procurement.imports.team_fit import TeamFit, fit_team

DEFAULT_TEAM = "Imported engineers"


@dataclass(frozen=True)
class Calibration:
    engineer_months: tuple[EngineerMonth, ...]
    feature_months: tuple[FeatureMonth, ...]
    checks: tuple[HistoryCheck, ...]
    team_fits: tuple[TeamFit, ...]
    feature_fits: tuple[FeatureFit, ...]
    warnings: tuple[str, ...]  # the import's own (mix, duplicates, guards, skipped fits)
    shifts: tuple[LevelShift, ...] = ()  # level shifts found (teams and features), one per subject
    # The fits at the level before each shift (same names as the default fits): the alternatives offered
    alternative_team_fits: tuple[TeamFit, ...] = ()
    alternative_feature_fits: tuple[FeatureFit, ...] = ()

    def document(self) -> dict[str, Any]:
        """The fits document; a shifted team or feature carries `level_shift` (day, ratio, p-value) and
        `alternative` (the fit at the level before the shift, in the same field names)."""
        doc = fits_document(self.team_fits, self.feature_fits, self.warnings)
        shifts = {(s.kind, s.subject): s for s in self.shifts}
        alternatives = {("team", f.name): team_document(f) for f in self.alternative_team_fits} | {
            ("feature", f.name): feature_document(f) for f in self.alternative_feature_fits
        }
        for key, kind in (("teams", "team"), ("features", "feature")):
            for entry in doc[key]:
                shift = shifts.get((kind, entry["name"]))
                alternative = alternatives.get((kind, entry["name"]))
                if shift is None or alternative is None:
                    continue
                entry["level_shift"] = {
                    "day": shift.day.isoformat(),
                    "ratio": shift.ratio,
                    "p_value": shift.p_value,
                    "fitted_level": "after",
                }
                entry["alternative"] = {"basis": "level before the shift", **alternative}
        return doc


@dataclass(frozen=True)
class GuardedTeamFit:
    """A team's fit after the level-shift guard: the fit (at the level after a shift found), the scan,
    the alternative fit at the level before it, the months fitted, and the guard's warning."""

    fit: TeamFit
    shift: LevelShift | None  # None: the data could not be scanned
    alternative: TeamFit | None  # None: no shift found
    months: tuple[EngineerMonth, ...]
    warnings: tuple[str, ...]


def _scaled(months: Sequence[EngineerMonth], factors: Mapping[str, float]) -> list[EngineerMonth]:
    return [replace(m, level_factor=factors.get(m.month, 1.0)) for m in months]


Z95 = 1.6448536269514722  # standard normal 95th percentile: the half-width of a 90% interval, in sds


def _with_shift_uncertainty(fit: TeamFit, shift: LevelShift) -> TeamFit:
    """The fit with its median and p90 intervals widened for the estimated shift. The months before the
    shift were scaled by the estimated ratio, so the fitted log level carries about (the history's share
    before the shift) x the error of the log ratio, and its growth the slope of that share over the months
    x the same error, each added in quadrature on the log scale around the same centre. Without it the
    intervals of a shifted team cover 80-84% instead of 90% (docs/quality.md#usage-fits)."""
    t = np.array([month_index(m) for m, _ in shift.month_shares], dtype=float)
    before = 1 - np.array([f for _, f in shift.month_shares])
    # the growth (log scale) moves with the scaled months by the slope of `before` on t
    slope = float(np.cov(t, before)[0, 1] / t.var(ddof=1)) if t.size > 1 else 0.0
    extras = {
        "usage_median_usd": Z95 * float(before.mean()) * shift.log_shift_se,
        "usage_p90_usd": Z95 * float(before.mean()) * shift.log_shift_se,
        "usage_growth": Z95 * abs(slope) * shift.log_shift_se,
    }
    intervals = dict(fit.intervals)
    for key, extra in extras.items():
        if key not in intervals:
            continue
        to_log, from_log = (math.log1p, math.expm1) if key == "usage_growth" else (math.log, math.exp)
        low, high = (to_log(v) for v in intervals[key])
        centre, wide = (low + high) / 2, math.hypot((high - low) / 2, extra)
        intervals[key] = (from_log(centre - wide), from_log(centre + wide))
    return replace(fit, intervals=intervals)


def fit_team_guarded(
    months: Sequence[EngineerMonth], *, name: str, first_day: date, last_day: date, method: Method = "reml"
) -> GuardedTeamFit:
    """Scan a team for a level shift and fit it (raises ValueError like `fit_team` when nothing is
    usable). Without a shift found, the fit is `fit_team` of the months as they are."""
    shift = team_level_shift(months, name=name, first_day=first_day, last_day=last_day)
    if shift is None or not shift.found:
        return GuardedTeamFit(fit_team(months, name=name, method=method), shift, None, tuple(months), ())
    after = _scaled(months, shift.factors("after"))
    fit = _with_shift_uncertainty(fit_team(after, name=name, method=method), shift)
    alternative = _with_shift_uncertainty(
        fit_team(_scaled(months, shift.factors("before")), name=name, method=method), shift
    )
    unguarded = fit_team(months, name=name, method=method)
    warning = shift_warning(
        shift,
        before=alternative.usage_median_usd,
        after=fit.usage_median_usd,
        unguarded=unguarded.usage_median_usd,
        unit="USD",
    )
    return GuardedTeamFit(fit, shift, alternative, tuple(after), (warning,))


def history_checks(
    files: Sequence[ParsedUsageFile],
    prices: Mapping[str, ModelPrice],
    *,
    feature_map: Mapping[str, str] | None = None,
) -> list[HistoryCheck]:
    """Guards for every engineer and feature in the files."""
    histories = engineer_histories(files, prices) + feature_histories(files, prices, feature_map=feature_map)
    return [check_history(h) for h in histories]


def import_warnings(
    files: Sequence[ParsedUsageFile],
    prices: Mapping[str, ModelPrice],
    *,
    feature_map: Mapping[str, str] | None = None,
) -> list[str]:
    """Every warning about the files themselves: parse notes, mixed formats, duplicates, guards."""
    e_histories = engineer_histories(files, prices)
    histories = e_histories + feature_histories(files, prices, feature_map=feature_map)
    return _file_warnings(files, e_histories, [check_history(h) for h in histories])


def _file_warnings(
    files: Sequence[ParsedUsageFile], e_histories: Sequence[SubjectHistory], checks: Sequence[HistoryCheck]
) -> list[str]:
    return [
        *(w for f in files for w in f.warnings),
        *mix_warnings(files),
        *duplicate_warnings(e_histories),
        *check_warnings(checks),
    ]


def calibrate(
    files: Sequence[ParsedUsageFile],
    prices: Mapping[str, ModelPrice],
    *,
    teams: Mapping[str, Sequence[str]] | None = None,
    feature_map: Mapping[str, str] | None = None,
    input_tokens_per_request: Mapping[str, float] | None = None,
    method: Method = "reml",
    plans: Mapping[str, str] | None = None,
    plan_caps: Mapping[str, Sequence[Cap]] | None = None,
) -> Calibration:
    """Fit every team (`teams` maps a team name to its engineers; by default all engineers form one team)
    and every feature (named by `feature_map`, see `feature_months`). A team or feature with nothing to
    fit is skipped with a warning; a bad file raises `UsageFileError` before anything is fitted.
    `plans` (engineer -> plan key) with `plan_caps` (plan key -> its caps, `plan_caps.plan_caps`) sets each
    engineer's months' `cap_usd`: months at a blocking plan's cap are fitted as censored
    (docs/usage-import.md#capped-usage)."""
    e_histories = engineer_histories(files, prices)
    f_histories = feature_histories(files, prices, feature_map=feature_map)
    checks = [check_history(h) for h in [*e_histories, *f_histories]]
    e_months = engineer_months(files, prices, histories=e_histories)
    e_months, plan_notes = assign_caps(e_months, plans or {}, plan_caps or {})
    f_months = feature_months(files, prices, feature_map=feature_map, histories=f_histories)
    warnings = _file_warnings(files, e_histories, checks) + plan_notes
    engineers = sorted({m.engineer for m in e_months})
    groups = dict(teams) if teams is not None else ({DEFAULT_TEAM: engineers} if engineers else {})
    warnings += _membership_warnings(groups, engineers)
    e_ranges = _ranges(e_histories)
    f_ranges = _ranges(f_histories)
    teams_done = _team_fits(e_months, groups, e_ranges, method, warnings)
    features_done = _feature_fits(f_months, f_ranges, input_tokens_per_request or {}, warnings)
    fitted_months = {(m.engineer, m.month): m for g in teams_done for m in reversed(g.months)}
    fitted_features = {(m.feature, m.month): m for g in features_done for m in g.months}
    return Calibration(
        engineer_months=tuple(fitted_months.get((m.engineer, m.month), m) for m in e_months),
        feature_months=tuple(fitted_features.get((m.feature, m.month), m) for m in f_months),
        checks=tuple(checks),
        team_fits=tuple(g.fit for g in teams_done),
        feature_fits=tuple(g.fit for g in features_done),
        warnings=tuple(dict.fromkeys(warnings)),
        shifts=tuple(s for s in _found(teams_done) + _found(features_done)),
        alternative_team_fits=tuple(g.alternative for g in teams_done if g.alternative is not None),
        alternative_feature_fits=tuple(g.alternative for g in features_done if g.alternative is not None),
    )


def _found(guarded: Sequence[GuardedTeamFit | GuardedFeatureFit]) -> list[LevelShift]:
    return [g.shift for g in guarded if g.shift is not None and g.shift.found]


def _ranges(histories: Sequence[SubjectHistory]) -> dict[str, tuple[date, date]]:
    return {h.subject: (h.first_day, h.last_day) for h in histories}


def _span(subjects: Sequence[str], ranges: Mapping[str, tuple[date, date]]) -> tuple[date, date]:
    """The first and last day of a group's histories."""
    known = [ranges[s] for s in subjects if s in ranges]
    return min(r[0] for r in known), max(r[1] for r in known)


def _team_fits(
    months: Sequence[EngineerMonth],
    groups: Mapping[str, Sequence[str]],
    ranges: Mapping[str, tuple[date, date]],
    method: Method,
    warnings: list[str],
) -> list[GuardedTeamFit]:
    fits = []
    for team, members in groups.items():
        chosen = set(members)
        rows = [m for m in months if m.engineer in chosen]
        try:
            if not rows:
                raise ValueError(f"{team}: no active engineer-month with enough coverage to fit")
            first, last = _span(sorted(chosen), ranges)
            guarded = fit_team_guarded(rows, name=team, first_day=first, last_day=last, method=method)
        except ValueError as exc:
            warnings.append(f"{exc} (not fitted)")
            continue
        warnings.extend(guarded.warnings)
        fits.append(guarded)
    return fits


@dataclass(frozen=True)
class GuardedFeatureFit:
    """A feature's fit after the level-shift guard (see `GuardedTeamFit`)."""

    fit: FeatureFit
    shift: LevelShift | None
    alternative: FeatureFit | None
    months: tuple[FeatureMonth, ...]
    warnings: tuple[str, ...]


def fit_feature_guarded(
    months: Sequence[FeatureMonth],
    *,
    name: str,
    first_day: date,
    last_day: date,
    input_tokens_per_request: float | None = None,
) -> GuardedFeatureFit:
    """Scan a feature's month series for a level shift and fit it (see `fit_team_guarded`)."""

    def fit(rows: Sequence[FeatureMonth]) -> FeatureFit:
        return fit_feature(rows, name=name, input_tokens_per_request=input_tokens_per_request)

    shift = feature_level_shift(months, name=name, first_day=first_day, last_day=last_day)
    if shift is None or not shift.found:
        return GuardedFeatureFit(fit(months), shift, None, tuple(months), ())
    after = [replace(m, level_factor=shift.factors("after").get(m.month, 1.0)) for m in months]
    before = [replace(m, level_factor=shift.factors("before").get(m.month, 1.0)) for m in months]
    chosen, alternative, unguarded = fit(after), fit(before), fit(months)
    unit = "USD" if chosen.volume_unit == "usd" else "input tokens"
    warning = shift_warning(
        shift,
        before=alternative.volume_per_month,
        after=chosen.volume_per_month,
        unguarded=unguarded.volume_per_month,
        unit=unit,
    )
    return GuardedFeatureFit(chosen, shift, alternative, tuple(after), (warning,))


def _feature_fits(
    months: Sequence[FeatureMonth],
    ranges: Mapping[str, tuple[date, date]],
    sizes: Mapping[str, float],
    warnings: list[str],
) -> list[GuardedFeatureFit]:
    fits = []
    for feature in sorted({m.feature for m in months}):
        rows = [m for m in months if m.feature == feature]
        first, last = ranges[feature]
        try:
            guarded = fit_feature_guarded(
                rows,
                name=feature,
                first_day=first,
                last_day=last,
                input_tokens_per_request=sizes.get(feature),
            )
        except ValueError as exc:
            warnings.append(f"{exc} (not fitted)")
            continue
        warnings.extend(guarded.warnings)
        fits.append(guarded)
    return fits


def _membership_warnings(groups: Mapping[str, Sequence[str]], engineers: Sequence[str]) -> list[str]:
    listed = {e for members in groups.values() for e in members}
    missing = sorted(listed - set(engineers))
    unassigned = sorted(set(engineers) - listed)
    found = []
    if missing:
        found.append(f"no usage found for {', '.join(missing)}")
    if unassigned:
        found.append(f"not in any team, so not fitted: {', '.join(unassigned)}")
    return found
