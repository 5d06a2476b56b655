"""Reading a DESIGN 7 result for the brief: labels in plain words and the few derived figures it shows.

Everything here is pure and works on the stored result as plain mappings. Keys the contract marks as
required are read directly; open-ended parts (blended/separated contents, standard errors, extra keys)
are read defensively because the engine may add to them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from reports.formatting import MINUS, as_number, display_text, money, percent

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
LEVER_LABELS = {
    "model_mix": ("Model routing", "Send each feature’s traffic to its target model mix."),
    "cache_hit_rate": ("Prompt caching", "Raise each feature’s cache hit rate to its target."),
    "batch_share": (
        "Batch API",
        "Move each feature’s target share of requests to the Batch API (half price).",
    ),
    "all": ("All levers together", "Every lever above at once (savings overlap, so they do not add up)."),
}
DRIVER_LABELS = {
    "growth": "Feature growth",
    "tokens": "Tokens per request",
    "tokens_per_request": "Tokens per request",
    "cache_hit_rate": "Cache hit rate",
    "headcount": "Headcount",
    "adoption": "Adoption",
    "usage_intensity": "Usage intensity",
    "plan_capacity": "Plan capacity",
}
BASELINE_LABELS = {
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
    return PLAN_LABELS.get(str(key), humanize(key))


def lever_label(key: Any) -> tuple[str, str]:
    return LEVER_LABELS.get(
        str(key).removeprefix("lever:"), (humanize(key), "As configured on the features.")
    )


def driver_label(key: Any) -> str:
    return DRIVER_LABELS.get(str(key), humanize(key))


def move_text(value: Any) -> str:
    """A sensitivity case as stated: numbers as signed percentages (fractions) or values, text as given."""
    number = as_number(value)
    if number is None:
        return "—" if value is None else display_text(value, max_chars=60)
    if abs(number) <= 1:
        return f"{'+' if number > 0 else ''}{percent(number)}"
    return f"{'+' if number > 0 else MINUS if number < 0 else ''}{abs(number):,.3g}"


def sensitivity_base(result: Mapping[str, Any], metric: str) -> float | None:
    """The value the tornado's cases are compared with (see `charts.tornado`)."""
    baseline = result.get("sensitivity_baseline") or {}
    stored = as_number(baseline.get(metric))
    if stored is not None:
        return stored
    if metric == "expected_cost":
        return as_number((result.get("total") or {}).get("expected_cost"))
    rows = periods(result)
    return as_number(rows[0]["recommended"].get("commitment")) if rows else None


def money_list(value: Any) -> str:
    """One amount, or a per-period list of amounts as `$780K / $780K`."""
    if isinstance(value, list | tuple):
        return " / ".join(money(v) for v in value) or "—"
    return money(value)


