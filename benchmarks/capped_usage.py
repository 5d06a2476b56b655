"""Replication benchmark of the team fit on usage capped by a plan: `python -m benchmarks.capped_usage`.

Each case draws a stationary team from the engine's model (docs/model.md#seat-path; median 220, p90 900,
persistence 0.7, no growth, no team shock), caps the monthly usage of the engineers on a blocking plan at
the plan's *real* limit, and fits the capped engineer-months through `team_fit.fit_team` twice: naive (no
plan known, the capped months taken as demand) and censored (each capped engineer's months carry the
catalog's capacity as `cap_usd`, docs/usage-import.md#capped-usage). The catalog capacity is the 75th
percentile of monthly usage; the real limit is that figure times `real/catalog` (capacity varies around
the catalog figure by capacity_sd 0.25 in the engine). Printed per case and fit: the relative mean bias of
the median and p90 (in dollars, with its replication standard error), their RMSE and the coverage of the
fit's own 90% intervals, the persistence bias, and the share of months censored.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import numpy as np

from procurement.imports.calendar_span import MonthSpan
from procurement.imports.months import EngineerMonth
from procurement.imports.team_fit import Z90, TeamFit, fit_team

MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
MEDIAN, P90, PERSISTENCE = 220.0, 900.0, 0.7  # issue 13's acceptance case
Z75 = 0.6744897501960817  # standard normal 75th percentile: the catalog capacity's place
SPAN = MonthSpan("", 21, 9, 21, 9, 0.0)  # a whole month of 21 weekdays (engineers: weekend weight 0)


@dataclass(frozen=True)
class Case:
    name: str
    engineers: int
    capped_share: float  # of the engineers on the blocking plan
    real_over_catalog: float  # the real monthly limit / the catalog's capacity


CASES = (
    Case("all capped, limit = catalog", 80, 1.0, 1.0),
    Case("60% capped, limit = catalog", 80, 0.6, 1.0),
    Case("all capped, limit 1.25 x catalog", 80, 1.0, 1.25),
    Case("all capped, limit 0.8 x catalog", 80, 1.0, 0.8),
)


def draw(case: Case, seed: int) -> tuple[list[EngineerMonth], list[EngineerMonth]]:
    """The same capped team twice: without caps (naive) and with the catalog capacity on capped months."""
    rng = np.random.default_rng([17, seed])
    mu, sigma = math.log(MEDIAN), math.log(P90 / MEDIAN) / Z90
    catalog_cap = math.exp(mu + Z75 * sigma)
    real = catalog_cap * case.real_over_catalog
    capped = round(case.engineers * case.capped_share)
    scale = SPAN.to_average_month
    naive, known = [], []
    for i in range(case.engineers):
        effect = rng.standard_normal()
        for month in MONTHS:
            nu = rng.standard_normal()
            demand = math.exp(
                mu + sigma * (math.sqrt(PERSISTENCE) * effect + math.sqrt(1 - PERSISTENCE) * nu)
            )
            usage = min(demand, real) if i < capped else demand
            row = EngineerMonth(f"e{i}", month, usage / scale, None, 21, SPAN)
            naive.append(row)
            known.append(
                EngineerMonth(f"e{i}", month, usage / scale, None, 21, SPAN, cap_usd=catalog_cap)
                if i < capped
                else row
            )
    return naive, known


def _summary(fits: list[TeamFit]) -> dict[str, float]:
    out: dict[str, float] = {}
    r = len(fits)
    for field, truth in (("usage_median_usd", MEDIAN), ("usage_p90_usd", P90)):
        errors = np.array([getattr(f, field) / truth - 1 for f in fits])
        out[f"{field}_bias"] = float(errors.mean())
        out[f"{field}_se"] = float(errors.std(ddof=1) / math.sqrt(r))
        out[f"{field}_rmse"] = float(math.sqrt((errors**2).mean()))
        inside = [
            f.intervals[field][0] <= truth <= f.intervals[field][1] for f in fits if field in f.intervals
        ]
        out[f"{field}_cover"] = float(np.mean(inside)) if inside else math.nan
    out["persistence_bias"] = float(np.mean([f.usage_persistence - PERSISTENCE for f in fits]))
    out["censored_share"] = float(np.mean([f.censored_months / f.engineer_months for f in fits]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=60)
    args = parser.parse_args()
    started = time.perf_counter()
    truth = f"median {MEDIAN:.0f}, p90 {P90:.0f}, persistence {PERSISTENCE}"
    print(f"{args.replications} replications per case; truth {truth}")
    head = "median: bias ± se, RMSE, cover | p90: bias ± se, RMSE, cover | persistence bias | censored"
    print(f"| case | fit | {head} |")
    print("|---|---|---|---|---|---|")
    for case in CASES:
        naive, censored = [], []
        for seed in range(args.replications):
            plain, known = draw(case, seed)
            naive.append(fit_team(plain, name="naive"))
            censored.append(fit_team(known, name="censored"))
        for label, fits in (("naive", naive), ("censored", censored)):
            s = _summary(fits)
            cells = [
                f"{s[f'{f}_bias']:+.1%} ± {s[f'{f}_se']:.1%}, {s[f'{f}_rmse']:.1%}, {s[f'{f}_cover']:.0%}"
                for f in ("usage_median_usd", "usage_p90_usd")
            ]
            tail = f"{s['persistence_bias']:+.3f} | {s['censored_share']:.0%}"
            print(f"| {case.name} | {label} | {cells[0]} | {cells[1]} | {tail} |")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
