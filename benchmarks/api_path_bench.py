"""Time the API path on the reference workload: 200 features x 36 months x 100,000 trials.

Run: `.venv/bin/python -m benchmarks.api_path_bench [--trials N] [--variants V]`. The trials run as
blocks of 5,000 (docs/operations.md#running-forecasts), one `simulate_api_block` call per block, on one
core. Features are synthetic but exercise every term of the model (growth uncertainty, tokens sd,
monthly volatility, seasonality, two-model mixes with caching and batch).
"""

from __future__ import annotations

import os

# One core, as the target states: the engine's small matmuls gain nothing from BLAS threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time

from forecasting.engine.api_path import ApiVariant, simulate_api_block
from forecasting.engine.inputs import FeatureInput, ModelPrice
from forecasting.engine.streams import block_sizes

# List prices of the shipped catalog (docs/pricing.md#model-prices): Sonnet 4.5 3 / 15 with long
# context 6 / 22.50 above 200K input tokens, Haiku 4.5 1 / 5.
MODELS = {
    "claude-sonnet-4-5": ModelPrice(
        key="claude-sonnet-4-5",
        input_usd_per_mtok=3.0,
        output_usd_per_mtok=15.0,
        long_context_threshold_tokens=200_000,
        long_context_input_usd_per_mtok=6.0,
        long_context_output_usd_per_mtok=22.5,
    ),
    "claude-haiku-4-5": ModelPrice(key="claude-haiku-4-5", input_usd_per_mtok=1.0, output_usd_per_mtok=5.0),
}
SEASONALITY = (0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 1.1, 1.1, 1.2, 1.2)


def reference_features(count: int = 200) -> list[FeatureInput]:
    """Synthetic features with every random term switched on."""
    return [
        FeatureInput(
            name=f"feature-{i}",
            requests_per_month=10_000.0 * (1 + i % 17),
            input_tokens=3000.0,
            output_tokens=400.0,
            model_mix=(("claude-sonnet-4-5", 0.8), ("claude-haiku-4-5", 0.2)),
            launch_month=0,
            growth=0.04,
            growth_sd=0.03,
            volatility=0.10,
            tokens_sd=0.10,
            cache_hit_rate=0.5,
            cache_write_rate=0.05,
            batch_share=0.3,
            seasonality=SEASONALITY if i % 2 else None,
        )
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=200)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--variants", type=int, default=1, help="extra variants beyond the base")
    args = parser.parse_args()
    features = reference_features(args.features)
    variants = [ApiVariant("base")] + [
        ApiVariant(f"x{k}", tokens_scale=0.9) for k in range(args.variants - 1)
    ]
    started = time.perf_counter()
    for block, size in enumerate(block_sizes(args.trials, 5_000)):
        simulate_api_block(
            features,
            MODELS,
            months=args.months,
            start_calendar_month=1,
            seed=7,
            block=block,
            trials=size,
            variants=variants,
        )
    seconds = time.perf_counter() - started
    print(
        f"api path: {args.features} features x {args.months} months x {args.trials} trials, "
        f"{len(variants)} variant(s): {seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
