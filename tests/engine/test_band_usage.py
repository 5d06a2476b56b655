"""The heterogeneity factor of the fast seat path: exposure powers and the shifted lognormal factor.

Both are checked against definitions computed independently here: the exposure powers against explicit
engineers, the factor's moments by integrating over a fine grid of normal quantiles.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from forecasting.engine.seats.band_usage import _exposure_powers, shifted_lognormal_factor

GRID = 400_000  # normal quantiles at (i + 1/2) / GRID: the mean of exp(sigma Z) to ~1e-5, its tails cut


def explicit_powers(weight: np.ndarray, present: np.ndarray) -> tuple[float, float]:
    """Engineers 0..max-1; engineer i is present in part q when i < present[q] (nested presence) and
    gets weight[q] / sum(weight) / present[q] of the band in that part."""
    share = weight / weight.sum()
    exposure = np.zeros(int(present.max()))
    for q, count in enumerate(present.astype(int)):
        exposure[:count] += share[q] / count
    return float((exposure**2).sum()), float((exposure**3).sum())


@pytest.mark.parametrize(
    ("weight", "present"),
    [
        ([1.0, 1.0], [10, 10]),  # everyone all term: 1/M and 1/M^2
        ([1.0, 3.0], [10, 20]),  # growing team, more usage late
        ([2.0, 0.5], [30, 12]),  # shrinking team
        ([1.0, 2.0, 0.5], [5, 9, 7]),  # three parts; engineer i < min(counts) is in all of them
        ([0.0, 1.0], [4, 40]),  # usage only in the second part
    ],
)
def test_exposure_powers_equal_the_sums_over_explicit_engineers(
    weight: list[float], present: list[int]
) -> None:
    w, p = np.array(weight), np.array(present, dtype=float)
    square, cube = _exposure_powers(w[:, None], p[:, None])
    expected_square, expected_cube = explicit_powers(w, p)
    assert square[0] == pytest.approx(expected_square, rel=1e-12)
    assert cube[0] == pytest.approx(expected_cube, rel=1e-12)


def test_exposure_powers_of_a_full_team_are_one_over_m_and_m_squared() -> None:
    square, cube = _exposure_powers(np.array([[1.0], [1.0]]), np.array([[25.0], [25.0]]))
    assert square[0] == pytest.approx(1 / 25, rel=1e-12)
    assert cube[0] == pytest.approx(1 / 625, rel=1e-12)


def factor_moments(variance: float, third: float) -> tuple[float, float, float, float]:
    z = special.ndtri((np.arange(GRID) + 0.5) / GRID)
    factor = shifted_lognormal_factor(np.full(GRID, variance), np.full(GRID, third), z)
    centred = factor - factor.mean()
    return float(factor.mean()), float((centred**2).mean()), float((centred**3).mean()), float(factor.min())


@pytest.mark.parametrize(
    ("variance", "skewness"),
    [(0.01, 0.3), (0.04, 0.6), (0.002, 0.15), (0.09, 1.5), (0.25, 2.5)],
)
def test_factor_has_mean_one_and_the_asked_variance_and_skewness(variance: float, skewness: float) -> None:
    mean, var, third, low = factor_moments(variance, skewness * variance**1.5)
    assert mean == pytest.approx(1.0, abs=2e-5)  # the grid's error, not the factor's
    assert var == pytest.approx(variance, rel=0.01)
    assert third / var**1.5 == pytest.approx(skewness, rel=0.03)
    assert low >= 0.0


@pytest.mark.parametrize("variance", [0.5, 1.0, 4.0])
def test_a_wide_little_skewed_factor_is_floored_at_zero_and_keeps_mean_one(variance: float) -> None:
    # Skewness 0.05 (the floor) with a large variance: a + b exp(sigma Z) would go negative in the lower
    # tail; the floored factor is rescaled so its mean stays exactly one.
    mean, var, _, low = factor_moments(variance, 0.01 * variance**1.5)
    assert low == 0.0
    assert mean == pytest.approx(1.0, abs=1e-6)
    assert var < variance  # flooring can only remove spread
