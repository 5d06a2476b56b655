"""OpenAPI components of the scenario document (docs/scenario.md), built from the validator's bounds.

The validator (procurement.scenario_document) is the authority; these JSON schemas describe the same
fields and bounds for clients and for schema-driven tests, from the same tables, so they cannot drift.
Cross-field rules (p90 ≥ median, shares summing to 1, unique names, catalog keys) are stated in the
descriptions: JSON Schema cannot express them, and the API answers 400 with the field path.
"""

from __future__ import annotations

from typing import Any

from procurement.limits import MAX_NAME_CHARS, MAX_SLUG_CHARS
from procurement.models import PlanKey, PresetKey
from procurement.scenario_document import CACHE_TTLS, OVERAGE_REGIMES, PLANNED_LEVERS
from procurement.scenario_document.bounds import (
    FEATURE_BOUNDS,
    MAX_DISCOUNT_BANDS,
    MAX_FEATURES,
    MAX_TEAMS,
    SCENARIO_BOUNDS,
    TEAM_BOUNDS,
    Bound,
)

Schema = dict[str, Any]

SCENARIO_DOCUMENT = "ScenarioDocument"
SCENARIO = "Scenario"


def ref(component: str) -> Schema:
    return {"$ref": f"#/components/schemas/{component}"}


def number(bound: Bound, description: str, *, nullable: bool = False) -> Schema:
    if bound.integer:
        schema: Schema = {"type": "integer", "minimum": int(bound.low), "maximum": int(bound.high)}
    else:
        schema = {"type": "number", "minimum": bound.low, "maximum": bound.high}
    if bound.low_open:
        schema["exclusiveMinimum"] = True
    if bound.high_open:
        schema["exclusiveMaximum"] = True
    if nullable:
        schema["nullable"] = True
    return {**schema, "description": description}


def _obj(properties: Schema, required: list[str], description: str = "") -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return {**schema, "description": description} if description else schema


def _choice(values: tuple[str, ...] | list[str], description: str, *, nullable: bool = False) -> Schema:
    schema: Schema = {"type": "string", "enum": list(values), "description": description}
    # OpenAPI 3.0.3: a nullable enum lists null among its values, or validators refuse null
    return {**schema, "enum": [*values, None], "nullable": True} if nullable else schema


_NAME: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_NAME_CHARS,
    "pattern": r"^[^\u0000-\u001f\u007f]*\S[^\u0000-\u001f\u007f]*$",
    "description": "A single line, unique ignoring case among its siblings; surrounding spaces removed.",
}
_MONTH: Schema = {
    "type": "string",
    "pattern": r"^(20[0-9][0-9]|2100)-(0[1-9]|1[0-2])$",
    "example": "2027-01",
    "description": "A calendar month YYYY-MM between 2000-01 and 2100-12.",
}
_BOOL: Schema = {"type": "boolean"}


def _model_mix(description: str, *, nullable: bool = False) -> Schema:
    schema: Schema = {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": number(FEATURE_BOUNDS["model_share"], "Share of requests on this model."),
        "example": {"claude-sonnet-4-5": 0.8, "claude-haiku-4-5": 0.2},
        "description": description,
    }
    return {**schema, "nullable": True} if nullable else schema


def _team() -> Schema:
    b = TEAM_BOUNDS
    properties = {
        "name": _NAME,
        "headcount_now": number(b["headcount_now"], "Engineers at the start."),
        "headcount_end": number(b["headcount_end"], "Expected engineers at the end [headcount_now]."),
        "headcount_sd": number(b["headcount_sd"], "Log-sd of the end headcount across trials [0]."),
        "adoption_now": number(b["adoption_now"], "Share of engineers active in a month at the start."),
        "adoption_end": number(b["adoption_end"], "Share active at the end [adoption_now]."),
        "usage_preset": _choice(
            PresetKey.values, "Catalog usage preset; give it or both usage numbers, not both.", nullable=True
        ),
        "usage_median_usd": number(
            b["usage_median_usd"], "Median monthly API-equivalent usage, USD.", nullable=True
        ),
        "usage_p90_usd": number(
            b["usage_p90_usd"], "90th percentile, USD, at least the median.", nullable=True
        ),
        "usage_persistence": number(
            b["usage_persistence"], "Share of log-variance kept by the engineer [0.6]."
        ),
        "usage_growth": number(b["usage_growth"], "Monthly drift of usage intensity [0]."),
        "usage_growth_sd": number(b["usage_growth_sd"], "Per-trial sd of that drift [0]."),
        "usage_volatility": number(b["usage_volatility"], "Sd of the monthly team-wide shock, AR(1) [0]."),
        "allowed_plans": {
            "type": "array",
            "items": _choice([key for key in PlanKey.values if key != PlanKey.TEAM_STANDARD], "A plan key."),
            "minItems": 1,
            "maxItems": 50,
            "uniqueItems": True,
            "description": "Claude Code plans of the catalog this team may use [every one].",
        },
    }
    return _obj(properties, ["name", "headcount_now", "adoption_now"], "A cohort of exchangeable engineers.")


