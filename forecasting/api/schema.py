"""OpenAPI component of the forecast result (DESIGN section 7): the required keys and their types.

The result may carry more keys than the contract (the engine adds some); `additionalProperties` stays
open so additions never break clients, while every contract key is required and typed.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

FORECAST_RESULT = "ForecastResult"

_NUMBER: Schema = {"type": "number"}
_STRING: Schema = {"type": "string"}


def _object(required: Schema, *, nullable: bool = False) -> Schema:
    schema: Schema = {"type": "object", "required": list(required), "properties": required}
    return {**schema, "nullable": True} if nullable else schema


def _numbers(*keys: str) -> Schema:
    return _object(dict.fromkeys(keys, _NUMBER))


def _array(item: Schema) -> Schema:
    return {"type": "array", "items": item}


_BAND = _numbers("p5", "p50", "p95")
_POINT = _numbers(
    "commitment", "discount", "expected_cost", "expected_unused", "expected_overage", "p95_cost"
)
_BASELINE = _numbers("commitment", "expected_cost", "expected_unused")


def _api() -> Schema:
    period = _object(
        {
            "index": {"type": "integer"},
            "start_month": _STRING,
            "months": {"type": "integer"},
            "spend": _numbers("mean", "p5", "p10", "p50", "p90", "p95"),
            "recommended": _object({**_POINT["properties"], "probability_unused": _NUMBER}),
            "curve": _array(_POINT),
            "baselines": _object({"no_commitment": _BASELINE, "run_rate": _BASELINE, "median": _BASELINE}),
        }
    )
    return _object(
        {
            "monthly": _array(
                _object({"month": _STRING, **_numbers("mean", "p5", "p50", "p95")["properties"]})
            ),
            "features": _array(_object({"name": _STRING, "spend": _numbers("mean", "p5", "p50", "p95")})),
            "periods": _array(period),
        }
    )


def _seats() -> Schema:
    team = _object(
        {
            "name": _STRING,
            "mix": _array(
                _object(
                    {
                        "plan": _STRING,
                        "share": _NUMBER,
                        "annual_seats": {"type": "integer"},
                        "expected_monthly_seats": _NUMBER,
                    }
                )
            ),
            "plan_costs": _array(_object({"plan": _STRING, "expected_cost_per_engineer_month": _NUMBER})),
            "break_even": _array(
                _object({"from_plan": _STRING, "to_plan": _STRING, "monthly_usage_usd": _NUMBER})
            ),
            "expected_cost": _NUMBER,
            "cost": _BAND,
            "expected_idle_seat_cost": _NUMBER,
            "expected_extra_usage": _NUMBER,
            "expected_blocked_usage": _NUMBER,
        }
    )
    return _object({"teams": _array(team), "expected_cost": _NUMBER, "cost": _BAND})


def result_schema() -> Schema:
    setting = {
        "anyOf": [_STRING, _NUMBER],
        "description": "The driver's low or high setting (a label or a value).",
    }
    sensitivity = _object(
        {
            "driver": _STRING,
            "low": setting,
            "high": setting,
            **_numbers("expected_cost_low", "expected_cost_high", "commitment_low", "commitment_high")[
                "properties"
            ],
        }
    )
    schema = _object(
        {
            "simulation": _object(
                {
                    "trials": {"type": "integer"},
                    "seed": {"type": "integer"},
                    "engine_version": _STRING,
                    "seconds": _NUMBER,
                }
            ),
            "catalog": _object({"slug": _STRING, "as_of": _STRING}),
            "api": _api(),
            "seats": _seats(),
            "total": _object({"expected_cost": _NUMBER, "cost": _BAND}),
            # null when a run skips the extra analyses (the engine's `extras=False`)
            "blended_vs_separated": {"type": "object", "nullable": True},
            "token_levers": _array(_object({"lever": _STRING, "expected_saving": _NUMBER})),
            "concessions": _array(_object({"name": _STRING, "expected_saving": _NUMBER})),
            "sensitivity": _array(sensitivity),
            "diagnostics": _object({"standard_errors": {"type": "object"}, "warnings": _array(_STRING)}),
        }
    )
    return {**schema, "description": "The forecast result of DESIGN section 7 (money in USD, unrounded)."}


def add_components(result: Schema, generator: Any, request: Any, public: bool) -> Schema:
    """drf-spectacular post-processing hook: register the result component."""
    result.setdefault("components", {}).setdefault("schemas", {})[FORECAST_RESULT] = result_schema()
    return result
