"""Replication of the team and feature fits on data drawn from the engine's own model.

`simulate_team` and `simulate_feature` draw engineer-months / feature-months from known parameters;
`team_replication(case, replications, rng)` fits `replications` draws of a named case (TEAM_CASES) and
returns, per scenario field, the mean bias, the RMSE, the coverage of the fit's own 90% interval and
the standard errors of those figures (`Summary`), so tests and benchmarks judge estimators by their
sampling distribution, not by one draw. `feature_replication` does the same for features.

Bias is mean bias: relative, E[estimate] / truth - 1, for the median and p90 in dollars (what a cost
is linear in); absolute, E[estimate] - truth, for persistence, growth (monthly, e^slope - 1) and the
team shock. The truth of the median and p90 is the trend level in the last month of data (the team
shock eta_t is zero-mean noise around it, as in the engine).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from procurement.imports import EngineerMonth, FeatureMonth, fit_feature, fit_team
from procurement.imports.calendar_span import MonthSpan
from procurement.imports.random_effects import Z95
from procurement.imports.team_fit import Z90

RHO = 0.7  # docs/model.md#seat-path: the team shock's AR(1) autocorrelation


def _month_key(start_year: int, t: int) -> str:
    return f"{start_year + t // 12}-{t % 12 + 1:02d}"


def simulate_team(
    rng: np.random.Generator,
    *,
    median: float,
    p90: float,
    persistence: float,
    growth: float,
    engineers: int,
    months: int,
    volatility: float = 0.0,
) -> list[EngineerMonth]:
    """Engineer-months from the engine's model:
    log U = mu + t ln(1 + g) + eta_t + sigma (sqrt(w) zeta_i + sqrt(1 - w) nu_it), eta_t the stationary
    AR(1) team shock (rho 0.7, sd `volatility`; drawn after the engineers' normals, so volatility 0 gives
    the same draws as before it existed)."""
    sigma = math.log(p90 / median) / Z90
    zeta = rng.standard_normal(engineers)
    noise = [rng.standard_normal(engineers) for _ in range(months)]
    eta = np.zeros(months)
    if volatility > 0:
        e = rng.standard_normal(months)
        eta[0] = volatility * e[0]
        for t in range(1, months):
            eta[t] = RHO * eta[t - 1] + math.sqrt(1 - RHO**2) * volatility * e[t]
    out = []
    for t in range(months):
        key = _month_key(2025, t)
        span = MonthSpan(key, 21, 9, 21, 9, 0.0)
        log_u = (
            math.log(median)
            + t * math.log1p(growth)
            + eta[t]
            + sigma * (math.sqrt(persistence) * zeta + math.sqrt(1 - persistence) * noise[t])
        )
        # cost_usd is what was seen; full_month_usd (what is fitted) = cost_usd x span.to_average_month = U
        out += [
            EngineerMonth(f"e{i}", key, float(u) / span.to_average_month, None, 20, span)
            for i, u in enumerate(np.exp(log_u))
        ]
    return out


def simulate_feature(
    rng: np.random.Generator, *, volume: float, growth: float, volatility: float, months: int
) -> list[FeatureMonth]:
    """Monthly input-token volumes from the engine's model: R_t = R0 (1 + g)^t exp(volatility Z_t)."""
    out = []
    for t in range(months):
        key = _month_key(2024, t)
        span = MonthSpan(key, 21, 9, 21, 9, 1.0)
        tokens = volume * (1 + growth) ** t * math.exp(volatility * rng.standard_normal())
        # what is fitted is full_month_volume = input tokens x span.to_average_month
        out.append(
            FeatureMonth("f", key, 1.0, None, span, uncached_input_tokens=tokens / span.to_average_month)
        )
    return out


@dataclass(frozen=True)
class TeamCase:
    median: float
    p90: float
    persistence: float
    growth: float
    engineers: int
    months: int
    volatility: float = 0.0

    def simulate(self, rng: np.random.Generator) -> list[EngineerMonth]:
        """One draw of this case's engineer-months."""
        return simulate_team(
            rng,
            median=self.median,
            p90=self.p90,
            persistence=self.persistence,
            growth=self.growth,
            engineers=self.engineers,
            months=self.months,
            volatility=self.volatility,
        )


