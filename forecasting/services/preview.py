"""Preview a usage fit before it is applied (docs/usage-import.md#applying-a-fit): each changed input
before and after, the plausibility flags, and the change in the team's or feature's expected cost over the
term from a quick forecast of the scenario without and with the fit.

The quick forecast is the forecast and decisions only (no levers, concessions or sensitivity), with
PREVIEW_TRIALS trials and the same fixed seed before and after: both forecasts draw the same random
numbers, so the difference is the fit's effect, not two samples' noise. Nothing is written; applying is
`procurement.usage.applying.record_fit`. This lives in `forecasting` because it computes a forecast
(`procurement` may not import the services, docs/architecture.md#dependencies).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from forecasting.engine.contract import ForecastResult
from forecasting.scenario_inputs import forecast_input
from forecasting.services import compute
from forecasting.services.documents import prepare_document
from procurement.models import Scenario, catalog_snapshot
from procurement.models.usage import UsageImport
from procurement.usage.applying import FitPlan, plan_fit

# One engine block (forecasting.scenario_inputs.BLOCK_TRIALS) and "a few thousand trials" (issue 13): on
# the demo scenario a 5,000-trial forecast without extras takes about 0.25 s here, so both fit in the 2 s
# target (benchmarks/preview_bench.py). The same seed before and after (common random numbers) keeps the
# difference free of the 5,000-trial sampling noise that two independent runs would add to it.
PREVIEW_TRIALS = 5_000
PREVIEW_SEED = 13  # fixed (any value would do): the same preview twice gives the same numbers


@dataclass(frozen=True)
class CostChange:
    """An expected cost over the term (USD) without and with the fit."""

    label: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before

    @property
    def relative(self) -> float | None:
        return self.change / self.before if self.before else None


@dataclass(frozen=True)
class FitPreview:
    plan: FitPlan
    subject: CostChange  # the team's seat cost, or the feature's list API spend, over the term
    total: CostChange  # API and seats together at the recommended commitments
    commitments_before: tuple[float, ...]  # the recommended API commitment per period
    commitments_after: tuple[float, ...]
    trials: int
    seed: int
    seconds: float


def preview_fit(
    usage_import: UsageImport,
    scenario: Scenario,
    *,
    team: str | None = None,
    feature: str | None = None,
    fit: str | None = None,
    level: str = "after",
) -> FitPreview:
    """What applying the fit would change, and what it would cost, without writing anything.

    Refusals are `plan_fit`'s (ScenarioValidationError with field paths)."""
    started = time.perf_counter()
    plan = plan_fit(usage_import, scenario, team=team, feature=feature, fit=fit, level=level)
    before = quick_forecast(plan.previous_document, scenario)
    after = quick_forecast(plan.document, scenario)
    subject_before, label = _subject_cost(before, plan)
    subject_after, _ = _subject_cost(after, plan)
    return FitPreview(
        plan=plan,
        subject=CostChange(label, subject_before, subject_after),
        total=CostChange(
            "total expected cost over the term (API and seats)",
            before["total"]["expected_cost"],
            after["total"]["expected_cost"],
        ),
        commitments_before=_commitments(before),
        commitments_after=_commitments(after),
        trials=PREVIEW_TRIALS,
        seed=PREVIEW_SEED,
        seconds=time.perf_counter() - started,
    )


def quick_forecast(document: dict[str, Any], scenario: Scenario) -> ForecastResult:
    """The document's forecast and decisions with PREVIEW_TRIALS trials and PREVIEW_SEED, priced with the
    scenario's catalog."""
    prepared = prepare_document(
        document, trials=PREVIEW_TRIALS, seed=PREVIEW_SEED, catalog=scenario.price_catalog
    )
    inp = forecast_input(
        prepared.document, catalog_snapshot(prepared.catalog), seed=prepared.seed, trials=prepared.trials
    )
    return compute.forecast_core(inp)


def _subject_cost(result: ForecastResult, plan: FitPlan) -> tuple[float, str]:
    name = plan.document[plan.kind][plan.index]["name"]
    if plan.kind == "teams":
        team = next(t for t in result["seats"]["teams"] if t["name"] == name)
        return float(team["expected_cost"]), f"{name}: expected seat cost over the term"
    feature = next(f for f in result["api"]["features"] if f["name"] == name)
    return float(feature["spend"]["mean"]), f"{name}: expected list API spend over the term"


def _commitments(result: ForecastResult) -> tuple[float, ...]:
    return tuple(float(period["recommended"]["commitment"]) for period in result["api"]["periods"])
