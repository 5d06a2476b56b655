"""Which engineer-months a plan capped: each engineer's plan capacity by month, the censored months and
their warnings (the fit of uncapped demand is `censored`).

Which months are censored: usage at or above CENSOR_SHARE of the plan's capacity (`is_censored`), and such
a month is censored *at that threshold*, i.e. it says "demand >= CENSOR_SHARE x capacity". That statement is
true whenever the month's real limit is at least the threshold, whatever the month's usage above it, so the
likelihood stays exact when the real limit differs from the catalog's figure (capacity varies around
`capacity_usd` by `capacity_sd`) or an uncapped heavy month lands just under the limit; it only gives up the
information of how far above the threshold the usage went. A real limit below the threshold still hides
capped months among the uncensored ones (docs/usage-import.md#capped-usage).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from procurement.imports.months import EngineerMonth

# A month at or above 95% of the plan's monthly capacity counts as capped. Project choice, the figure the
# issue-13 brief suggests: plan limits bind per 5-hour window and per week, so an engineer blocked in most
# weeks of a month ends within a few percent of the monthly allowance, not on it; 5% of a month is about
# one and a half days' allowance. Lower catches more of the months whose real limit sits below the catalog
# figure, at the price of censoring uncapped heavy months (information lost, no bias: see the docstring).
CENSOR_SHARE = 0.95
MAX_NAMED_MONTHS = 8  # a warning names this many censored months, then counts the rest
# Months piling up at one value below the threshold point to a real limit under the catalog's figure.
# Uncapped lognormal months rarely crowd the top: with sigma ~1, the expected number of months within 2% of
# the largest of n is about 1-2 whatever n, so 5 months and 5% of the capped-plan months (project choice)
# flag a pile-up, not the tail.
PILE_UP_BAND = 0.02
PILE_UP_MIN_MONTHS = 5
PILE_UP_MIN_SHARE = 0.05


@dataclass(frozen=True)
class Cap:
    """A plan's capacity for the months from `first_month` (YYYY-MM) on; None: the plan does not cap."""

    first_month: str
    capacity_usd: float | None


def plan_caps(rows: Sequence[tuple[str, str, float, str]]) -> dict[str, tuple[Cap, ...]]:
    """Catalog seat-plan rows (key, valid_from YYYY-MM-DD, capacity_usd, overflow) to each plan's caps over
    time: a plan caps usage only when its overflow is `blocked` and its capacity is positive."""
    caps: dict[str, list[Cap]] = {}
    for key, valid_from, capacity, overflow in sorted(rows, key=lambda r: (r[0], r[1])):
        capped = overflow == "blocked" and capacity > 0
        caps.setdefault(key, []).append(Cap(valid_from[:7], capacity if capped else None))
    return {key: tuple(found) for key, found in caps.items()}


def cap_for(caps: Sequence[Cap], month: str) -> float | None:
    """The capacity of the row in force in `month` (the latest starting at or before it; before the first
    row, the first row's)."""
    chosen = caps[0]
    for cap in caps:
        if cap.first_month <= month:
            chosen = cap
    return chosen.capacity_usd


def assign_caps(
    months: Sequence[EngineerMonth],
    plans: Mapping[str, str],
    caps: Mapping[str, Sequence[Cap]],
) -> tuple[list[EngineerMonth], list[str]]:
    """Each month of an engineer in `plans` (engineer -> plan key) with its plan's capacity as `cap_usd`,
    and warnings: engineers named with no usage, plan keys not in `caps`, plans that do not cap."""
    notes: list[str] = []
    unknown_plans = sorted({key for key in plans.values() if key not in caps})
    if unknown_plans:
        notes.append(f"plans not in the price catalog, so not capped: {', '.join(unknown_plans)}")
    engineers = {m.engineer for m in months}
    missing = sorted(set(plans) - engineers)
    if missing:
        notes.append(f"plans given for engineers without usage: {', '.join(missing)}")
    uncapped = sorted(
        {key for e, key in plans.items() if e in engineers and key in caps and not _ever_capped(caps[key])}
    )
    if uncapped:
        notes.append(
            f"plan {', '.join(uncapped)} does not cap usage in this catalog (its overflow is not `blocked`, "
            "or it has no capacity): those engineers' months are taken as their demand"
        )
    assigned = [
        replace(m, cap_usd=cap_for(caps[plans[m.engineer]], m.month)) if plans.get(m.engineer) in caps else m
        for m in months
    ]
    return assigned, notes


