"""A commitment point in the contract's key names (shared by the result and the negotiation section)."""

from __future__ import annotations

from forecasting.engine import contract
from forecasting.engine.commitment import CommitmentPoint


def point_dict(point: CommitmentPoint) -> contract.CommitmentPoint:
    """A commitment point in the contract's key names (units implied: USD, probability as a share)."""
    return {
        "commitment": point.commitment_usd,
        "discount": point.discount,
        "expected_cost": point.expected_cost_usd,
        "expected_unused": point.expected_unused_usd,
        "probability_unused": point.probability_unused,
        "expected_overage": point.expected_overage_usd,
        "p95_cost": point.p95_cost_usd,
    }


__all__ = ["point_dict"]
