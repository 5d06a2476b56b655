"""Growth shrunk toward zero by its own uncertainty: the posterior under a stated normal prior.

A fitted monthly log-growth b with standard error se is combined with the prior b ~ N(0, tau^2):
the posterior is normal with mean b tau^2 / (tau^2 + se^2) and sd tau se / sqrt(tau^2 + se^2). A long,
precise history keeps its growth (se << tau); a short or noisy one is pulled toward flat in proportion to
its uncertainty, so three months of data cannot compound into a multi-fold cost over a term. The scenario
gets growth = e^mean - 1 and growth_sd = e^mean x posterior sd (the engine draws ln(1 + D), D ~ N(growth,
growth_sd)); the raw estimate and its se stay as diagnostics.

The priors (tau, on the monthly log-growth):

- Teams, TEAM_GROWTH_PRIOR_SD = 0.025: the usage of an engineer-month growing or shrinking by more than 5% a
  month (80% a year) is what issue 13 calls implausible and flags on apply; putting that at two prior sds
  keeps 95% of the prior inside it. Usage per engineer moves with models and habits, not with
  headcount (that is the scenario's headcount path).
- Features, FEATURE_GROWTH_PRIOR_SD = 0.10: API traffic of a product feature moves far faster than usage per
  engineer (the sample workspaces grow 4-7% a month, a launch ramp 15% or more); two sds, +-20% a
  month (about 9x a year), bounds what a feature sustains over a multi-year term.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from procurement.imports.random_effects import Z95

TEAM_GROWTH_PRIOR_SD = 0.025  # see the module docstring: 2 sds = the issue's +-5%/month plausibility flag
FEATURE_GROWTH_PRIOR_SD = 0.10  # see the module docstring: 2 sds = +-20%/month, a feature's ramp
MULTIPLIER_MONTHS = (12, 24)  # term lengths for the growth multiplier diagnostic (common commitment terms)
SHORT_HISTORY_MONTHS = 6  # task brief: fits from fewer months carry the shrunk growth with a warning


@dataclass(frozen=True)
class ShrunkGrowth:
    raw_slope: float  # fitted monthly log-growth
    raw_se: float
    prior_sd: float  # tau
    slope: float  # posterior mean of the monthly log-growth
    sd: float  # posterior sd

    @property
    def growth(self) -> float:
        return math.expm1(self.slope)

    @property
    def growth_sd(self) -> float:
        return math.exp(self.slope) * self.sd

    @property
    def raw_growth(self) -> float:
        return math.expm1(self.raw_slope)

    @property
    def raw_growth_se(self) -> float:
        return math.exp(self.raw_slope) * self.raw_se

    @property
    def shrinkage(self) -> float:
        """The weight of the data, tau^2 / (tau^2 + se^2): 1 keeps the raw growth, 0 is flat."""
        return self.prior_sd**2 / (self.prior_sd**2 + self.raw_se**2)

    def interval(self) -> tuple[float, float]:
        """90% posterior interval of the monthly growth."""
        return (math.expm1(self.slope - Z95 * self.sd), math.expm1(self.slope + Z95 * self.sd))

    def multipliers(self) -> dict[int, tuple[float, float]]:
        """90% posterior interval of (1 + g)^T, the factor growth applies to usage after T months."""
        return {
            months: (
                math.exp(months * (self.slope - Z95 * self.sd)),
                math.exp(months * (self.slope + Z95 * self.sd)),
            )
            for months in MULTIPLIER_MONTHS
        }

    def diagnostics(self) -> dict[str, object]:
        return {
            "growth_raw": self.raw_growth,
            "growth_raw_se": self.raw_growth_se,
            "growth_prior_sd": self.prior_sd,
            "growth_shrinkage": self.shrinkage,
            "growth_multiplier_90": {str(k): list(v) for k, v in self.multipliers().items()},
        }


def shrink_growth(slope: float, se: float, prior_sd: float) -> ShrunkGrowth:
    """Posterior of the monthly log-growth under N(0, prior_sd^2) given the estimate `slope` with `se`."""
    weight = prior_sd**2 / (prior_sd**2 + se**2)
    return ShrunkGrowth(slope, se, prior_sd, weight * slope, math.sqrt(weight) * se)
