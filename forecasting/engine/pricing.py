"""The one token-cost formula: list cost of input and output tokens on one model (docs/pricing.md).

Used by the API path (expected cost of a feature's request) and by the usage importer (cost of a usage
record, `procurement.imports.pricing`), both as `batch_factor(...) * unbatched_cost_usd(...)`. Prices
are USD per million tokens (`ModelPrice`):

    unbatched = (input_tokens x input_rate x input_weight + output_tokens x output_rate) / 1,000,000
    input_weight = uncached share + cache_read_share x cache_read_multiplier
                   + cache_write_5m_share x cache_write_5m_multiplier
                   + cache_write_1h_share x cache_write_1h_multiplier
    cost = batch_factor x unbatched,  batch_factor = (1 - batch_share) + batch_share x batch_multiplier

The uncached share is 1 minus the cache shares. Batch combines with caching: the batch multiplier applies to
every token type. With `long_context` the long-context input and output rates replace the standard ones
(a request whose whole input exceeds the model's threshold is billed entirely at them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forecasting.engine.inputs import ModelPrice

TOKENS_PER_MTOK = 1_000_000.0
# The fields of a catalog model row (`procurement.models.catalog_snapshot`) a price carries. The catalog's
# long-context columns are not read: neither the forecast nor the importer has priced long context so far.
CATALOG_PRICE_FIELDS = (
    "input_usd_per_mtok",
    "output_usd_per_mtok",
    "cache_write_5m_multiplier",
    "cache_write_1h_multiplier",
    "cache_read_multiplier",
    "batch_multiplier",
)


def catalog_model_price(row: Mapping[str, Any]) -> ModelPrice:
    """The price of one model row of a catalog snapshot, for the forecast and the usage importer alike."""
    return ModelPrice(key=row["key"], **{name: row[name] for name in CATALOG_PRICE_FIELDS})


def batch_factor(price: ModelPrice, batch_share: float) -> float:
    """Multiplier on the unbatched cost when a share `batch_share` of the tokens goes through Batch."""
    return (1.0 - batch_share) + batch_share * price.batch_multiplier


def long_context_applies(price: ModelPrice, request_input_tokens: float) -> bool:
    """True when one request's whole input (uncached + cache reads + writes) exceeds the threshold."""
    threshold = price.long_context_threshold_tokens
    return threshold is not None and request_input_tokens > threshold


def unbatched_cost_usd(
    price: ModelPrice,
    *,
    input_tokens: float = 0.0,
    output_tokens: float = 0.0,
    cache_read_share: float = 0.0,
    cache_write_5m_share: float = 0.0,
    cache_write_1h_share: float = 0.0,
    long_context: bool = False,
) -> float:
    """List cost of the tokens outside Batch, USD; the cache shares are fractions of `input_tokens`."""
    input_rate, output_rate = price.input_usd_per_mtok, price.output_usd_per_mtok
    if long_context:
        if price.long_context_input_usd_per_mtok is None or price.long_context_output_usd_per_mtok is None:
            raise ValueError(f"model {price.key}: long-context threshold without long-context rates")
        input_rate = price.long_context_input_usd_per_mtok
        output_rate = price.long_context_output_usd_per_mtok
    uncached = 1.0 - cache_read_share - cache_write_5m_share - cache_write_1h_share
    input_weight = (
        uncached
        + cache_read_share * price.cache_read_multiplier
        + cache_write_5m_share * price.cache_write_5m_multiplier
        + cache_write_1h_share * price.cache_write_1h_multiplier
    )
    return (input_tokens * input_rate * input_weight + output_tokens * output_rate) / TOKENS_PER_MTOK
