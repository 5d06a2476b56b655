"""The scenario document (docs/scenario.md): strict validation and normalisation, pure Python."""

from __future__ import annotations

from typing import Any

from procurement.scenario_document.bounds import (
    DEFAULT_COMMITMENT_GRANULARITY_USD,
    MAX_DISCOUNT_BANDS,
    MAX_FEATURES,
    MAX_TEAMS,
    SCENARIO_BOUNDS,
)
from procurement.scenario_document.catalog_keys import CatalogKeys
from procurement.scenario_document.fields import (
    EMPTY_OBJECT,
    INVALID,
    Errors,
    Field,
    describe_type,
    number,
    read_bool,
    read_choice,
    read_list,
    read_month,
    read_name,
    read_object,
    valid,
)
from procurement.scenario_document.planned_levers import check_planned_levers, read_planned_levers
from procurement.scenario_document.teams_features import check_unique_names, read_feature, read_team

OVERAGE_REGIMES = ("list", "committed_rate")
DEFAULT_TRIALS = 20_000  # the value in the example document of docs/scenario.md
DEFAULT_COMMITMENT_PERIOD_MONTHS = 12  # an annual commitment, the usual enterprise contract
CORRELATION_LOADINGS = ("teams", "features", "paths")  # the keys of the `correlation` section


class ScenarioValidationError(ValueError):
    """A refused scenario document; `.errors` maps field paths to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        lines = [f"{path}: {message}" for path, messages in errors.items() for message in messages]
        super().__init__("invalid scenario:\n" + "\n".join(lines))


def validate_scenario_document(doc: object, *, catalog_keys: CatalogKeys) -> dict[str, Any]:
    """The normalised document (every default in docs/scenario.md filled in) or ScenarioValidationError.

    Validating a normalised document returns it unchanged, so documents can be stored and re-read.
    """
    errors = Errors()
    scenario: dict[str, Any] = read_object(doc, "", errors, _scenario_fields(catalog_keys))
    if scenario is not INVALID:
        _check_scenario(scenario, errors)
    if errors.by_path:
        raise ScenarioValidationError(errors.by_path)
    return scenario


def _scenario_fields(catalog: CatalogKeys) -> dict[str, Field]:
    def read_teams(raw: Any, path: str, errors: Errors) -> Any:
        return _read_named_list(raw, path, errors, lambda v, p, e: read_team(v, p, e, catalog), MAX_TEAMS)

    def read_features(raw: Any, path: str, errors: Errors) -> Any:
        reader = lambda v, p, e: read_feature(v, p, e, catalog)  # noqa: E731
        return _read_named_list(raw, path, errors, reader, MAX_FEATURES)

    return {
        "name": Field(read_name),
        "start_month": Field(read_month),
        "term_months": number(SCENARIO_BOUNDS["term_months"]),
        "price_catalog": Field(lambda v, p, e: _read_catalog_slug(v, p, e, catalog), catalog.slug),
        "simulation": Field(_read_simulation, EMPTY_OBJECT),
        "contract": Field(_read_contract, EMPTY_OBJECT),
        "teams": Field(read_teams, list),
        "features": Field(read_features, list),
        "planned_levers": Field(read_planned_levers, list),
        "correlation": Field(_read_correlation, EMPTY_OBJECT),
    }


def _read_catalog_slug(value: Any, path: str, errors: Errors, catalog: CatalogKeys) -> Any:
    if not catalog.slug:
        errors.add(path, "no price catalog is installed (run `manage.py migrate`)")
        return INVALID
    if not isinstance(value, str):
        errors.add(path, f"must be a price catalog slug such as {catalog.slug!r}, not {describe_type(value)}")
        return INVALID
    if value != catalog.slug:
        errors.add(path, f"unknown price catalog {value!r}; use the slug of an existing catalog")
        return INVALID
    return value


def _read_named_list(raw: Any, path: str, errors: Errors, item: Any, max_items: int) -> Any:
    items = read_list(raw, path, errors, item, max_items=max_items)
    if items is not INVALID:
        check_unique_names(items, path, errors, path.rstrip("s"))
    return items


def _read_simulation(raw: Any, path: str, errors: Errors) -> Any:
    fields = {
        "trials": number(SCENARIO_BOUNDS["trials"], DEFAULT_TRIALS),
        "seed": number(SCENARIO_BOUNDS["seed"], None, nullable=True),  # null: drawn when a run starts
    }
    return read_object(raw, path, errors, fields)


def _read_contract(raw: Any, path: str, errors: Errors) -> Any:
    fields = {
        "api": Field(_read_api_contract, EMPTY_OBJECT),
        "seats": Field(_read_seat_contract, EMPTY_OBJECT),
    }
    return read_object(raw, path, errors, fields)


def _read_api_contract(raw: Any, path: str, errors: Errors) -> Any:
    bound = SCENARIO_BOUNDS
    period_months = number(bound["commitment_period_months"], None)  # None: filled in by _check_scenario
    fields = {
        "commitment_period_months": period_months,
        "discount_bands": Field(_read_bands, lambda: [{"min_commitment": 0.0, "discount": 0.0}]),
        "overage": Field(lambda v, p, e: read_choice(v, p, e, OVERAGE_REGIMES), "list"),
        "rollover_share": number(bound["rollover_share"], 0.0),
        "ramp_allowed": Field(read_bool, False),
        "max_unused_probability": number(bound["max_unused_probability"], None, nullable=True),
        "claude_code_api_usage_counts": Field(read_bool, True),
        "extra_usage_counts": Field(read_bool, False),
        "commitment_granularity_usd": number(
            bound["commitment_granularity_usd"], DEFAULT_COMMITMENT_GRANULARITY_USD
        ),
    }
    return read_object(raw, path, errors, fields)


def _read_seat_contract(raw: Any, path: str, errors: Errors) -> Any:
    fields = {
        "annual_term": Field(read_bool, True),
        "blocked_usage_value": number(SCENARIO_BOUNDS["blocked_usage_value"], 1.0),
    }
    return read_object(raw, path, errors, fields)


def _read_correlation(raw: Any, path: str, errors: Errors) -> Any:
    """The common factors' loadings (docs/scenario.md#correlation); each absent loading is 0 (independent)."""
    loading = SCENARIO_BOUNDS["correlation_loading"]
    fields = {name: number(loading, 0.0) for name in CORRELATION_LOADINGS}
    return read_object(raw, path, errors, fields)


