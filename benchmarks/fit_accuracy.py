"""Replication benchmark of the team fit: `python -m benchmarks.fit_accuracy --replications 200`.

Each case is drawn `--replications` times from known parameters (tests/imports/generate.py: daily usage
from the engine's model, docs/model.md#seat-path) and fitted through the real pipeline:

- the typical case through daily `ccusage` files: parsing, months, the level-shift guard and the fit
  (`calibrate`), as an import does;
- the other cases through the importer's engineer-months built from the same daily draws, then the
  guard and the fit (`fit_team_guarded`, what `calibrate` runs per team): the same numbers without
  writing and parsing JSON, so 200 replications take minutes.

Per scenario field: mean bias (relative for the median and p90, absolute for persistence and growth)
with its standard error, RMSE, and the coverage of the fit's own 90% interval (`TeamFit.intervals`;
"n/a" when the fit reports none). The truth of the median and p90 is the level in the last month of
data (after the shift in the shifted case: the guard fits the level after a shift). Targets (issue 13):
bias within +-3% for median and p90 and +-0.03 for persistence on cases without a shift; 90% intervals
cover 85-95%. Also printed: how often the guard found a shift.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forecasting.engine.inputs import ModelPrice
from procurement.imports import parse_usage_file
from procurement.imports.calibrate import calibrate, fit_team_guarded
from procurement.imports.team_fit import TeamFit
from tests.imports.generate import Truth, daily_usage

PRICES_FILE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "usage" / "sample_prices.json"
FIELDS = ("usage_median_usd", "usage_p90_usd", "usage_persistence", "usage_growth")
RELATIVE = {"usage_median_usd", "usage_p90_usd"}


@dataclass(frozen=True)
class Case:
    truth: Truth
    engineers: int
    months: int
    files: bool  # True: through daily ccusage files and calibrate


CASES = {
    # The stationary team: 120 engineers x 6 months, median 220, p90 900, persistence 0.7
    "typical": Case(Truth(220.0, 900.0, 0.7), 120, 6, files=True),
    "heavy_tailed": Case(Truth(150.0, 1500.0, 0.6), 60, 6, files=False),  # p90 / median = 10
    "sticky": Case(Truth(150.0, 600.0, 0.9), 60, 6, files=False),
    "short": Case(Truth(150.0, 600.0, 0.6), 40, 3, files=False),
    "growing": Case(Truth(150.0, 600.0, 0.6, growth=0.05), 60, 12, files=False),
    "shift": Case(Truth(220.0, 900.0, 0.7, shift_factor=0.7, shift_days_before_end=45), 100, 6, files=False),
}


def prices() -> dict[str, ModelPrice]:
    table = json.loads(PRICES_FILE.read_text())["models"]
    return {key: ModelPrice(row["input"], row["output"]) for key, row in table.items()}


def truths(case: Case) -> dict[str, float]:
    t = case.truth
    level = (case.months - 1) * math.log1p(t.growth) + math.log(t.shift_factor)
    return {
        "usage_median_usd": t.median * math.exp(level),
        "usage_p90_usd": t.p90 * math.exp(level),
        "usage_persistence": t.persistence,
        "usage_growth": t.growth,
    }


def fit_once(case: Case, rng: np.random.Generator, table: dict[str, ModelPrice]) -> tuple[TeamFit, bool]:
    """One draw fitted through the pipeline; the fit and whether the guard found a shift."""
    usage = daily_usage(rng, case.truth, engineers=case.engineers, months=case.months)
    if case.files:
        parsed = [parse_usage_file(name, content) for name, content in usage.files()]
        result = calibrate(parsed, table)
        (fit,) = result.team_fits
        return fit, bool(result.shifts)
    guarded = fit_team_guarded(
        usage.engineer_months(), name="t", first_day=usage.days[0], last_day=usage.days[-1]
    )
    return guarded.fit, guarded.alternative is not None


def value(fit: TeamFit, field: str) -> float | None:
    found = getattr(fit, field)
    return None if found is None else float(found)


def replicate(case: Case, replications: int, seed: int, table: dict[str, ModelPrice]) -> list[str]:
    """Markdown rows of one case."""
    truth = truths(case)
    estimates: dict[str, list[float]] = {f: [] for f in FIELDS}
    covered: dict[str, list[bool]] = {f: [] for f in FIELDS}
    shifts = 0
    for r in range(replications):
        fit, shifted = fit_once(case, np.random.default_rng([seed, r]), table)
        shifts += shifted
        intervals = getattr(fit, "intervals", None) or {}
        for field in FIELDS:
            v = value(fit, field)
            if v is None:
                continue
            estimates[field].append(v)
            if field in intervals:
                low, high = intervals[field]
                covered[field].append(low <= truth[field] <= high)
    rows = []
    for field in FIELDS:
        values = np.array(estimates[field])
        if values.size == 0:
            continue
        relative = field in RELATIVE
        errors = values / truth[field] - 1 if relative else values - truth[field]
        scale, unit = (100.0, "%") if relative else (1.0, "")
        bias, bias_se = errors.mean() * scale, errors.std(ddof=1) * scale / math.sqrt(errors.size)
        rmse = math.sqrt(float((errors**2).mean())) * scale
        hits = covered[field]
        coverage = (
            f"{np.mean(hits):.1%} ± {math.sqrt(0.09 / len(hits)):.1%}" if len(hits) == errors.size else "n/a"
        )
        rows.append(
            f"| {field} | {truth[field]:,.4g} | {bias:+.2f}{unit} ± {bias_se:.2f}{unit} | "
            f"{rmse:.3g}{unit} | {coverage} |"
        )
    rows.append(f"| (guard: shift found) | | {shifts}/{replications} | | |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    table = prices()
    print(f"{args.replications} replications per case, seed {args.seed}")
    for key in args.cases:
        case = CASES[key]
        started = time.perf_counter()
        rows = replicate(case, args.replications, args.seed * 100 + list(CASES).index(key), table)
        t = case.truth
        path = "daily ccusage files, calibrate" if case.files else "engineer-months, fit_team_guarded"
        print(
            f"\n**{key}**: {case.engineers} engineers x {case.months} months, median {t.median:g}, "
            f"p90 {t.p90:g}, persistence {t.persistence:g}, growth {t.growth:g}"
            + (
                f", level x{t.shift_factor:g} from {t.shift_days_before_end} days before the end"
                if t.shift_days_before_end
                else ""
            )
            + f" ({path}; {time.perf_counter() - started:.0f} s)\n"
        )
        print("| field | true | mean bias ± se | RMSE | 90% interval coverage ± se |")
        print("|---|---|---|---|---|")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
