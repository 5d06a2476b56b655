"""The tornado's rows point the way their labels say (issue 14: the cache hit rate row was inverted, "+10 pp"
showing the cost of -10 pp). Whatever the scenario, a driver whose increase can only add cost (growth,
tokens per request, headcount, adoption, usage per engineer) costs more under its "+" move than under its
"−" move, and a driver whose increase can only save (cache hit rate, plan capacity) costs less. Each label
is read for its sign, so a row whose label and computation disagree fails."""

from __future__ import annotations

from dataclasses import replace

import pytest

from forecasting.engine.contract import SensitivityRow
from forecasting.engine.forecast import run_forecast
from tests.engine.test_forecast import small_input

MORE_COSTS_MORE = {"growth", "tokens", "headcount", "adoption", "usage_intensity"}
# Correlation leaves every expected spend as it is and only widens the spread: on 1,000 trials of this
# scenario its effect is within Monte Carlo noise, so only its labels are checked here; its direction is
# tested on a scenario built for it (tests/engine/test_correlation.py).
BOTH_WAYS = {"correlation"}
MORE_COSTS_LESS = {"cache_hit_rate", "plan_capacity"}


def _up_and_down(row: SensitivityRow) -> tuple[float, float]:
    """(expected cost under the driver's increase, under its decrease), read from the labels' signs."""
    low, high = str(row["low"]), str(row["high"])
    assert ("+" in low) != ("+" in high), row  # one move up, the other down
    assert ("−" in low) != ("−" in high), row
    if "+" in high:
        return float(row["expected_cost_high"]), float(row["expected_cost_low"])
    return float(row["expected_cost_low"]), float(row["expected_cost_high"])


@pytest.mark.parametrize(("seed", "cache_hit_rate"), [(7, 0.5), (8, 0.2), (9, 0.7)])
def test_every_driver_moves_cost_the_way_its_label_says(seed: int, cache_hit_rate: float) -> None:
    inp = small_input(trials=1_000, block_trials=500, seed=seed)
    features = tuple(replace(f, cache_hit_rate=cache_hit_rate) for f in inp.features)
    result = run_forecast(replace(inp, features=features))
    rows = {row["driver"]: row for row in result["sensitivity"]}
    assert set(rows) == MORE_COSTS_MORE | MORE_COSTS_LESS | BOTH_WAYS
    for driver, row in rows.items():
        up, down = _up_and_down(row)
        if driver in BOTH_WAYS:
            continue
        if driver in MORE_COSTS_MORE:
            assert up > down, (driver, up, down)
        else:
            assert up < down, (driver, up, down)