def _read_band(raw: Any, path: str, errors: Errors) -> Any:
    fields = {
        "min_commitment": number(SCENARIO_BOUNDS["min_commitment"]),
        "discount": number(SCENARIO_BOUNDS["discount"]),
    }
    return read_object(raw, path, errors, fields)


def _read_bands(raw: Any, path: str, errors: Errors) -> Any:
    """Bands sorted by strictly increasing min_commitment, the first at 0 (no commitment, no discount)."""
    bands = read_list(raw, path, errors, _read_band, max_items=MAX_DISCOUNT_BANDS)
    if bands is INVALID or not all(valid(band) and valid(*band.values()) for band in bands):
        return INVALID
    if not bands:
        errors.add(path, 'must have at least one band, such as [{"min_commitment": 0, "discount": 0}]')
        return INVALID
    thresholds = [band["min_commitment"] for band in bands]
    if thresholds[0] != 0:
        errors.add(f"{path}[0].min_commitment", f"the first band must start at 0 (got {thresholds[0]:,.10g})")
    for index in range(1, len(bands)):
        previous, current = thresholds[index - 1], thresholds[index]
        if current <= previous:
            message = f"must be above the previous band's threshold ({previous:,.10g}), got {current:,.10g}"
            errors.add(f"{path}[{index}].min_commitment", message)
    return bands


def _check_scenario(scenario: dict[str, Any], errors: Errors) -> None:
    """Rules across sections: the commitment period, launch months and planned levers fit in the term."""
    check_planned_levers(scenario, errors)
    api = scenario["contract"]["api"] if valid(scenario["contract"]) else INVALID
    term = scenario["term_months"]
    if not valid(term):
        return
    period = api["commitment_period_months"] if valid(api) else INVALID
    if period is None:  # default: annual periods, or one period for a term shorter than a year
        period = api["commitment_period_months"] = min(DEFAULT_COMMITMENT_PERIOD_MONTHS, term)
    if valid(period) and period > term:
        message = f"must be at most term_months ({term}), got {period}"
        errors.add("contract.api.commitment_period_months", message)
    features = scenario["features"]
    for index, feature in enumerate(features if valid(features) else []):
        launch = feature["launch_month"] if valid(feature) else INVALID
        if valid(launch) and launch >= term:
            message = f"must be before the end of the term (0..{term - 1}), got {launch}"
            errors.add(f"features[{index}].launch_month", message)
