"""One call from parsed files to fits: months, guards, team and feature fits, and their warnings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forecasting.engine.inputs import ModelPrice
from procurement.imports.document import fits_document
from procurement.imports.feature_fit import FeatureFit, fit_feature
from procurement.imports.guards import (
    HistoryCheck,
    check_history,
    check_warnings,
    duplicate_warnings,
    mix_warnings,
)
from procurement.imports.months import EngineerMonth, FeatureMonth, engineer_months, feature_months
from procurement.imports.random_effects import Method
from procurement.imports.records import ParsedUsageFile
from procurement.imports.subjects import engineer_histories, feature_histories
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

    def document(self) -> dict[str, Any]:
        return fits_document(self.team_fits, self.feature_fits, self.warnings)


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
    checks = history_checks(files, prices, feature_map=feature_map)
    return [
        *(w for f in files for w in f.warnings),
        *mix_warnings(files),
        *duplicate_warnings(engineer_histories(files, prices)),
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
) -> Calibration:
    """Fit every team (`teams` maps a team name to its engineers; by default all engineers form one team)
    and every feature (named by `feature_map`, see `feature_months`). A team or feature with nothing to
    fit is skipped with a warning; a bad file raises `UsageFileError` before anything is fitted."""
    e_months = engineer_months(files, prices)
    f_months = feature_months(files, prices, feature_map=feature_map)
    warnings = import_warnings(files, prices, feature_map=feature_map)
    engineers = sorted({m.engineer for m in e_months})
    groups = dict(teams) if teams is not None else ({DEFAULT_TEAM: engineers} if engineers else {})
    warnings += _membership_warnings(groups, engineers)
    team_fits = _team_fits(e_months, groups, method, warnings)
    feature_fits = _feature_fits(f_months, input_tokens_per_request or {}, warnings)
    return Calibration(
        engineer_months=tuple(e_months),
        feature_months=tuple(f_months),
        checks=tuple(history_checks(files, prices, feature_map=feature_map)),
        team_fits=tuple(team_fits),
        feature_fits=tuple(feature_fits),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _team_fits(
    months: Sequence[EngineerMonth], groups: Mapping[str, Sequence[str]], method: Method, warnings: list[str]
) -> list[TeamFit]:
    fits = []
    for team, members in groups.items():
        chosen = set(members)
        try:
            fits.append(fit_team([m for m in months if m.engineer in chosen], name=team, method=method))
        except ValueError as exc:
            warnings.append(f"{exc} (not fitted)")
    return fits


def _feature_fits(
    months: Sequence[FeatureMonth], sizes: Mapping[str, float], warnings: list[str]
) -> list[FeatureFit]:
    fits = []
    for feature in sorted({m.feature for m in months}):
        rows = [m for m in months if m.feature == feature]
        try:
            fits.append(fit_feature(rows, name=feature, input_tokens_per_request=sizes.get(feature)))
        except ValueError as exc:
            warnings.append(f"{exc} (not fitted)")
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
