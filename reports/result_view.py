"""Reading a result (docs/result.md) for the brief: labels in plain words and the few figures it derives.

Everything here is pure and works on the result typed by `forecasting.engine.contract`, so mypy checks
every key read here against the contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from forecasting.engine.contract import (
    ApiPeriod,
    CommitmentPoint,
    Driver,
    ForecastResult,
    Lever,
    PlanShare,
    SensitivityRow,
    Team,
)
from reports.formatting import as_number, display_text, money, percent
from reports.plan_names import current_plan_name

NAME_CHARS = 80  # longest team, feature or driver name shown in a table cell
PLAN_LABELS = {
    "api": "API billing (no seat)",
    "pro": "Pro",
    "max_5x": "Max 5x",
    "max_20x": "Max 20x",
    "team_premium": "Team premium",
    "team_standard": "Team standard",
    "enterprise": "Enterprise",
}
LEVER_LABELS: dict[Lever, tuple[str, str]] = {
    "model_mix": ("Model routing", "Send each feature’s traffic to its target model mix."),
    "cache_hit_rate": ("Prompt caching", "Raise each feature’s cache hit rate to its target."),
    "batch_share": (
        "Batch API",
        "Move each feature’s target share of requests to the Batch API (half price).",
    ),
    "all": ("All levers together", "Every lever above at once (savings overlap, so they do not add up)."),
}
DRIVER_LABELS: dict[Driver, str] = {
    "growth": "Feature growth",
    "tokens": "Tokens per request",
    "cache_hit_rate": "Cache hit rate",
    "headcount": "Headcount",
    "adoption": "Adoption",
    "usage_intensity": "Usage intensity",
    "plan_capacity": "Plan capacity",
    "correlation": "Correlation",
}
BASELINE_LABELS: dict[BaselineName, str] = {
    "no_commitment": "No commitment (pay list)",
    "run_rate": "Run rate (current monthly spend, no growth)",
    "median": "Median forecast",
}


def catalog_text(catalog: Mapping[str, Any]) -> str:
    """`anthropic-list-2026-11 (as of 2026-11-01)`."""
    slug, as_of = (
        display_text(catalog.get("slug"), max_chars=80),
        display_text(catalog.get("as_of"), max_chars=30),
    )
    return f"{slug} (as of {as_of})"


def humanize(key: Any, *, max_chars: int = NAME_CHARS) -> str:
    """`overage_at_committed_rate` -> `Overage at committed rate` (for keys the brief has no label for)."""
    words = display_text(key, max_chars=max_chars).replace("_", " ").replace(":", ": ").split(" ")
    words = ["API" if word.lower() == "api" else word for word in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def plan_label(key: Any) -> str:
    """The plan's catalog name in a `reports.plan_names.catalog_plan_names` block, else a built-in label."""
    return current_plan_name(str(key)) or PLAN_LABELS.get(str(key), humanize(key))


def driver_label(key: Driver) -> str:
    return DRIVER_LABELS[key]


def move_text(value: str) -> str:
    """A sensitivity case as the engine states it (`growth +2 pp/month`), cleaned for the page."""
    return display_text(value, max_chars=60)


def move_amount(value: str) -> str:
    """The amount of a sensitivity move (`tokens per request −20%` -> `−20%`), from its first signed word:
    the driver is named beside it, so the tornado's row label stays short enough never to be cut."""
    words = display_text(value, max_chars=60).split(" ")
    for i, word in enumerate(words):
        if word[:1] in "+−-":
            return " ".join(words[i:])
    return " ".join(words)


Metric = Literal["expected_cost", "commitment"]  # what a tornado shows


def sensitivity_base(result: ForecastResult, metric: Metric) -> float | None:
    """The value the tornado is centred on (see `charts.tornado`): the headline, i.e. the total expected
    cost or the first period's recommended commitment, as page 1 states it (issue 14: a centre that
    differed from the headline was a number a reader could catch out)."""
    if metric == "expected_cost":
        return result["total"]["expected_cost"]
    rows = periods(result)
    return rows[0]["recommended"]["commitment"] if rows else None


def sensitivity_case(result: ForecastResult, row: SensitivityRow, metric: Metric) -> tuple[float, float]:
    """A driver's (low, high) case as shown: the headline plus the case's difference from the unmoved
    baseline on the same trials (`sensitivity_baseline`), so the cases are offsets from the headline and
    the subsample's own sampling error cancels out of them. Without a baseline, the case as stored."""
    low, high = (
        (row["expected_cost_low"], row["expected_cost_high"])
        if metric == "expected_cost"
        else (row["commitment_low"], row["commitment_high"])
    )
    baseline, headline = result["sensitivity_baseline"], sensitivity_base(result, metric)
    if baseline is None or headline is None:
        return low, high
    shift = headline - baseline[metric]
    return low + shift, high + shift