def _feature() -> Schema:
    b = FEATURE_BOUNDS
    levers = _obj(
        {
            "model_mix": _model_mix("Target model mix.", nullable=True),
            "cache_hit_rate": number(b["cache_hit_rate"], "Target cache hit rate.", nullable=True),
            "batch_share": number(b["batch_share"], "Target batch share.", nullable=True),
        },
        [],
        "Token lever targets (docs/decisions.md#token-levers); at least one not null.",
    )
    properties = {
        "name": _NAME,
        "requests_per_month": number(b["requests_per_month"], "Median requests in the first live month."),
        "launch_month": number(b["launch_month"], "First live month, 0-based, before term_months [0]."),
        "growth": number(b["growth"], "Mean monthly growth of requests [0]."),
        "growth_sd": number(b["growth_sd"], "Per-trial sd of the growth rate [0]."),
        "volatility": number(b["volatility"], "Sd of monthly log-noise on requests [0]."),
        "input_tokens": number(b["input_tokens"], "Input tokens per request, cached included."),
        "output_tokens": number(b["output_tokens"], "Output tokens per request."),
        "tokens_sd": number(b["tokens_sd"], "Per-trial log-sd of tokens per request [0]."),
        "model_mix": _model_mix("Share of requests per catalog model, summing to 1."),
        "cache_hit_rate": number(b["cache_hit_rate"], "Share of input tokens read from cache [0]."),
        "cache_write_rate": number(b["cache_write_rate"], "Share written to cache; hit + write ≤ 1 [0]."),
        "cache_ttl": _choice(CACHE_TTLS, 'Lifetime of cache writes ["5m"].'),
        "batch_share": number(b["batch_share"], "Share of requests through the Batch API [0]."),
        "seasonality": {
            "type": "array",
            "items": number(b["seasonality"], "Calendar-month multiplier."),
            "minItems": 12,
            "maxItems": 12,
            "nullable": True,
            "description": "12 multipliers, January first, normalised to mean 1 [null: none].",
        },
        "levers": {**levers, "nullable": True},
    }
    required = ["name", "requests_per_month", "input_tokens", "output_tokens", "model_mix"]
    return _obj(properties, required, "An API feature: traffic × tokens per request × model mix.")


def _contract() -> Schema:
    b = SCENARIO_BOUNDS
    band = _obj(
        {
            "min_commitment": number(
                b["min_commitment"], "Commitment per period (USD) from which it applies."
            ),
            "discount": number(b["discount"], "Discount on list, a fraction."),
        },
        ["min_commitment", "discount"],
    )
    api = _obj(
        {
            "commitment_period_months": number(
                b["commitment_period_months"], "Months per period, at most term_months [min(12, term)]."
            ),
            "discount_bands": {
                "type": "array",
                "items": band,
                "minItems": 1,
                "maxItems": MAX_DISCOUNT_BANDS,
                "description": "Strictly increasing thresholds, the first at 0 [one band at 0, no discount].",
            },
            "overage": _choice(OVERAGE_REGIMES, 'How usage beyond the commitment is billed ["list"].'),
            "rollover_share": number(
                b["rollover_share"], "Share of unused carried into the next period [0]."
            ),
            "ramp_allowed": {**_BOOL, "description": "May each full period have its own commitment [false]."},
            "max_unused_probability": number(
                b["max_unused_probability"], "Cap on P(unused > 0) [null: none].", nullable=True
            ),
            "claude_code_api_usage_counts": {**_BOOL, "description": "API-billed Claude Code counts [true]."},
            "extra_usage_counts": {**_BOOL, "description": "Seat plans' extra usage counts [false]."},
            "commitment_granularity_usd": number(
                b["commitment_granularity_usd"], "Commitments are whole multiples of this (USD) [1000]."
            ),
        },
        [],
    )
    seats = _obj(
        {
            "annual_term": {**_BOOL, "description": "Seats cannot be removed mid-period [true]."},
            "blocked_usage_value": number(b["blocked_usage_value"], "USD lost per API-dollar blocked [1]."),
        },
        [],
    )
    return _obj({"api": api, "seats": seats}, [])


