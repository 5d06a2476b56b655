"""Shared commitment test cases: the contract rules written out plainly, brute force and spend builders."""

from __future__ import annotations

import itertools
import math

import numpy as np

from forecasting.engine.api_path import ApiVariant, simulate_api_block
from forecasting.engine.commitment import CommitmentDecision, contract_periods, optimise_commitment
from forecasting.engine.inputs import ApiContract, DiscountBand, FeatureInput, ModelPrice

EXACT = 1e-12  # relative: hand arithmetic and the engine differ only by float rounding
# The optimiser's expected cost is a sum over trials in another order than the reference's: allow
# rounding, nothing more.
ROUNDING = 1e-9
BANDS = (DiscountBand(0.0, 0.0), DiscountBand(500_000.0, 0.10), DiscountBand(1_000_000.0, 0.15))


def optimise(
    spend: np.ndarray, contract: ApiContract, *, term_months: int | None = None, run_rate: float = 0.0
) -> CommitmentDecision:
    spend = np.asarray(spend, dtype=np.float64).reshape(len(spend), -1)
    term = term_months or contract.commitment_period_months * spend.shape[1]
    periods = contract_periods(term, contract.commitment_period_months)
    return optimise_commitment(spend, periods, contract, run_rate_usd_per_month=run_rate)


def reference_settlement(
    spend: np.ndarray, months: list[int], contract: ApiContract, commitments: list[float]
) -> dict[str, np.ndarray]:
    """The contract rules (docs/decisions.md#api-commitment-per-period) written out plainly,
    independent of the engine's code."""
    n, periods = spend.shape
    credit = np.zeros(n)
    out = {key: np.zeros((n, periods)) for key in ("cost", "forfeited", "overage")}
    for p, commitment in enumerate(commitments):
        scale = months[p] / contract.commitment_period_months
        discount = 0.0
        for band in contract.discount_bands:  # the highest band whose prorated floor is reached
            if band.min_commitment_usd * scale <= commitment:
                discount = band.discount
        consumed = (1 - discount) * spend[:, p]
        available = commitment + credit
        unused = np.maximum(available - consumed, 0.0)
        if contract.overage == "list":
            overage = np.maximum(spend[:, p] - available / (1 - discount), 0.0)
        else:
            overage = np.maximum(consumed - available, 0.0)
        credit = contract.rollover_share * unused if p + 1 < periods else np.zeros(n)
        out["forfeited"][:, p] = unused - credit
        out["overage"][:, p] = overage
        out["cost"][:, p] = commitment + overage
    return out


def reference_cost(
    spend: np.ndarray, months: list[int], contract: ApiContract, commitments: list[float]
) -> float:
    """Expected term cost of a plan, or inf where a period breaks max_unused_probability."""
    settled = reference_settlement(spend, months, contract, commitments)
    limit = contract.max_unused_probability
    if limit is not None and np.any(np.mean(settled["forfeited"] > 0, axis=0) > limit + 1e-12):
        return math.inf
    return float(settled["cost"].sum(axis=1).mean())


def lognormal_spend(seed: int, trials: int, periods: int, sigma: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    trend = rng.uniform(0.6, 1.6, periods)
    return np.exp(rng.normal(math.log(700_000.0), sigma, (trials, periods))) * trend


MODELS = {"sonnet": ModelPrice(key="sonnet", input_usd_per_mtok=3.0, output_usd_per_mtok=15.0)}


def growth_feature(growth: float = 0.03, growth_sd: float = 0.04) -> FeatureInput:
    return FeatureInput(
        name="f",
        requests_per_month=10_000.0,
        model_mix=(("sonnet", 1.0),),
        input_tokens=2_000.0,
        output_tokens=300.0,
        growth=growth,
        growth_sd=growth_sd,
    )


def simulated_year_spend(variants: tuple[ApiVariant, ...], trials_per_block: int, blocks: int) -> np.ndarray:
    """Yearly list spend (V, n) of the growth-only feature, simulated by the API path."""
    monthly = [
        simulate_api_block(
            [growth_feature()],
            MODELS,
            months=12,
            start_calendar_month=1,
            seed=3,
            block=b,
            trials=trials_per_block,
            variants=variants,
        ).monthly_spend_usd
        for b in range(blocks)
    ]
    return np.asarray(np.concatenate(monthly, axis=1).sum(axis=2), dtype=np.float64)


def brute_force(spend: np.ndarray, months: list[int], contract: ApiContract, grid: np.ndarray) -> float:
    """Minimum expected cost over a grid of full-period commitments (with ramps: one per period)."""
    scale = [m / contract.commitment_period_months for m in months]
    if contract.ramp_allowed:
        plans = list(itertools.product(grid, repeat=len(months)))
    else:
        plans = [(v,) * len(months) for v in grid]
    return min(
        reference_cost(spend, months, contract, [v * s for v, s in zip(plan, scale, strict=True)])
        for plan in plans
    )


def random_contract(rng: np.random.Generator, **overrides: object) -> ApiContract:
    floors = np.sort(rng.uniform(200_000.0, 1_200_000.0, 2))
    discounts = np.sort(rng.uniform(0.03, 0.3, 2))
    values: dict[str, object] = {
        "discount_bands": (
            DiscountBand(0.0, 0.0),
            *(DiscountBand(float(f), float(d)) for f, d in zip(floors, discounts, strict=True)),
        ),
        "overage": str(rng.choice(["list", "committed_rate"])),
    }
    values.update(overrides)
    return ApiContract(**values)  # type: ignore[arg-type]


def two_period_grid_minimum(spend: np.ndarray, contract: ApiContract, grid: np.ndarray) -> float:
    """Minimum expected cost over a grid of (C1, C2) for two full periods, vectorised over C2."""
    floors = np.array([b.min_commitment_usd for b in contract.discount_bands])
    discounts = np.array([b.discount for b in contract.discount_bands])
    band_discount = discounts[np.searchsorted(floors, grid, side="right") - 1]
    at_list = contract.overage == "list"
    best = math.inf
    for c1, d1 in zip(grid, band_discount, strict=True):
        consumed = (1 - d1) * spend[:, 0]
        first = c1 + np.mean(np.maximum(consumed - c1, 0.0) / ((1 - d1) if at_list else 1.0))
        credit = contract.rollover_share * np.maximum(c1 - consumed, 0.0)
        gap = (1 - band_discount[:, None]) * spend[:, 1] - grid[:, None] - credit
        scale = (1 - band_discount) if at_list else np.ones_like(grid)
        second = grid + np.mean(np.maximum(gap, 0.0), axis=1) / scale
        best = min(best, float(first + second.min()))
    return best


def replace_period(contract: ApiContract, months: int) -> ApiContract:
    """The same contract with periods of `months` and floors scaled to that length."""
    return ApiContract(
        commitment_period_months=months,
        discount_bands=contract.discount_bands,
        overage=contract.overage,
        ramp_allowed=contract.ramp_allowed,
    )
