"""The demo scenario's result signs as printed: every commitment in it is a whole multiple of the
scenario's grid (contract.api.commitment_granularity_usd, default $1,000; docs/scenario.md)."""

from __future__ import annotations

from typing import Any

import pytest

from forecasting.engine.forecast import run_forecast
from forecasting.scenario_inputs import forecast_input
from procurement.models import catalog_snapshot
from procurement.scenario_document import ScenarioValidationError, validate_scenario_document
from tests.conftest import DEFAULT_CATALOG_KEYS


def _commitments(result: Any) -> list[float]:
    """Every commitment a result recommends or compares with (curves and range ends excluded)."""
    values: list[float] = []
    for period in result["api"]["periods"]:
        values.append(period["recommended"]["commitment"])
        values += [b["commitment"] for b in period["baselines"].values()]
    comparison = result["blended_vs_separated"]
    values += comparison["blended"]["commitments"] + comparison["separated"]["commitments"]
    for lever in result["token_levers"]:
        values += lever["commitments"]
    values += [r["recommended"]["commitment"] for r in result["negotiation"]["ranges"]]
    return values


@pytest.mark.django_db
@pytest.mark.parametrize("grid", [None, 25_000.0])  # None: the document leaves the default
def test_every_commitment_of_the_demo_is_on_the_grid(
    demo_document: dict[str, Any], default_catalog: Any, grid: float | None
) -> None:
    if grid is not None:
        demo_document["contract"]["api"]["commitment_granularity_usd"] = grid
    document = validate_scenario_document(demo_document, catalog_keys=default_catalog.catalog_keys())
    step = document["contract"]["api"]["commitment_granularity_usd"]
    assert step == (grid or 1_000.0)
    inp = forecast_input(document, catalog_snapshot(default_catalog), seed=7, trials=4_000)
    assert inp.api_contract.commitment_granularity_usd == step
    result = run_forecast(inp)
    commitments = _commitments(result)
    assert len(commitments) >= 10
    assert any(c > 0 for c in commitments)
    for c in commitments:
        assert c % step == 0.0, c


@pytest.mark.parametrize("bad", [0, -1_000, 1e13, "1000", None])
def test_the_grid_is_refused_with_its_field_path(demo_document: dict[str, Any], bad: Any) -> None:
    demo_document["contract"]["api"]["commitment_granularity_usd"] = bad
    with pytest.raises(ScenarioValidationError) as caught:
        validate_scenario_document(demo_document, catalog_keys=DEFAULT_CATALOG_KEYS)
    assert list(caught.value.errors) == ["contract.api.commitment_granularity_usd"]
