"""The fits document in scenario field names, the one-call calibration, and the package's boundaries."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from forecasting.engine.inputs import ModelPrice
from procurement.imports import ParsedUsageFile, calibrate, fits_document
from tests.imports.conftest import parse_fixture

# docs/scenario.md: the scenario's team and feature fields
TEAM_FIELDS = {
    "name", "headcount_now", "headcount_end", "headcount_sd", "adoption_now", "adoption_end",
    "usage_median_usd", "usage_p90_usd", "usage_persistence", "usage_growth", "usage_growth_sd",
    "usage_volatility", "allowed_plans",
}  # fmt: skip
FEATURE_FIELDS = {
    "name", "requests_per_month", "launch_month", "growth", "growth_sd", "volatility", "input_tokens",
    "output_tokens", "tokens_sd", "model_mix", "cache_hit_rate", "cache_write_rate", "cache_ttl",
    "batch_share", "levers", "seasonality",
}  # fmt: skip


def test_document_uses_the_scenario_field_names(
    ccusage_files: list[ParsedUsageFile],
    admin_usage: ParsedUsageFile,
    admin_cost: ParsedUsageFile,
    prices: dict[str, ModelPrice],
) -> None:
    result = calibrate(
        [*ccusage_files, admin_usage, admin_cost],
        prices,
        teams={
            "Platform": ["eng-01", "eng-02", "eng-03", "eng-04", "eng-05", "eng-06"],
            "Apps": ["eng-07", "eng-08", "eng-09", "eng-10", "eng-11", "eng-12", "eng-13"],
        },
    )
    document = json.loads(json.dumps(result.document()))  # plain JSON, no NumPy scalars
    assert [t["name"] for t in document["teams"]] == ["Platform", "Apps"]
    for team in document["teams"]:
        assert set(team) - {"fit"} <= TEAM_FIELDS
        assert {"usage_median_usd", "usage_p90_usd", "usage_persistence", "usage_growth"} <= set(team)
    assert len(document["features"]) == 3
    for feature in document["features"]:
        assert set(feature) - {"fit"} <= FEATURE_FIELDS
        assert (
            sum(feature["model_mix"].values()) == 1.0 or abs(sum(feature["model_mix"].values()) - 1) < 1e-12
        )
        assert "batch_share" not in feature  # not reported by the samples: left to the scenario
    # eng-07's own higher October is within the team model's spread: no per-engineer warning (issue 13)
    assert not any(w.startswith("eng-07") for w in document["warnings"])
    assert any(w.startswith("eng-12: 40 days of history") for w in document["warnings"])
    assert any("mixes formats" in w for w in document["warnings"])  # ccusage with the Admin reports


def test_unfitted_fields_are_left_out_of_the_document(
    analytics: ParsedUsageFile, prices: dict[str, ModelPrice]
) -> None:
    (team,) = calibrate([analytics], prices).document()["teams"]
    # 14 days: one month each, so neither persistence nor drift is fitted
    assert "usage_persistence" not in team
    assert "usage_growth" not in team
    assert team["fit"]["engineers"] == 10


def test_team_membership_problems_are_warned(
    ccusage_files: list[ParsedUsageFile], prices: dict[str, ModelPrice]
) -> None:
    result = calibrate(
        ccusage_files, prices, teams={"Core": ["eng-01", "eng-02", "eng-99"], "Ghosts": ["nobody"]}
    )
    assert [f.name for f in result.team_fits] == ["Core"]
    assert "no usage found for eng-99, nobody" in result.warnings
    assert any(w.startswith("not in any team, so not fitted: eng-03") for w in result.warnings)
    assert "Ghosts: no active engineer-month with enough coverage to fit (not fitted)" in result.warnings


def test_document_repeats_no_warning(prices: dict[str, ModelPrice]) -> None:
    files = [parse_fixture("ccusage/eng-12.daily.json")]
    result = calibrate(files, prices)
    document = fits_document(result.team_fits, result.feature_fits, [*result.warnings, *result.warnings])
    assert len(document["warnings"]) == len(set(document["warnings"]))


def test_the_package_imports_neither_django_nor_the_models() -> None:
    # procurement/__init__ loads the Celery app (which pulls Django in), so the check is on the source:
    # no module of procurement.imports imports django, rest_framework or procurement.models, nor forecasting
    # or reports beyond the pure engine (forecasting.engine, which imports no Django either).
    package = Path(__file__).resolve().parents[2] / "procurement" / "imports"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("django", "rest_framework", "procurement.models")), (
                    path.name,
                    name,
                )
                engine = name == "forecasting.engine" or name.startswith("forecasting.engine.")
                assert engine or not name.startswith(("forecasting", "reports")), (path.name, name)
