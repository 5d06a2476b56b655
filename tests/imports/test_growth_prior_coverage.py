"""The shrunk growth's 90% interval is a posterior interval (procurement/imports/growth.py): at one fixed
true growth it is not a confidence interval (at a true 0 it covers nearly always, since the estimate is
pulled toward 0), but over teams whose growth is drawn from the prior it names, it covers 90%. That is
the calibration a Bayesian interval promises, checked here by replication on short histories, where the
prior matters most."""

from __future__ import annotations

import math

import numpy as np
import pytest

from procurement.imports import fit_team
from procurement.imports.growth import TEAM_GROWTH_PRIOR_SD
from tests.imports.replication import simulate_team

REPLICATIONS = 300


@pytest.mark.slow
@pytest.mark.parametrize(("engineers", "months"), [(40, 3), (60, 6)])
def test_the_growth_interval_covers_90_percent_of_growths_drawn_from_the_prior(
    engineers: int, months: int
) -> None:
    rng = np.random.default_rng([13, engineers, months])
    hits = 0
    for _ in range(REPLICATIONS):
        growth = float(rng.normal(0.0, TEAM_GROWTH_PRIOR_SD))
        months_drawn = simulate_team(
            rng, median=150.0, p90=600.0, persistence=0.6, growth=growth, engineers=engineers, months=months
        )
        low, high = fit_team(months_drawn, name="t").intervals["usage_growth"]
        hits += low <= growth <= high
    coverage = hits / REPLICATIONS
    # tolerance: 3 binomial standard errors at the nominal 90% (0.052 with 300 replications)
    assert abs(coverage - 0.90) <= 3 * math.sqrt(0.9 * 0.1 / REPLICATIONS), coverage
