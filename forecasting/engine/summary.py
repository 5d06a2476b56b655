"""Small summaries of per-trial samples, shared by the result assembly."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def distribution(samples: FloatArray, quantiles: tuple[int, ...] = (5, 50, 95)) -> dict[str, float]:
    """Mean and the named percentiles of a 1-D sample, as plain floats (`{"mean", "p5", ...}`)."""
    values = np.quantile(samples, [q / 100 for q in quantiles])
    out = {"mean": float(np.mean(samples))}
    out.update({f"p{q}": float(v) for q, v in zip(quantiles, values, strict=True)})
    return out


def quantile_band(samples: FloatArray) -> dict[str, float]:
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
