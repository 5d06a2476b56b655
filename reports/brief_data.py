"""The plain data the PDF brief is rendered from (built from a stored forecast run by `reports.services`),
and `stored_result`: where a result read back from JSON becomes the typed contract for `reports/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    return cast(ForecastResult, data)