# Team sizes and histories a real import has (30-120 engineers, 3-12 months); the parameters are the
# task's cases (issue 13): typical is the "typical" usage preset (docs/pricing.md#usage-presets).
TEAM_CASES = {
    "typical": TeamCase(150.0, 600.0, 0.6, 0.0, 60, 6),
    "heavy_tailed": TeamCase(150.0, 1500.0, 0.6, 0.0, 60, 6),  # p90 / median = 10
    "sticky": TeamCase(150.0, 600.0, 0.9, 0.0, 60, 6),
    "short": TeamCase(150.0, 600.0, 0.6, 0.0, 40, 3),
    "growing": TeamCase(150.0, 600.0, 0.6, 0.05, 60, 12),
    "large_long": TeamCase(150.0, 600.0, 0.6, 0.0, 120, 12),
    "shock_6": TeamCase(150.0, 600.0, 0.6, 0.0, 60, 6, 0.15),
    "shock_12": TeamCase(150.0, 600.0, 0.6, 0.0, 120, 12, 0.15),
    "shock_6_v10": TeamCase(150.0, 600.0, 0.6, 0.0, 60, 6, 0.10),
    "shock_6_v20": TeamCase(150.0, 600.0, 0.6, 0.0, 60, 6, 0.20),
    "shock_12_v10": TeamCase(150.0, 600.0, 0.6, 0.0, 120, 12, 0.10),
    "shock_12_v20": TeamCase(150.0, 600.0, 0.6, 0.0, 120, 12, 0.20),
    "shock_12_e40": TeamCase(150.0, 600.0, 0.6, 0.0, 40, 12, 0.15),
    "shock_12_e20": TeamCase(150.0, 600.0, 0.6, 0.0, 20, 12, 0.15),
}


@dataclass(frozen=True)
class Summary:
    """One field over the replications: mean bias (relative or absolute, see `relative`), its standard
    error, RMSE (same scale as the bias), the 90% interval's coverage and its binomial standard error."""

    field: str
    relative: bool
    bias: float
    bias_se: float
    rmse: float
    coverage: float | None
    coverage_se: float | None
    replications: int


def summarise(
    name: str,
    truth: float,
    estimates: list[float],
    intervals: list[tuple[float, float]] | None,
    relative: bool,
) -> Summary:
    values = np.asarray(estimates)
    errors = values / truth - 1 if relative else values - truth
    n = values.size
    coverage = coverage_se = None
    if intervals:
        hits = np.array([low <= truth <= high for low, high in intervals], dtype=float)
        coverage = float(hits.mean())
        coverage_se = math.sqrt(0.9 * 0.1 / len(intervals))  # binomial sd at the nominal 90%
    return Summary(
        name,
        relative,
        float(errors.mean()),
        float(errors.std(ddof=1) / math.sqrt(n)),
        float(math.sqrt((errors**2).mean())),
        coverage,
        coverage_se,
        n,
    )


def team_replication(case: str | TeamCase, replications: int, rng: np.random.Generator) -> dict[str, Summary]:
    """Fit `replications` teams drawn from a case (a TEAM_CASES name or a TeamCase); per field, a Summary.

    Fields: usage_median_usd, usage_p90_usd (relative bias), usage_persistence, usage_growth (the shrunk
    growth), growth_raw (the unshrunk estimate, its Wald interval), usage_volatility (the shock's
    diagnostic estimate and interval, whenever fitted) (absolute bias)."""
    spec = TEAM_CASES[case] if isinstance(case, str) else case
    level = (spec.months - 1) * math.log1p(spec.growth)
    truths = {
        "usage_median_usd": spec.median * math.exp(level),
        "usage_p90_usd": spec.p90 * math.exp(level),
        "usage_persistence": spec.persistence,
        "usage_growth": spec.growth,
        "growth_raw": spec.growth,
        "usage_volatility": spec.volatility,
    }
    estimates: dict[str, list[float]] = {key: [] for key in truths}
    intervals: dict[str, list[tuple[float, float]]] = {key: [] for key in truths}
    for _ in range(replications):
        fit = fit_team(spec.simulate(rng), name="t")
        values: dict[str, tuple[float | None, tuple[float, float] | None]] = {
            "usage_median_usd": (fit.usage_median_usd, fit.intervals.get("usage_median_usd")),
            "usage_p90_usd": (fit.usage_p90_usd, fit.intervals.get("usage_p90_usd")),
            "usage_persistence": (fit.usage_persistence, fit.intervals.get("usage_persistence")),
            "usage_growth": (fit.usage_growth, fit.intervals.get("usage_growth")),
        }
        if fit.growth is not None:
            g = fit.growth
            half = Z95 * g.raw_se
            raw_interval = (math.expm1(g.raw_slope - half), math.expm1(g.raw_slope + half))
            values["growth_raw"] = (g.raw_growth, raw_interval)
        if fit.shock is not None:
            values["usage_volatility"] = (fit.shock.volatility, fit.shock.interval)
        for key, (value, interval) in values.items():
            if value is not None:
                estimates[key].append(value)
            if interval is not None:
                intervals[key].append(interval)
    relative = {"usage_median_usd", "usage_p90_usd"}
    return {
        key: summarise(key, truths[key], estimates[key], intervals[key] or None, key in relative)
        for key in truths
        if estimates[key]
    }


