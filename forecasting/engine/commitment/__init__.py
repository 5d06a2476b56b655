"""API commitment per contract period: the sample-average optimum under the contract
(docs/decisions.md#api-commitment-per-period).

`rules` resolves the contract (bands, discount, rollover, overage, unused cap), `settlement` settles a
plan over the trials, `exact` finds the optimum without rollover, `search` searches with rollover and is
the public entry point. Spend comes in as (n, P) per the trial-axis convention
(docs/architecture.md#trial-axis-convention); the (P, n) working copy never leaves this package.
"""

from forecasting.engine.commitment.rules import Period, contract_periods
from forecasting.engine.commitment.search import (
    CommitmentDecision,
    PeriodDecision,
    commitment_standard_error,
    evaluate_commitments,
    optimise_commitment,
    run_rate_usd_per_month,
)
from forecasting.engine.commitment.settlement import CommitmentPoint

__all__ = [
    "CommitmentDecision",
    "CommitmentPoint",
    "Period",
    "PeriodDecision",
    "commitment_standard_error",
    "contract_periods",
    "evaluate_commitments",
    "optimise_commitment",
    "run_rate_usd_per_month",
]
