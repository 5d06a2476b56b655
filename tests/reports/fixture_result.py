"""The example result of the report tests: the engine's own result for a committed scenario, fixed seed.

`tests/fixtures/scenario_example.json` (2 periods of 12 months, 3 discount bands, 4 teams with plan
choices, 6 features with lever targets, one planned lever; 5,000 trials, seed 7) is validated and forecast
the way `forecasting.services.forecast_prepared` does it (`validate_scenario_document`, `forecast_input`,
`run_forecast` with the arguments of the services' `compute.forecast`, `to_json`), except that the prices
are the catalog snapshot `tests/fixtures/catalog_example.json` (the catalog the brief is given in these
tests) rather than one read from the database: no test here needs a database or Django (the brief's
byte-identity test renders in a bare process), and the brief and the result price with the same rows.
`tests/reports/test_fixture_contract.py` checks that `forecast_document` gives the same result with that
catalog stored. The result goes through JSON text, as a run stores it. Computed once per test session
(about a second), parsed anew for every caller.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from forecasting.engine.contract import to_json
from forecasting.engine.forecast import run_forecast
from forecasting.scenario_inputs import BLOCK_TRIALS, forecast_input
from procurement.scenario_document import CatalogKeys, validate_scenario_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCENARIO = "scenario_example.json"
CATALOG = "catalog_example.json"


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())  # type: ignore[no-any-return]


def catalog_keys(catalog: dict[str, Any]) -> CatalogKeys:
    """What a document may name in this snapshot, as `PriceCatalog.catalog_keys` reads it from rows."""
    plans = [row["key"] for row in catalog["plans"] if row.get("includes_claude_code", True)]
    return CatalogKeys(
        slug=catalog["slug"],
        models=frozenset(row["key"] for row in catalog["models"]),
        plans=tuple(dict.fromkeys(plans)),
        presets=frozenset(row["key"] for row in catalog["usage_presets"]),
    )


def example_document() -> dict[str, Any]:
    """The example scenario, normalised (every default filled in) against the example catalog."""
    catalog = load_fixture(CATALOG)
    return validate_scenario_document(load_fixture(SCENARIO), catalog_keys=catalog_keys(catalog))


@functools.cache
def _engine_result() -> str:
    document = example_document()
    simulation = document["simulation"]
    inp = forecast_input(
        document,
        load_fixture(CATALOG),
        seed=simulation["seed"],
        trials=simulation["trials"],
        block_trials=BLOCK_TRIALS,
    )
    result = run_forecast(inp, extras=True, processes=1)  # as `forecasting.services.compute.forecast`
    return json.dumps(to_json(result), allow_nan=False)


def engine_example_result() -> dict[str, Any]:
    """The engine's result for the example scenario as a run stores it: a fresh copy on every call."""
    data: dict[str, Any] = json.loads(_engine_result())  # parsed anew each call: a deep copy
    return data
