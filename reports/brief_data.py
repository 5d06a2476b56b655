"""The plain data the PDF brief is rendered from (built from a stored forecast run by `reports.services`),
and `stored_result`: where a result read back from JSON becomes the typed contract for `reports/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from forecasting.engine.contract import ForecastResult


@dataclass(frozen=True)
class BriefData:
    """Everything the brief shows. No ORM objects, no clock: the same data always gives the same PDF.

    `generated_on` is the run's finish date as text (not "now"). `catalog` is the catalog snapshot the run
    used: `{"slug", "as_of", "models": [...], "plans": [...], "usage_presets": [...]}`, each row with its
    `source`. `result` is the run's result (docs/result.md), typed by `forecasting.engine.contract`.
    """

    organization_name: str
    scenario_name: str
    run_id: int | str
    generated_on: str
    catalog: Mapping[str, Any]
    result: ForecastResult
    # The catalog models the scenario's features use or target (`models_used`); None: not known (a
    # result without its scenario), so the brief lists every catalog model.
    models_used: tuple[str, ...] | None = None
    # The scenario document as run (the run's `scenario_snapshot`, the CLI's validated document): the key
    # inputs page shows it. None: not known, and the page says so.
    scenario: Mapping[str, Any] | None = None
    # Where an input came from when not typed into the scenario: `{"team:Platform": "fitted from usage
    # import #3"}` (keys `team:<name>` / `feature:<name>`); teams on a usage preset are found from the
    # scenario itself.
    input_sources: Mapping[str, str] = field(default_factory=dict)


def models_used(document: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """The model keys a scenario document's features run on or target with a model-mix lever, in order of
    first mention; None when the document has no features list (nothing to tell)."""
    features = (document or {}).get("features")
    if not isinstance(features, list):
        return None
    keys: dict[str, None] = {}
    for feature in features:
        if not isinstance(feature, Mapping):
            continue
        levers = feature.get("levers")
        for mix in (
            feature.get("model_mix"),
            levers.get("model_mix") if isinstance(levers, Mapping) else None,
        ):
            if isinstance(mix, Mapping):
                keys.update(dict.fromkeys(str(key) for key in mix))
    return tuple(keys)


def stored_result(data: object) -> ForecastResult:
    """A result read back from JSON (a run's `result` column, a file) as the typed contract.

    Runs store `forecasting.engine.contract.to_json` of the engine's `ForecastResult`, so the data has the
    contract's shape; this is the one place `reports/` takes that on trust. Anything but a JSON object
    is refused here rather than failing somewhere inside a page.
    """
    if not isinstance(data, dict):
        raise TypeError(f"a stored result is a JSON object, not {type(data).__name__}")
    missing = {key: None for key in LATER_SECTIONS if key not in data}
    return cast(ForecastResult, {**data, **missing} if missing else data)


# Sections a result stored before they existed lacks; read as null ("not computed"), as the contract
# writes them for a run without the extra analyses (docs/result.md).
LATER_SECTIONS = ("negotiation", "planned_levers")


def overage_rule(scenario: Mapping[str, Any] | None) -> str | None:
    """`list` or `committed_rate` from the scenario as run (`contract.api.overage`); None when not known."""
    contract = (scenario or {}).get("contract")
    api = contract.get("api") if isinstance(contract, Mapping) else None
    rule = api.get("overage") if isinstance(api, Mapping) else None
    return str(rule) if rule in ("list", "committed_rate") else None


# Presentation-only figures derived from the result for page 1 (no new model numbers: sums and picks).


def catalog_plan_name(catalog: Mapping[str, Any], key: str) -> str:
    """A plan's name as the catalog gives it (`display_name`, the latest row's), else the brief's label."""
    from reports.plan_names import names_from
    from reports.result_view import plan_label  # result_view imports nothing of this module

    return names_from(catalog).get(key) or plan_label(key)


@dataclass(frozen=True)
class SeatOrderLine:
    """One plan of the seat order, summed over teams."""

    plan: str
    annual_seats: float
    expected_monthly_seats: float
    seat_price_usd: float | None  # the price the decision compared (annual where annual seats are bought)
    monthly_price_usd: float | None  # the catalog's month-to-month price of that row
    # Annual seats per seat year (re-chosen at each renewal, docs/decisions.md#seats-per-team); the first
    # equals `annual_seats`. A result stored before renewals has one year.
    annual_seats_by_year: tuple[float, ...] = ()

    def years_text(self) -> str:
        """`67` for one count, `67 / 85` when the count changes at a renewal."""
        years = self.annual_seats_by_year or (self.annual_seats,)
        return " / ".join(f"{n:,.0f}" for n in years) if len(set(years)) > 1 else f"{years[0]:,.0f}"


def seat_order(result: ForecastResult, catalog: Mapping[str, Any]) -> list[SeatOrderLine]:
    """The seats to buy, by plan over every team (plans with seats, in the catalog's plan order)."""
    from reports.seat_prices import price_row

    annual: dict[str, float] = {}
    by_year: dict[str, list[float]] = {}
    monthly: dict[str, float] = {}
    prices: dict[str, float] = {}
    for team in result["seats"]["teams"]:
        curve = team.get("plan_cost_curve")
        for line in curve["plans"] if curve else []:
            prices.setdefault(line["plan"], line["seat_price_usd"])
        for row in team["mix"]:
            if row["plan"] == "api":
                continue
            annual[row["plan"]] = annual.get(row["plan"], 0.0) + row["annual_seats"]
            years = list(row.get("annual_seats_by_year") or [row["annual_seats"]])
            sums = by_year.setdefault(row["plan"], [])
            sums += [0.0] * (len(years) - len(sums))
            for i, n in enumerate(years):
                sums[i] += n
            monthly[row["plan"]] = monthly.get(row["plan"], 0.0) + row["expected_monthly_seats"]
    order = [str(row.get("key")) for row in catalog.get("plans", []) if isinstance(row, Mapping)]
    plans = sorted(
        (p for p in annual if annual[p] > 0 or monthly[p] >= 0.05),
        key=lambda p: (order.index(p) if p in order else len(order), p),
    )
    lines = []
    for plan in plans:
        used = prices.get(plan)
        catalog_row = price_row(catalog, plan, used) if used is not None else None
        monthly_price = catalog_row.get("monthly_usd") if catalog_row is not None else None
        lines.append(
            SeatOrderLine(
                plan,
                annual[plan],
                monthly[plan],
                used,
                float(monthly_price) if isinstance(monthly_price, int | float) else None,
                tuple(by_year.get(plan, [annual[plan]])),
            )
        )
    return lines