def _ever_capped(caps: Sequence[Cap]) -> bool:
    return any(cap.capacity_usd is not None for cap in caps)


def is_censored(month: EngineerMonth) -> bool:
    """A fitted month of a capped plan whose usage as observed (scaled to a whole average month, before
    any level scaling of the guard) reached CENSOR_SHARE of the plan's capacity."""
    return month.cap_usd is not None and _observed_usd(month) >= CENSOR_SHARE * month.cap_usd


def _observed_usd(month: EngineerMonth) -> float:
    """The month's usage as a whole average month, as observed (the plan's cap applies to this)."""
    return month.cost_usd * month.span.to_average_month


def censoring(
    used: Sequence[EngineerMonth], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The log usage to fit (a censored month at its threshold, log(CENSOR_SHARE x capacity), times the
    month's level factor when the guard scaled it) and which months are censored, for the months `used`
    with log usage `y`."""
    censored = np.array([is_censored(m) for m in used], dtype=bool)
    bounds = np.array(
        [
            math.log(CENSOR_SHARE * m.cap_usd * m.level_factor) if m.cap_usd is not None and c else 0.0
            for m, c in zip(used, censored, strict=True)
        ]
    )
    return np.where(censored, bounds, y), censored


def enough_uncensored(censored: NDArray[np.bool_], coefficients: int) -> bool:
    """Whether the censored fit can run: more uncensored months than the coefficients and sigma."""
    return int((~censored).sum()) > coefficients + 1


def censored_warnings(name: str, used: Sequence[EngineerMonth], censored: NDArray[np.bool_]) -> list[str]:
    """The warning naming the censored months (and saying when too few months were left uncapped)."""
    count = int(censored.sum())
    if count == 0:
        return _pile_up_warnings(name, used)
    named = [f"{m.engineer} {m.month}" for m, c in zip(used, censored, strict=True) if c]
    listed = ", ".join(named[:MAX_NAMED_MONTHS]) + (
        f" and {count - MAX_NAMED_MONTHS} more" if count > MAX_NAMED_MONTHS else ""
    )
    found = [
        f"{name}: {count} of {len(used)} engineer-months reached {CENSOR_SHARE:.0%} of their plan's "
        f"capacity ({listed}): treated as censored (demand at least that), and median and p90 fitted "
        "as uncapped demand"
    ]
    coefficients = 2 if len({m.month for m in used}) >= 3 else 1
    if not enough_uncensored(censored, coefficients):
        found.append(
            f"{name}: too few uncapped engineer-months to fit uncapped demand: fitted as if the capped "
            "months were demand, which understates it"
        )
    return found + _pile_up_warnings(name, used)


def _pile_up_warnings(name: str, used: Sequence[EngineerMonth]) -> list[str]:
    """A real limit below the threshold hides capped months among the uncensored ones, where they pile up
    at one value: warn when many months of capped plans sit within PILE_UP_BAND of their largest value
    below the threshold."""
    below = [m for m in used if m.cap_usd is not None and not is_censored(m)]
    if not below:
        return []
    top = max(_observed_usd(m) for m in below)
    piled = [m for m in below if _observed_usd(m) >= (1 - PILE_UP_BAND) * top]
    if len(piled) < max(PILE_UP_MIN_MONTHS, PILE_UP_MIN_SHARE * len(below)):
        return []
    cap = max(m.cap_usd or 0.0 for m in piled)
    return [
        f"{name}: {len(piled)} engineer-months of capped plans sit at about ${top:,.0f} "
        f"({top / cap:.0%} of the catalog capacity ${cap:,.0f}), below the "
        f"{CENSOR_SHARE:.0%} that marks a capped month: if that is the plan's real limit, they understate "
        "demand; set the plan's capacity in the price catalog to it (docs/usage-import.md#capped-usage)"
    ]