def document_properties() -> Schema:
    b = SCENARIO_BOUNDS
    simulation = _obj(
        {
            "trials": number(b["trials"], "Monte Carlo trials [20,000]."),
            "seed": number(b["seed"], "Random seed [null: drawn when a run starts].", nullable=True),
        },
        [],
    )
    return {
        "name": {**_NAME, "description": "Unique in the organization."},
        "start_month": _MONTH,
        "term_months": number(b["term_months"], "Contract term in months."),
        "price_catalog": {"type": "string", "description": "Slug of a price catalog [the default one]."},
        "simulation": simulation,
        "contract": _contract(),
        "teams": {"type": "array", "items": _team(), "maxItems": MAX_TEAMS},
        "features": {"type": "array", "items": _feature(), "maxItems": MAX_FEATURES},
        "planned_levers": {
            "type": "array",
            "items": _obj(
                {
                    "lever": _choice(PLANNED_LEVERS, "A token lever some feature targets."),
                    "start_month": _MONTH,
                },
                ["lever", "start_month"],
            ),
            "maxItems": len(PLANNED_LEVERS),
            "description": "Token levers planned, each once, with the month it lands inside the term "
            "(docs/scenario.md#planned-levers); the commitment is sized on the planned spend [[]].",
        },
        "correlation": _obj(
            {
                "teams": number(
                    b["correlation_loading"], "Loading of the company-wide usage factor on teams [0]."
                ),
                "features": number(
                    b["correlation_loading"], "Loading of the company-wide traffic factor on features [0]."
                ),
                "paths": number(b["correlation_loading"], "Loading linking the two factors [0]."),
            },
            [],
            "Common factors that move teams and features together (docs/scenario.md#correlation); "
            "absent or 0: independent. Suggested 0.3, 0.3, 0.2.",
        ),
    }


_ORGANIZATION = {
    "type": "string",
    "maxLength": MAX_SLUG_CHARS,
    "description": "Slug of the organization. On create: needed only when you belong to several.",
}


def scenario_components() -> dict[str, Schema]:
    """ScenarioDocument (the request body) and Scenario (the document as saved plus its envelope).

    drf-spectacular wraps Scenario in its paginated list component for the list operation.
    """
    document = document_properties()
    envelope = {
        "id": {"type": "integer", "readOnly": True},
        "url": {"type": "string", "format": "uri", "readOnly": True},
        "organization": {**_ORGANIZATION, "readOnly": True},
        "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
    }
    ignored = {
        key: {**envelope[key], "description": "Read-only: accepted and ignored, so a GET can be sent back."}
        for key in ("id", "url", "created_at", "updated_at")
    }
    request = _obj(
        {**document, "organization": _ORGANIZATION, **ignored},
        ["name", "start_month", "term_months"],
        "The scenario JSON (docs/scenario.md), exactly what `manage.py forecast` reads; "
        "defaults in brackets are filled in on save.",
    )
    response = _obj(
        {**envelope, **document}, [*envelope, *document], "A saved scenario: the normalised document."
    )
    return {SCENARIO_DOCUMENT: request, SCENARIO: response}


# Request bodies whose unknown keys the server refuses (400 naming each): the schema says so too.
CLOSED_REQUESTS = ("ForecastStart", "Upload", "Apply")
# Answered by gunicorn itself, before the application, for a request line over its 4,094-byte limit.
REQUEST_LINE_TOO_LONG = {
    "description": "The request line (path and query) is too long: the web server's own plain answer, "
    "not JSON, sent before the application sees the request."
}


def add_components(result: Schema, generator: Any, request: Any, public: bool) -> Schema:
    """drf-spectacular post-processing hook: register the raw components the views reference, close the
    request bodies that refuse unknown keys, and document the web server's 414 on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(scenario_components())
    for name in CLOSED_REQUESTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("414", REQUEST_LINE_TOO_LONG)
    return result
