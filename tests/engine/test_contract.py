"""The engine's output and the typed result contract (forecasting/engine/contract.py) agree exactly."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict

import jsonschema
import numpy as np
import pytest

from forecasting.api.schema import result_schema
from forecasting.engine.contract import ForecastResult, to_json
from forecasting.engine.forecast import simulate_blocks
from forecasting.engine.inputs import PlannedLever
from forecasting.engine.jsondata import NotJsonData
from forecasting.engine.merge import merge_samples
from forecasting.engine.plan import plan_run
from forecasting.engine.results import build_result
from tests.engine.test_forecast import small_input


def strict(schema: Any) -> Any:
    """An OpenAPI 3.0 schema as strict JSON Schema: no key beyond the listed ones at any object level,
    and `nullable` as a `null` type (Draft 4 has no `nullable`)."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items() if key != "nullable"}
    if out.get("type") == "object" and "properties" in out:
        out["additionalProperties"] = False
    if schema.get("nullable"):
        out["type"] = [out["type"], "null"]
    return out


def contract_errors(result: Any) -> list[str]:
    validator = jsonschema.Draft4Validator(strict(result_schema()))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(result)]


def engine_result(*, extras: bool, trials: int = 1_000, block_trials: int = 500) -> ForecastResult:
    """The engine's own path (plan, blocks, merge, result), as `run_forecast` takes it in one process.
    The full run plans a token lever too, so every key of the contract holds a value."""
    inp = small_input(trials=trials, block_trials=block_trials)
    if extras:
        inp = replace(inp, planned_levers=(PlannedLever("cache_hit_rate", 3),))
    plan = plan_run(inp, extras=extras)
    return build_result(plan, merge_samples(plan, simulate_blocks(plan)), seconds=1.0)


def plain_json(result: ForecastResult) -> dict[str, Any]:
    """As stored and served: through `to_json` and JSON text, so validation sees what a client sees."""
    data: dict[str, Any] = json.loads(json.dumps(to_json(result)))
    return data


@pytest.fixture(scope="module")
def full() -> dict[str, Any]:
    return plain_json(engine_result(extras=True))


@pytest.fixture(scope="module")
def core() -> dict[str, Any]:
    return plain_json(engine_result(extras=False))


def test_a_full_run_matches_the_strict_schema(full: dict[str, Any]) -> None:
    assert contract_errors(full) == []


def test_a_run_without_extras_matches_the_strict_schema_with_its_nulls(core: dict[str, Any]) -> None:
    assert contract_errors(core) == []
    assert core["blended_vs_separated"] is None
    assert core["sensitivity_baseline"] is None
    assert core["diagnostics"]["standard_errors"]["sensitivity_expected_cost"] is None
    assert core["token_levers"] == core["concessions"] == core["sensitivity"] == []


def test_an_extra_a_missing_or_a_mistyped_key_fails(full: dict[str, Any]) -> None:
    extra = json.loads(json.dumps(full))
    extra["api"]["periods"][0]["recommended"]["bonus"] = 1.0
    missing = json.loads(json.dumps(full))
    del missing["seats"]["teams"][1]["expected_seat_fees"]
    mistyped = json.loads(json.dumps(full))
    mistyped["token_levers"][0]["commitments"] = 5.0
    renamed = json.loads(json.dumps(full))
    renamed["token_levers"][0]["commitment"] = renamed["token_levers"][0].pop("commitments")
    for broken, where in (
        (extra, "api/periods/0/recommended"),
        (missing, "seats/teams/1"),
        (mistyped, "token_levers/0/commitments"),
        (renamed, "token_levers/0"),
    ):
        errors = contract_errors(broken)
        assert errors
        assert all(e.startswith(where) for e in errors), errors


def _contract_paths(hint: Any, path: str = "") -> set[str]:
    """Every key path the contract defines (`[]` for a list item), through Annotated and nullable parts."""
    while get_origin(hint) is not None and not is_typeddict(hint):
        args = [a for a in get_args(hint) if a is not type(None) and not isinstance(a, str)]
        if get_origin(hint) is list:
            path += "[]"
        if not args or not (is_typeddict(args[0]) or get_origin(args[0]) is not None):
            return set()
        hint = args[0]
    if not is_typeddict(hint):
        return set()
    paths = set()
    for key, value in get_type_hints(hint, include_extras=True).items():
        paths.add(f"{path}.{key}")
        paths |= _contract_paths(value, f"{path}.{key}")
    return paths


def _emitted_paths(value: Any, path: str = "") -> set[str]:
    """Every key path of the result holding a value (not null)."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if item is not None:
                paths |= {f"{path}.{key}"} | _emitted_paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            paths |= _emitted_paths(item, f"{path}[]")
    return paths


def test_every_contract_key_is_emitted_by_a_full_run(full: dict[str, Any]) -> None:
    defined = _contract_paths(ForecastResult)
    assert len(defined) > 100
    assert ".api.periods[].baselines.median.p95_cost" in defined
    assert defined - _emitted_paths(full) == set()
    assert _emitted_paths(full) - defined == set()


def test_to_json_gives_plain_data_and_refuses_a_nan() -> None:
    result = engine_result(extras=False, trials=200, block_trials=100)
    result["api"]["monthly"][0]["mean"] = np.float64(2.5)
    data = to_json(result)
    assert type(data["api"]["monthly"][0]["mean"]) is float
    assert data["api"]["monthly"][0]["mean"] == 2.5
    result["seats"]["teams"][0]["cost"]["p95"] = float("nan")
    with pytest.raises(NotJsonData, match=r"seats\.teams\[0\]\.cost\.p95"):
        to_json(result)
