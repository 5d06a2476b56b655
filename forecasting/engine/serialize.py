"""Block results as bytes (NumPy .npz, no pickle), so chunks can be stored and merged by another process."""

from __future__ import annotations

import io

import numpy as np

from forecasting.engine.arrays import FloatArray
from forecasting.engine.blocks import BlockResult, SeatTotals


def block_to_bytes(block: BlockResult) -> bytes:
    """Serialise one block; the bytes round-trip exactly through `block_from_bytes`."""
    arrays: dict[str, FloatArray] = {
        "meta": np.array([block.index, block.trials, len(block.seat_sensitivity)], dtype=np.float64),
        "api_monthly_usd": block.api_monthly_usd,
        "api_variant_periods_usd": block.api_variant_periods_usd,
        "feature_term_usd": block.feature_term_usd,
    }
    if block.api_sensitivity_periods_usd is not None:
        arrays["api_sensitivity_periods_usd"] = block.api_sensitivity_periods_usd
    if block.api_planned_monthly_usd is not None:
        arrays["api_planned_monthly_usd"] = block.api_planned_monthly_usd
    if block.api_group_draws is not None:
        arrays["api_group_draws"] = block.api_group_draws
    for prefix, seats in [("seats", block.seats)] + [
        (f"sens{i}", s) for i, s in enumerate(block.seat_sensitivity)
    ]:
        arrays.update(_seat_arrays(prefix, seats))
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def block_from_bytes(data: bytes) -> BlockResult:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    index, trials, sensitivity_count = (int(x) for x in arrays["meta"])
    return BlockResult(
        index=index,
        trials=trials,
        api_monthly_usd=arrays["api_monthly_usd"],
        api_variant_periods_usd=arrays["api_variant_periods_usd"],
        feature_term_usd=arrays["feature_term_usd"],
        seats=_seat_totals("seats", arrays),
        api_sensitivity_periods_usd=arrays.get("api_sensitivity_periods_usd"),
        seat_sensitivity=tuple(_seat_totals(f"sens{i}", arrays) for i in range(sensitivity_count)),
        api_planned_monthly_usd=arrays.get("api_planned_monthly_usd"),
        api_group_draws=arrays.get("api_group_draws"),
    )


def _seat_arrays(prefix: str, seats: SeatTotals) -> dict[str, FloatArray]:
    arrays = {
        f"{prefix}.team_cost_usd": seats.team_cost_usd,
        f"{prefix}.api_billed_monthly_usd": seats.api_billed_monthly_usd,
        f"{prefix}.component_sums_usd": seats.component_sums_usd,
        f"{prefix}.teams": np.array([len(seats.seat_month_sums)], dtype=np.float64),
    }
    arrays.update({f"{prefix}.seat_months.{j}": m for j, m in enumerate(seats.seat_month_sums)})
    if seats.windowed_cost_usd is not None:
        arrays[f"{prefix}.windowed_cost_usd"] = seats.windowed_cost_usd
    if seats.extra_usage_monthly_usd is not None:
        arrays[f"{prefix}.extra_usage_monthly_usd"] = seats.extra_usage_monthly_usd
    return arrays


def _seat_totals(prefix: str, arrays: dict[str, FloatArray]) -> SeatTotals:
    teams = int(arrays[f"{prefix}.teams"][0])
    return SeatTotals(
        team_cost_usd=arrays[f"{prefix}.team_cost_usd"],
        api_billed_monthly_usd=arrays[f"{prefix}.api_billed_monthly_usd"],
        component_sums_usd=arrays[f"{prefix}.component_sums_usd"],
        seat_month_sums=tuple(arrays[f"{prefix}.seat_months.{j}"] for j in range(teams)),
        windowed_cost_usd=arrays.get(f"{prefix}.windowed_cost_usd"),
        extra_usage_monthly_usd=arrays.get(f"{prefix}.extra_usage_monthly_usd"),
    )
