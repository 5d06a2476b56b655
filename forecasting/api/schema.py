"""OpenAPI component of the forecast result, generated from the contract's TypedDicts (docs/result.md).

`forecasting.engine.contract` is the one definition of the result; this module walks its type hints and
writes the OpenAPI 3.0 schema: every key of every level is required and typed, `X | None` is nullable,
a `Literal` is an enum, and descriptions come from the classes' docstrings and `Annotated` fields.
`additionalProperties` stays open in the published document, so additions never break clients; the
tests check the engine's output against a strict copy.
"""

from __future__ import annotations

import inspect
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from forecasting.engine.contract import ForecastResult

Schema = dict[str, Any]

FORECAST_RESULT = "ForecastResult"
_SCALARS: dict[Any, Schema] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
}


def type_schema(hint: Any) -> Schema:
    """The OpenAPI 3.0 schema of one type of the contract."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        return {**type_schema(args[0]), "description": args[1]}
    if origin in (Union, types.UnionType):
        options = [arg for arg in args if arg is not type(None)]
        schemas = [type_schema(option) for option in options]
        schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
        return {**schema, "nullable": True} if len(options) < len(args) else schema
    if origin is Literal:
        return {"type": "string", "enum": list(args)}
    if origin is list:
        return {"type": "array", "items": type_schema(args[0])}
    if is_typeddict(hint):
        return typeddict_schema(hint)
    if hint in _SCALARS:
        return dict(_SCALARS[hint])
    raise TypeError(f"the result contract uses {hint!r}, which has no OpenAPI mapping here")


def typeddict_schema(cls: Any) -> Schema:
    """An object: its keys in declaration order, the required ones required, the docstring as description."""
    hints = get_type_hints(cls, include_extras=True)
    schema: Schema = {
        "type": "object",
        "required": [key for key in hints if key in cls.__required_keys__],
        "properties": {key: type_schema(hint) for key, hint in hints.items()},
    }
    doc = inspect.getdoc(cls)
    return {**schema, "description": doc} if doc else schema


def result_schema() -> Schema:
    """The `ForecastResult` component."""
    return typeddict_schema(ForecastResult)


def add_components(result: Schema, generator: Any, request: Any, public: bool) -> Schema:
    """drf-spectacular post-processing hook: register the result component."""
    result.setdefault("components", {}).setdefault("schemas", {})[FORECAST_RESULT] = result_schema()
    return result
