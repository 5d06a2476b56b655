"""Catalog list prices for engine tests (docs/pricing.md): Sonnet 4.5 3 / 15 USD per million tokens, long
context 6 / 22.50 above 200K input tokens; Haiku 4.5 1 / 5. Cache and batch multipliers are the defaults."""

from __future__ import annotations

from dataclasses import replace

from forecasting.engine.inputs import ModelPrice

SONNET = replace(
    ModelPrice(key="sonnet", input_usd_per_mtok=3.0, output_usd_per_mtok=15.0),
    long_context_threshold_tokens=200_000,  # the whole request above it at the long-context rates
    long_context_input_usd_per_mtok=6.0,
    long_context_output_usd_per_mtok=22.5,
)
HAIKU = ModelPrice(key="haiku", input_usd_per_mtok=1.0, output_usd_per_mtok=5.0)
