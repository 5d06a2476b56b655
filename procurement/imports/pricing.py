"""Cost of a usage record at list price, from its tokens and a plain price table.

Formula (reference/pricing-and-formats.md 1.6): uncached input x P_in + output x P_out + 5-minute cache
writes x P_in x 1.25 + 1-hour writes x P_in x 2 + cache reads x P_in x 0.1, all x 0.5 on the Batch tier,
plus web searches at 10 USD per 1,000. Long-context premiums, data-residency and fast-mode multipliers are
not applied (the usage formats read here do not carry what they need per request).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from procurement.imports.errors import UsageFileError
from procurement.imports.records import UsageRecord

# Web search: 10 USD per 1,000 searches, official pricing page (reference/pricing-and-formats.md 1.4).
WEB_SEARCH_USD_PER_REQUEST = 10.0 / 1_000
TOKENS_PER_MTOK = 1_000_000
_DATE_SUFFIX = re.compile(r"-(\d{8}|latest)$")


@dataclass(frozen=True)
class TokenPrices:
    """List prices of one catalog model, USD per million tokens, and its cache and batch multipliers.

    Defaults are the catalog's general multipliers (reference/pricing-and-formats.md section 0,
    [OFFICIAL]): 5-minute write 1.25x input, 1-hour write 2x, cache read 0.1x, Batch API 0.5x.
    """

    input_usd_per_mtok: float
    output_usd_per_mtok: float
    cache_write_5m_multiplier: float = 1.25
    cache_write_1h_multiplier: float = 2.0
    cache_read_multiplier: float = 0.10
    batch_multiplier: float = 0.5


def catalog_key(model: str, prices: Mapping[str, object]) -> str | None:
    """The catalog key of a model id: `claude-sonnet-4-5-20250929` -> `claude-sonnet-4-5`.

    Tries the id itself, then without a date or `-latest` suffix, then with `-0` appended
    (`claude-sonnet-4-20250514` -> `claude-sonnet-4-0`, the catalog's name for Sonnet 4).
    """
    base = _DATE_SUFFIX.sub("", model)
    for candidate in (model, base, f"{base}-0"):
        if candidate in prices:
            return candidate
    return None


def prices_for(record: UsageRecord, prices: Mapping[str, TokenPrices]) -> TokenPrices:
    key = catalog_key(record.model, prices)
    if key is None:
        raise UsageFileError(
            file=record.file,
            row=record.source,
            field="model",
            message=f'unknown model "{record.model}": not in the price catalog',
        )
    return prices[key]


def cost_breakdown_usd(record: UsageRecord, prices: Mapping[str, TokenPrices]) -> dict[str, float]:
    """List cost by Admin-API token type (`uncached_input_tokens`, ..., plus `web_search`)."""
    price = prices_for(record, prices)
    per_input_token = price.input_usd_per_mtok / TOKENS_PER_MTOK
    tier = price.batch_multiplier if record.batch else 1.0
    return {
        "uncached_input_tokens": record.uncached_input_tokens * per_input_token * tier,
        "output_tokens": record.output_tokens * price.output_usd_per_mtok / TOKENS_PER_MTOK * tier,
        "cache_read_input_tokens": record.cache_read_tokens
        * per_input_token
        * price.cache_read_multiplier
        * tier,
        "cache_creation.ephemeral_5m_input_tokens": record.cache_write_5m_tokens
        * per_input_token
        * price.cache_write_5m_multiplier
        * tier,
        "cache_creation.ephemeral_1h_input_tokens": record.cache_write_1h_tokens
        * per_input_token
        * price.cache_write_1h_multiplier
        * tier,
        "web_search": record.web_search_requests * WEB_SEARCH_USD_PER_REQUEST,
    }


def recompute_cost_usd(record: UsageRecord, prices: Mapping[str, TokenPrices]) -> float:
    """List cost of a record in USD; raises `UsageFileError` (file, row, `model`) for an unknown model."""
    return math.fsum(cost_breakdown_usd(record, prices).values())
