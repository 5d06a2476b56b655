"""Small summaries of per-trial samples, shared by the result assembly."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from forecasting.engine.contract import CostBand, Distribution, MonthlySpend, PeriodSpend

FloatArray = NDArray[np.float64]


def distribution(samples: FloatArray) -> Distribution:
    """Mean, p5, p50 and p95 of a 1-D sample, as plain floats."""
    p5, p50, p95 = np.quantile(samples, [0.05, 0.5, 0.95])
    return {"mean": float(np.mean(samples)), "p5": float(p5), "p50": float(p50), "p95": float(p95)}


def month_spend(month: str, spend: Distribution) -> MonthlySpend:
    """One month's row of `api.monthly`: the month (YYYY-MM) and its spend distribution."""
    return {
        "month": month,
        "mean": spend["mean"],
        "p5": spend["p5"],
        "p50": spend["p50"],
        "p95": spend["p95"],
    }


def period_spend(samples: FloatArray) -> PeriodSpend:
    """Mean and p5, p10, p50, p90, p95 of a 1-D sample (a contract period's spend), as plain floats."""
    p5, p10, p50, p90, p95 = np.quantile(samples, [0.05, 0.1, 0.5, 0.9, 0.95])
    return {
        "mean": float(np.mean(samples)),
        "p5": float(p5),
        "p10": float(p10),
        "p50": float(p50),
        "p90": float(p90),
        "p95": float(p95),
    }


def quantile_band(samples: FloatArray) -> CostBand:
    """p5, p50 and p95 only (the `cost: {p5, p50, p95}` objects of the result)."""
    p5, p50, p95 = np.quantile(samples, [0.05, 0.5, 0.95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


def standard_error(samples: FloatArray) -> float:
    """Monte Carlo standard error of the sample mean."""
    if samples.size < 2:
        return float("nan")
    return float(np.std(samples, ddof=1) / np.sqrt(samples.size))


def period_sums(monthly: FloatArray, starts: tuple[int, ...], lengths: tuple[int, ...]) -> FloatArray:
    """Sum a (..., T) monthly array into (..., P) contract periods."""
    return np.stack(
        [monthly[..., s : s + m].sum(axis=-1) for s, m in zip(starts, lengths, strict=True)], axis=-1
    )
