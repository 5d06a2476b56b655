"""Why a run was refused, and the signal that a worker lost its claim on a run."""

from __future__ import annotations


class RunLimitExceeded(Exception):
    """The organization already has `limit` runs queued or running (the API answers 429)."""

    def __init__(self, organization_name: str, *, active: int, limit: int) -> None:
        self.active = active
        self.limit = limit
        super().__init__(
            f"{organization_name} already has {active} forecast runs queued or running (the limit is "
            f"{limit}); wait for one to finish."
        )


class IdempotencyKeyReused(Exception):
    """An Idempotency-Key sent again with another request than the one that created its run (API: 422)."""

    def __init__(self, key: str, run_id: int) -> None:
        self.run_id = run_id
        super().__init__(
            f"Idempotency-Key {key!r} was used for another request (run {run_id}: another scenario, "
            "trials or seed); use a new key for a new request."
        )


class ComputeBudgetExceeded(Exception):
    """trials x months x (teams + features) is over settings.FORECAST_COMPUTE_BUDGET (API: 400 on trials)."""

    def __init__(self, *, trials: int, months: int, series: int, budget: float) -> None:
        self.work = trials * months * series
        self.budget = budget
        self.max_trials = int(budget // max(months * series, 1))
        super().__init__(
            f"{trials:,} trials × {months} months × {series} teams and features = {self.work:,} exceeds the "
            f"compute budget of {budget:,.0f}; use at most {self.max_trials:,} trials."
        )


class ClaimLost(Exception):
    """Another process took over this run (ours went stale) or it finished: stop without writing."""