def money_list(value: object) -> str:
    """One amount, or a per-period list of amounts as `$780K / $780K`."""
    if isinstance(value, list | tuple):
        return " / ".join(money(v) for v in value) or "—"
    return money(value)


def periods(result: ForecastResult) -> list[ApiPeriod]:
    return list(result["api"]["periods"])


def sorted_curve(period: ApiPeriod) -> list[CommitmentPoint]:
    return sorted(period["curve"], key=lambda point: point["commitment"])


def band_floors(period: ApiPeriod) -> list[CommitmentPoint]:
    """The curve point at the lowest commitment of each discount level: the floors of the bands."""
    floors: dict[float, CommitmentPoint] = {}
    for point in sorted_curve(period):
        floors.setdefault(point["discount"], point)
    return sorted(floors.values(), key=lambda point: point["commitment"])


def cheaper_curve_point(period: ApiPeriod) -> CommitmentPoint | None:
    """The curve's cheapest point when it beats the recommendation by more than 0.1% (else None).

    That happens by design when the recommendation is chosen for the whole term (one commitment for every
    period when no ramp is allowed) or capped by a maximum probability of unused commitment.
    """
    recommended = period["recommended"]["expected_cost"]
    points = period["curve"]
    if not points:
        return None
    cheapest = min(points, key=lambda p: p["expected_cost"])
    return cheapest if cheapest["expected_cost"] < recommended * 0.999 else None


BaselineName = Literal["no_commitment", "run_rate", "median"]


@dataclass(frozen=True)
class BaselineSaving:
    name: BaselineName
    label: str
    commitments: tuple[float, ...]  # one per period
    expected_cost: float
    saving: float  # baseline expected cost minus the recommendation's, summed over periods


BASELINE_ORDER: tuple[BaselineName, ...] = ("no_commitment", "run_rate", "median")


def baseline_savings(result: ForecastResult) -> list[BaselineSaving]:
    """Each baseline's expected API cost over the term and what the recommendation saves against it."""
    rows = periods(result)
    recommended = sum(p["recommended"]["expected_cost"] for p in rows)
    out = []
    for name in BASELINE_ORDER:  # a fixed order: PostgreSQL's jsonb gives stored keys back sorted
        entries = [p["baselines"][name] for p in rows]
        cost = sum(entry["expected_cost"] for entry in entries)
        commitments = tuple(entry["commitment"] for entry in entries)
        out.append(BaselineSaving(name, BASELINE_LABELS[name], commitments, cost, cost - recommended))
    return out


Item = TypeVar("Item", bound=Mapping[str, object])


def ranked(items: Sequence[Item], key: str = "expected_saving") -> list[Item]:
    """Largest value first; items without a number go last, in their stored order."""
    return sorted(items, key=lambda item: -(as_number(item.get(key)) or float("-inf")))


def mix_rows(team: Team) -> list[PlanShare]:
    """The team's plans that hold engineers or seats, largest share first."""
    return [r for r in ranked(team["mix"], "share") if r["share"] > 0 or r["annual_seats"] > 0]


def mix_text(team: Team, *, min_share: float = 0.0) -> str:
    """`Pro 56% · Max 5x 32% · API billing (no seat) 2%`, largest share first; plans with a share below
    `min_share` are left out (the summary's one-line form; the seats pages list every plan)."""
    rows = [row for row in mix_rows(team) if row["share"] >= min_share] or mix_rows(team)
    parts = [f"{plan_label(row['plan'])} {percent(row['share'])}" for row in rows]
    return " · ".join(parts) or "—"


def seat_totals(team: Team) -> tuple[float, float]:
    """Annual and expected monthly seats over the team's seat plans (engineers on API billing excluded)."""
    annual = monthly = 0.0
    for row in team["mix"]:
        if row["plan"] == "api":
            continue
        annual += row["annual_seats"]
        monthly += row["expected_monthly_seats"]
    return annual, monthly


def band_floor_phrase(result: ForecastResult, scale: float) -> str:
    """`10% from $200K instead of $250K; 15% from $800K instead of $1.00M` for a threshold concession."""
    floors = [p for p in band_floors(periods(result)[0]) if p["commitment"] > 0]
    return "; ".join(
        f"{percent(p['discount'])} from {money(p['commitment'] * scale)} instead of {money(p['commitment'])}"
        for p in floors
    )
