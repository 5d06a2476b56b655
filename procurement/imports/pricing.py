"""Cost of a usage record at list price, from its tokens and the catalog's model prices.

Each token type is priced by the engine's one token-cost formula (`forecasting.engine.pricing`): uncached
input x P_in + output x P_out + 5-minute cache writes x P_in x 1.25 + 1-hour writes x P_in x 2 + cache
reads x P_in x 0.1 (the catalog's multipliers), all x 0.5 on the Batch tier, plus web searches at 10 USD
per 1,000. Long-context premiums, data-residency and fast-mode multipliers are not applied (the usage
formats read here do not carry what they need per request).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import partial

from forecasting.engine.inputs import ModelPrice
from forecasting.engine.pricing import batch_factor, unbatched_cost_usd
from procurement.imports.errors import UsageFileError
from procurement.imports.records import UsageRecord

# Web search: 10 USD per 1,000 searches, official pricing page (docs/usage-import.md#cost-recompute).
WEB_SEARCH_USD_PER_REQUEST = 10.0 / 1_000
_DATE_SUFFIX = re.compile(r"-(\d{8}|latest)$")


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


def prices_for(record: UsageRecord, prices: Mapping[str, ModelPrice]) -> ModelPrice:
    key = catalog_key(record.model, prices)
    if key is None:
        raise UsageFileError(
            file=record.file,
            row=record.source,
            field="model",
            message=f'unknown model "{record.model}": not in the price catalog',
        )
    return prices[key]


def cost_breakdown_usd(record: UsageRecord, prices: Mapping[str, ModelPrice]) -> dict[str, float]:
    """List cost by Admin-API token type (`uncached_input_tokens`, ..., plus `web_search`)."""
    price = prices_for(record, prices)
    tier = batch_factor(price, 1.0 if record.batch else 0.0)
    cost = partial(unbatched_cost_usd, price)
    return {  # one token type at a time: the cost report states each separately
        "uncached_input_tokens": tier * cost(input_tokens=record.uncached_input_tokens),
        "output_tokens": tier * cost(output_tokens=record.output_tokens),
        "cache_read_input_tokens": tier * cost(input_tokens=record.cache_read_tokens, cache_read_share=1.0),
        "cache_creation.ephemeral_5m_input_tokens": tier
        * cost(input_tokens=record.cache_write_5m_tokens, cache_write_5m_share=1.0),
        "cache_creation.ephemeral_1h_input_tokens": tier
        * cost(input_tokens=record.cache_write_1h_tokens, cache_write_1h_share=1.0),
        "web_search": record.web_search_requests * WEB_SEARCH_USD_PER_REQUEST,
    }


def recompute_cost_usd(record: UsageRecord, prices: Mapping[str, ModelPrice]) -> float:
    """List cost of a record in USD; raises `UsageFileError` (file, row, `model`) for an unknown model."""
    return math.fsum(cost_breakdown_usd(record, prices).values())
