"""Merge blocks in block order into per-trial samples (the input of every decision)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from forecasting.engine.arrays import (
    FeaturesByTrial,
    FloatArray,
    PerTrial,
    TrialsByMonth,
    VariantsByTrialByPeriod,
)
from forecasting.engine.blocks import BlockResult, SeatTotals
from forecasting.engine.plan import RunPlan


@dataclass(frozen=True)
class FeatureSpend:
    """Term list spend per feature and trial (F, N), kept as its blocks (F, n_b) in block order.

    Every reader wants one feature at a time or a sum over features, so the (F, N) array is never built:
    for 200 features x 100,000 trials, allocating and filling it cost more (0.4 s, most of it first-touch
    page faults) than the per-feature summaries that read it.
    """

    blocks: tuple[FeaturesByTrial, ...]  # (F, n_b) per block

    @property
    def count(self) -> int:
        return self.blocks[0].shape[0] if self.blocks else 0

    def feature(self, i: int) -> PerTrial:
        """Feature i's term spend in every trial, (N,)."""
        return np.concatenate([b[i] for b in self.blocks])

    def total(self) -> PerTrial:
        """All features' term spend per trial, (N,)."""
        return np.concatenate([b.sum(axis=0) for b in self.blocks])

    def sums_where(self, mask: NDArray[np.bool_]) -> FloatArray:
        """(F,): each feature's spend summed over the trials where `mask` (N,) holds, added in block order."""
        out = np.zeros(self.count)
        start = 0
        for b in self.blocks:
            out += b[:, mask[start : start + b.shape[1]]].sum(axis=1)
            start += b.shape[1]
        return out


@dataclass(frozen=True)
class Samples:
    """Every per-trial sample of a run, blocks concatenated in block order."""

    api_monthly_usd: TrialsByMonth  # (N, T) features' list spend, unoptimised
    api_variant_periods_usd: VariantsByTrialByPeriod  # (V, N, P)
    feature_term_usd: FeatureSpend  # (F, N) as blocks; with planned levers, the planned spend
    seats: SeatTotals
    api_sensitivity_periods_usd: VariantsByTrialByPeriod | None  # (Va, Ns, P)
    seat_sensitivity: tuple[SeatTotals, ...]  # each over the Ns sensitivity trials
    # (N, T) features' list spend with the planned levers (docs/decisions.md#planned-levers); None: none
    api_planned_monthly_usd: TrialsByMonth | None = None
    # (2, N) per-trial summaries of the API draws (growth, tokens) for docs/decisions.md#value-of-information
    api_group_draws: FloatArray | None = None


def merge_samples(plan: RunPlan, blocks: Sequence[BlockResult]) -> Samples:
    """Concatenate blocks by index; refuse a missing or duplicated block."""
    ordered = sorted(blocks, key=lambda b: b.index)
    if [b.index for b in ordered] != list(range(len(plan.blocks))):
        raise ValueError(f"expected blocks 0..{len(plan.blocks) - 1}, got {[b.index for b in ordered]}")
    sensitive = ordered[: plan.sensitivity_blocks]
    return Samples(
        api_monthly_usd=np.concatenate([b.api_monthly_usd for b in ordered], axis=0),
        api_variant_periods_usd=np.concatenate([b.api_variant_periods_usd for b in ordered], axis=1),
        feature_term_usd=FeatureSpend(tuple(b.feature_term_usd for b in ordered)),
        seats=_merge_seats([b.seats for b in ordered]),
        api_sensitivity_periods_usd=(
            np.concatenate([b.api_sensitivity_periods_usd for b in sensitive], axis=1) if sensitive else None
        ),
        seat_sensitivity=tuple(
            _merge_seats([b.seat_sensitivity[i] for b in sensitive])
            for i in range(len(plan.seat_sensitivity))
        )
        if sensitive
        else (),
        api_planned_monthly_usd=(
            np.concatenate([_planned(b) for b in ordered], axis=0) if plan.api_planned is not None else None
        ),
        api_group_draws=(
            np.concatenate([b.api_group_draws for b in ordered], axis=1)
            if all(b.api_group_draws is not None for b in ordered)
            else None
        ),
    )


def _planned(block: BlockResult) -> TrialsByMonth:
    if block.api_planned_monthly_usd is None:
        raise ValueError(f"block {block.index} lacks the planned levers' spend its plan asks for")
    return block.api_planned_monthly_usd


def _merge_seats(parts: Sequence[SeatTotals]) -> SeatTotals:
    components = parts[0].component_sums_usd.copy()
    seat_months = [m.copy() for m in parts[0].seat_month_sums]
    for part in parts[1:]:  # added in block order: the same floating-point sums on any schedule
        components += part.component_sums_usd
        for total, more in zip(seat_months, part.seat_month_sums, strict=True):
            total += more
    windowed = [p.windowed_cost_usd for p in parts if p.windowed_cost_usd is not None]
    extra = [p.extra_usage_monthly_usd for p in parts if p.extra_usage_monthly_usd is not None]
    return SeatTotals(
        team_cost_usd=np.concatenate([p.team_cost_usd for p in parts], axis=1),
        api_billed_monthly_usd=np.concatenate([p.api_billed_monthly_usd for p in parts], axis=0),
        component_sums_usd=components,
        seat_month_sums=tuple(seat_months),
        windowed_cost_usd=np.concatenate(windowed) if len(windowed) == len(parts) else None,
        extra_usage_monthly_usd=np.concatenate(extra, axis=0) if len(extra) == len(parts) else None,
    )
