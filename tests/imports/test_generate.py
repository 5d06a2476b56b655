"""The usage generator: its daily files and its direct engineer-months are the same numbers, and its
months follow the model it states."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forecasting.engine.inputs import ModelPrice
from procurement.imports import engineer_months, parse_usage_file
from tests.imports.generate import Truth, daily_usage


def test_files_and_direct_months_agree(prices: dict[str, ModelPrice]) -> None:
    usage = daily_usage(
        np.random.default_rng(3), Truth(220.0, 900.0, 0.7, growth=0.02), engineers=8, months=4
    )
    parsed = [parse_usage_file(name, content) for name, content in usage.files()]
    through_files = {(m.engineer, m.month): m for m in engineer_months(parsed, prices)}
    direct = {(m.engineer, m.month): m for m in usage.engineer_months()}
    assert through_files.keys() == direct.keys()
    for key, month in direct.items():
        assert through_files[key].full_month_usd == pytest.approx(month.full_month_usd, rel=1e-12)
        assert through_files[key].span == month.span


def test_day_weights_keep_each_months_model_usage() -> None:
    # Day noise is normalised within each engineer-month: a month's total is the model's usage of an
    # average month times weekdays / average weekdays, whatever the day draws.
    usage = daily_usage(np.random.default_rng(4), Truth(150.0, 600.0, 0.6), engineers=5, months=2, day_sd=2.0)
    again = daily_usage(np.random.default_rng(4), Truth(150.0, 600.0, 0.6), engineers=5, months=2, day_sd=0.0)
    for a, b in zip(usage.engineer_months(), again.engineer_months(), strict=True):
        assert a.full_month_usd == pytest.approx(b.full_month_usd, rel=1e-6)  # whole-token rounding


def test_a_shift_scales_every_day_from_its_first_day() -> None:
    truth = Truth(150.0, 600.0, 0.6, shift_factor=0.5, shift_days_before_end=45)
    shifted = daily_usage(np.random.default_rng(5), truth, engineers=3, months=6)
    plain = daily_usage(np.random.default_rng(5), Truth(150.0, 600.0, 0.6), engineers=3, months=6)
    assert shifted.shift_day is not None
    after = np.array([d >= shifted.shift_day for d in shifted.days])
    assert (shifted.shift_day - shifted.days[-1]).days == -44
    np.testing.assert_allclose(shifted.usd[:, after], 0.5 * plain.usd[:, after], rtol=1e-12)
    np.testing.assert_allclose(shifted.usd[:, ~after], plain.usd[:, ~after], rtol=1e-12)


def test_log_monthly_usage_has_the_models_median_and_spread() -> None:
    # 400 engineers x 6 months: the mean of log U is ln(median) within 4 standard errors, its sd is sigma
    # within 4 standard errors (se of the mean: sigma sqrt(w/m + (1-w)/(mT)); of the sd: about
    # sigma sqrt(w/(2m) + (1-w)/(2mT))), the within-engineer share of the variance is 1 - persistence.
    truth = Truth(220.0, 900.0, 0.7)
    usage = daily_usage(np.random.default_rng(6), truth, engineers=400, months=6)
    log_u = np.log([m.full_month_usd for m in usage.engineer_months()]).reshape(400, 6)
    sigma, w, m, t = truth.sigma, truth.persistence, 400, 6
    assert abs(log_u.mean() - math.log(220.0)) <= 4 * sigma * math.sqrt(w / m + (1 - w) / (m * t))
    assert abs(log_u.std() - sigma) <= 4 * sigma * math.sqrt(w / (2 * m) + (1 - w) / (2 * m * t))
    within = log_u.var(axis=1, ddof=1).mean()
    assert within == pytest.approx(sigma**2 * (1 - w), rel=4 * math.sqrt(2 / (m * (t - 1))))