@dataclass(frozen=True)
class FeatureCase:
    volume: float
    growth: float
    volatility: float
    months: int


FEATURE_CASES = {
    "steady": FeatureCase(4e8, 0.03, 0.10, 12),
    "short_noisy": FeatureCase(1e9, 0.0, 0.30, 3),
    "fast_growing": FeatureCase(5e7, 0.15, 0.20, 12),
    "six_months": FeatureCase(4e8, 0.03, 0.15, 6),
}


def feature_replication(
    case: str | FeatureCase, replications: int, rng: np.random.Generator
) -> dict[str, Summary]:
    """Fit `replications` features drawn from a case; per field (volume_per_month relative, growth,
    growth_raw and volatility absolute), a Summary."""
    spec = FEATURE_CASES[case] if isinstance(case, str) else case
    truths = {
        "volume_per_month": spec.volume * (1 + spec.growth) ** (spec.months - 1),
        "growth": spec.growth,
        "growth_raw": spec.growth,
        "volatility": spec.volatility,
    }
    estimates: dict[str, list[float]] = {key: [] for key in truths}
    intervals: dict[str, list[tuple[float, float]]] = {key: [] for key in truths}
    for _ in range(replications):
        fit = fit_feature(
            simulate_feature(
                rng, volume=spec.volume, growth=spec.growth, volatility=spec.volatility, months=spec.months
            ),
            name="f",
        )
        picked: dict[str, float | None] = {
            "volume_per_month": fit.volume_per_month,
            "growth": fit.growth,
            "growth_raw": fit.growth_raw,
            "volatility": fit.volatility,
        }
        for key, value in picked.items():
            if value is not None:
                estimates[key].append(value)
            interval = fit.intervals.get(key)
            if interval is not None:
                intervals[key].append(interval)
    return {
        key: summarise(key, truths[key], estimates[key], intervals[key] or None, key == "volume_per_month")
        for key in truths
        if estimates[key]
    }


def format_table(rows: dict[str, dict[str, Summary]]) -> str:
    """A Markdown table: case, field, bias (se), RMSE, coverage (se)."""
    lines = ["| case | field | mean bias (se) | RMSE | 90% coverage |", "|---|---|---|---|---|"]
    for case, summaries in rows.items():
        for s in summaries.values():
            unit = "%" if s.relative else ""
            scale = 100 if s.relative else 1
            bias = f"{s.bias * scale:+.3g}{unit} ({s.bias_se * scale:.2g}{unit})"
            rmse = f"{s.rmse * scale:.3g}{unit}"
            cover = f"{s.coverage:.1%}" if s.coverage is not None else "-"
            lines.append(f"| {case} | {s.field} | {bias} | {rmse} | {cover} |")
    return "\n".join(lines)


if __name__ == "__main__":
    # python -m tests.imports.replication [REPLICATIONS [CASE ...]]: the team table, then the features'
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    chosen = sys.argv[2:] or list(TEAM_CASES)
    table = {c: team_replication(c, n, np.random.default_rng([13, i])) for i, c in enumerate(chosen)}
    print(format_table(table))
    if not sys.argv[2:]:
        features = {
            c: feature_replication(c, n, np.random.default_rng([31, i])) for i, c in enumerate(FEATURE_CASES)
        }
        print()
        print(format_table(features))
