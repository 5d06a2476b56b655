"""Fit accuracy table: `python -m benchmarks.fit_accuracy`.

Usage generated from known parameters (the engine's own model, the generators of the recovery tests in
tests/imports/) is fitted by the importers' fits; each row prints the true value, the fitted value, the
error and the test's tolerance (4 closed-form sampling sds; chi-square 99.9% band for volatility), so the
table shows the tolerance shrinking as the data grow.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from procurement.imports import fit_feature, fit_team
from tests.imports.test_feature_fit import PARAMETER_SETS as FEATURE_SETS
from tests.imports.test_feature_fit import ols_sd, simulate_feature
from tests.imports.test_team_fit import PARAMETER_SETS as TEAM_SETS
from tests.imports.test_team_fit import SIZES, closed_form_sd, simulate_team


def team_rows() -> list[tuple[str, ...]]:
    rows = []
    for case, params in TEAM_SETS.items():
        for engineers, months in SIZES.values():
            rng = np.random.default_rng([2026, list(TEAM_SETS).index(case), engineers])
            fit = fit_team(simulate_team(rng, engineers=engineers, months=months, **params), name=case)
            sd = closed_form_sd(engineers=engineers, months=months, **params)
            level = (months - 1) * math.log1p(params["growth"])
            label = f"team {case}, {engineers} eng x {months} mo"
            p90 = fit.usage_p90_usd
            assert p90 is not None, "a spread is fitted from two or more engineer-months"
            checks = (
                (
                    "median (last month) USD",
                    params["median"] * math.exp(level),
                    fit.usage_median_usd,
                    "log",
                    sd["log_median"],
                ),
                (
                    "p90 (last month) USD",
                    params["p90"] * math.exp(level),
                    p90,
                    "log",
                    sd["log_p90"],
                ),
                ("persistence", params["persistence"], fit.usage_persistence, "abs", sd["persistence"]),
                ("growth / month", params["growth"], fit.usage_growth or 0.0, "log1p", sd["slope"]),
            )
            rows += [_row(label, *check) for check in checks]
    return rows


def feature_rows() -> list[tuple[str, ...]]:
    rows = []
    for case, params in FEATURE_SETS.items():
        for months in (12, 48):
            rng = np.random.default_rng([7, list(FEATURE_SETS).index(case), months])
            fit = fit_feature(simulate_feature(rng, months=months, **params), name=case)
            slope_sd, level_sd = ols_sd(months, params["volatility"])
            true_level = params["volume"] * (1 + params["growth"]) ** (months - 1)
            label = f"feature {case}, {months} mo"
            rows.append(_row(label, "volume (last month)", true_level, fit.volume_per_month, "log", level_sd))
            rows.append(_row(label, "growth / month", params["growth"], fit.growth or 0.0, "log1p", slope_sd))
            low, high = (math.sqrt(stats.chi2.ppf(q, months - 2) / (months - 2)) for q in (0.0005, 0.9995))
            ratio = (fit.volatility or 0.0) / params["volatility"]
            rows.append(
                (
                    label,
                    "volatility",
                    f"{params['volatility']:.3f}",
                    f"{fit.volatility or 0.0:.3f}",
                    f"ratio {ratio:.3f}",
                    f"ratio in [{low:.3f}, {high:.3f}]",
                )
            )
    return rows


def _row(label: str, name: str, true: float, fitted: float, scale: str, sd: float) -> tuple[str, ...]:
    if scale == "log":
        error, unit = math.log(fitted) - math.log(true), "log"
    elif scale == "log1p":
        error, unit = math.log1p(fitted) - math.log1p(true), "log(1+g)"
    else:
        error, unit = fitted - true, "abs"
    return (label, name, f"{true:,.4g}", f"{fitted:,.4g}", f"{error:+.4f} {unit}", f"<= {4 * sd:.4f}")


def main() -> None:
    header = ("data", "parameter", "true", "fitted", "error", "tolerance (4 sd)")
    rows = team_rows() + feature_rows()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
