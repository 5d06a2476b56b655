"""The one token-cost formula against hand arithmetic: tokens x USD per million, cache and batch rules.

The catalog's rules (docs/pricing.md): cache reads 0.1x the input price, 5-minute cache writes 1.25x,
1-hour writes 2x, Batch 0.5x on every token type; above a model's long-context threshold the whole
request is billed at the long-context rates (Sonnet 4.5: 6 / 22.50 instead of 3 / 15).
"""

from __future__ import annotations

import pytest

from forecasting.engine.inputs import ModelPrice
from forecasting.engine.pricing import batch_factor, long_context_applies, unbatched_cost_usd
from tests.engine.prices import SONNET

EXACT = 1e-12  # relative: hand arithmetic and the formula differ only by float rounding
# 1M input tokens: 20% cache reads, 10% 5-minute writes, 5% 1-hour writes, the other 65% uncached.
READ, WRITE_5M, WRITE_1H = 0.2, 0.1, 0.05


def mixed(*, batch_share: float = 0.0, long_context: bool = False) -> float:
    """1M input tokens in the shares above and 200K output tokens on Sonnet: batch factor x unbatched."""
    unbatched = unbatched_cost_usd(
        SONNET,
        input_tokens=1_000_000,
        output_tokens=200_000,
        cache_read_share=READ,
        cache_write_5m_share=WRITE_5M,
        cache_write_1h_share=WRITE_1H,
        long_context=long_context,
    )
    return batch_factor(SONNET, batch_share) * unbatched


def test_every_token_type_at_its_multiple_of_the_input_price() -> None:
    # 650K x 3 + 200K x 0.30 + 100K x 3.75 + 50K x 6 + 200K output x 15, per million tokens
    hand = 0.65 * 3.0 + 0.2 * 0.30 + 0.1 * 3.75 + 0.05 * 6.0 + 0.2 * 15.0  # 5.685 USD
    cost = mixed()
    assert cost == pytest.approx(5.685, rel=EXACT)
    assert cost == pytest.approx(hand, rel=EXACT)


def test_batch_multiplies_every_token_type_by_the_batch_multiplier() -> None:
    # half of the tokens through Batch at 0.5x: 0.75 x 5.685
    cost = mixed(batch_share=0.5)
    assert cost == pytest.approx(4.26375, rel=EXACT)
    assert batch_factor(SONNET, 1.0) == 0.5
    assert batch_factor(SONNET, 0.0) == 1.0


def test_long_context_rates_replace_the_standard_ones_with_the_cache_multipliers_on_top() -> None:
    # 650K x 6 + 200K x 0.60 + 100K x 7.50 + 50K x 12 + 200K output x 22.50 = 9.87 USD
    cost = mixed(long_context=True)
    assert cost == pytest.approx(9.87, rel=EXACT)


def test_long_context_applies_strictly_above_the_threshold_of_models_that_have_one() -> None:
    assert not long_context_applies(SONNET, 200_000)
    assert long_context_applies(SONNET, 200_001)
    haiku = ModelPrice(key="haiku", input_usd_per_mtok=1.0, output_usd_per_mtok=5.0)
    assert not long_context_applies(haiku, 10_000_000)


def test_a_long_context_request_without_long_context_rates_is_refused() -> None:
    broken = ModelPrice(
        key="x", input_usd_per_mtok=3.0, output_usd_per_mtok=15.0, long_context_threshold_tokens=10
    )
    with pytest.raises(ValueError, match="long-context threshold without long-context rates"):
        unbatched_cost_usd(broken, input_tokens=100.0, output_tokens=0.0, long_context=True)


def test_the_defaults_are_the_catalog_multipliers() -> None:
    price = ModelPrice(input_usd_per_mtok=2.0, output_usd_per_mtok=10.0)
    assert (
        price.cache_write_5m_multiplier,
        price.cache_write_1h_multiplier,
        price.cache_read_multiplier,
        price.batch_multiplier,
    ) == (1.25, 2.0, 0.10, 0.5)
    # one million of each input type and of output: 2 + 2.5 + 4 + 0.2 input, 10 output
    parts = [
        unbatched_cost_usd(price, input_tokens=1e6),
        unbatched_cost_usd(price, input_tokens=1e6, cache_write_5m_share=1.0),
        unbatched_cost_usd(price, input_tokens=1e6, cache_write_1h_share=1.0),
        unbatched_cost_usd(price, input_tokens=1e6, cache_read_share=1.0),
        unbatched_cost_usd(price, output_tokens=1e6),
    ]
    assert parts == pytest.approx([2.0, 2.5, 4.0, 0.2, 10.0], rel=EXACT)