def periods(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(result["api"]["periods"])


def sorted_curve(period: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return sorted(period.get("curve", []), key=lambda point: float(point["commitment"]))


def band_floors(period: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The curve point at the lowest commitment of each discount level: the floors of the bands."""
    floors: dict[float, Mapping[str, Any]] = {}
    for point in sorted_curve(period):
        floors.setdefault(float(point["discount"]), point)
    return sorted(floors.values(), key=lambda point: float(point["commitment"]))


def cheaper_curve_point(period: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The curve's cheapest point when it beats the recommendation by more than 0.1% (else None).

    That happens by design when the recommendation is chosen for the whole term (one commitment for every
    period when no ramp is allowed) or capped by a maximum probability of unused commitment.
    """
    recommended = as_number(period["recommended"].get("expected_cost"))
    points = [p for p in period.get("curve", []) if as_number(p.get("expected_cost")) is not None]
    if recommended is None or not points:
        return None
    cheapest = min(points, key=lambda p: float(p["expected_cost"]))
    return cheapest if float(cheapest["expected_cost"]) < recommended * 0.999 else None


def probability_unused(period: Mapping[str, Any], point: Mapping[str, Any]) -> str:
    """P(unused > 0) at a curve point: stored if the engine gives it, else read off the spend quantiles.

    Unused is positive exactly when list spend S < C / (1 - d). Without a stored value the probability is
    interpolated linearly between the period's stored spend quantiles (p5 ... p95) and marked "≈";
    outside them only a bound can be given.
    """
    stored = as_number(point.get("probability_unused"))
    if stored is not None:
        return percent(stored)
    commitment, discount = as_number(point.get("commitment")), as_number(point.get("discount"))
    if commitment is None or discount is None or discount >= 1:
        return "—"
    if commitment <= 0:
        return "0%"
    covered = commitment / (1 - discount)
    spend = period.get("spend", {})
    known = [
        (float(spend[f"p{q}"]), q / 100)
        for q in (5, 10, 50, 90, 95)
        if as_number(spend.get(f"p{q}")) is not None
    ]
    if len(known) < 2:
        return "—"
    if covered < known[0][0]:
        return f"<{percent(known[0][1])}"
    if covered > known[-1][0]:
        return f">{percent(known[-1][1])}"
    for (x0, p0), (x1, p1) in pairwise(known):
        if x0 <= covered <= x1:
            share = 0.0 if x1 == x0 else (covered - x0) / (x1 - x0)
            return f"≈{percent(p0 + share * (p1 - p0))}"
    return "—"


@dataclass(frozen=True)
class BaselineSaving:
    name: str
    label: str
    commitments: tuple[float | None, ...]  # one per period
    expected_cost: float
    saving: float  # baseline expected cost minus the recommendation's, summed over periods


BASELINE_ORDER = ("no_commitment", "run_rate", "median")


def baseline_savings(result: Mapping[str, Any]) -> list[BaselineSaving]:
    """Each baseline's expected API cost over the term and what the recommendation saves against it."""
    rows = periods(result)
    recommended = sum(float(p["recommended"]["expected_cost"]) for p in rows)
    # A fixed order: stored JSON may come back with its keys in any order (PostgreSQL's jsonb sorts them).
    found = {name for p in rows for name in p.get("baselines", {})}
    names = [n for n in BASELINE_ORDER if n in found] + sorted(found - set(BASELINE_ORDER))
    out = []
    for name in names:
        entries = [p["baselines"].get(name, {}) for p in rows]
        if any(as_number(entry.get("expected_cost")) is None for entry in entries):
            continue
        cost = sum(float(entry["expected_cost"]) for entry in entries)
        commitments = tuple(as_number(entry.get("commitment")) for entry in entries)
        out.append(
            BaselineSaving(
                name, BASELINE_LABELS.get(name, humanize(name)), commitments, cost, cost - recommended
            )
        )
    return out


def ranked(items: Sequence[Mapping[str, Any]], key: str = "expected_saving") -> list[Mapping[str, Any]]:
    """Largest value first; items without a number go last, in their stored order."""
    return sorted(items, key=lambda item: -(as_number(item.get(key)) or float("-inf")))


def mix_rows(team: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The team's plans that hold engineers or seats, largest share first."""
    rows = ranked(team.get("mix", []), "share")
    return [
        r for r in rows if (as_number(r.get("share")) or 0) > 0 or (as_number(r.get("annual_seats")) or 0) > 0
    ]


def mix_text(team: Mapping[str, Any], *, min_share: float = 0.0) -> str:
    """`Pro 56% · Max 5x 32% · API billing (no seat) 2%`, largest share first; plans with a share below
    `min_share` are left out (the summary's one-line form; the seats pages list every plan)."""
    rows = [row for row in mix_rows(team) if (as_number(row.get("share")) or 0.0) >= min_share] or mix_rows(
        team
    )
    parts = [f"{plan_label(row['plan'])} {percent(row.get('share'))}" for row in rows]
    return " · ".join(parts) or "—"


def seat_totals(team: Mapping[str, Any]) -> tuple[float, float]:
    """Annual and expected monthly seats over the team's seat plans (engineers on API billing excluded)."""
    annual = monthly = 0.0
    for row in team.get("mix", []):
        if row.get("plan") == "api":
            continue
        annual += as_number(row.get("annual_seats")) or 0.0
        monthly += as_number(row.get("expected_monthly_seats")) or 0.0
    return annual, monthly


def band_floor_phrase(result: Mapping[str, Any], scale: float) -> str:
    """`10% from $200K instead of $250K; 15% from $800K instead of $1.00M` for a threshold concession."""
    floors = [p for p in band_floors(periods(result)[0]) if (as_number(p.get("commitment")) or 0) > 0]
    return "; ".join(
        f"{percent(p['discount'])} from {money(float(p['commitment']) * scale)} "
        f"instead of {money(p['commitment'])}"
        for p in floors
    )
