"""The fits as one JSON-ready document in the scenario's own field names (docs/scenario.md).

Only fitted values appear as scenario fields: a field the data cannot say (persistence from one month,
growth from under three months, request sizes without token data) is left out, so the scenario's default
or the user's own value stands. How each fit was made and how well it fits sits under `fit`, with the
uncertainty of every fitted field: `intervals` (90%, keyed by scenario field name), the raw growth before
shrinking and the range of the growth multiplier over a term, and the team shock when it is only a
diagnostic (docs/usage-import.md#fits).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from procurement.imports.feature_fit import FeatureFit
from procurement.imports.team_fit import TeamFit
from procurement.imports.team_shock import MIN_SHOCK_ENGINEERS, MIN_SHOCK_MONTHS


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def team_document(fit: TeamFit) -> dict[str, Any]:
    """A team's fitted scenario fields, and its diagnostics under `fit`."""
    fields = {
        "name": fit.name,
        "usage_median_usd": fit.usage_median_usd,
        "usage_p90_usd": fit.usage_p90_usd,
        "usage_persistence": fit.usage_persistence if fit.persistence_fitted else None,
        "usage_growth": fit.usage_growth,
        "usage_growth_sd": fit.usage_growth_sd,
        "usage_volatility": fit.usage_volatility,
    }
    diagnostics = {
        "level_month": fit.level_month,
        "engineers": fit.engineers,
        "engineer_months": fit.engineer_months,
        "months": fit.months,
        "active_share": fit.active_share,
        "log_sigma": fit.log_sigma,
        "method": fit.method,
        "log_likelihood": fit.log_likelihood,
        "share_above_p90": fit.share_above_p90,
        "normality_p_value": fit.normality_p_value,
        "censored_months": fit.censored_months,  # docs/usage-import.md#capped-usage
        **_intervals(fit.intervals),
        **(fit.growth.diagnostics() if fit.growth is not None else {}),
        **_shock(fit),
    }
    return _present(fields) | {"fit": diagnostics}


def _intervals(intervals: dict[str, tuple[float, float]]) -> dict[str, dict[str, list[float]]]:
    """`{"intervals": {field: [low, high]}}`, or nothing when no field has an interval."""
    found = {key: [low, high] for key, (low, high) in intervals.items()}
    return {"intervals": found} if found else {}


def _shock(fit: TeamFit) -> dict[str, Any]:
    """The team shock as a diagnostic, with why it is not (or is) a scenario field."""
    if fit.shock is None:
        return {
            "usage_volatility_note": "not fitted: too few months or engineer-months to compare month means"
        }
    found: dict[str, Any] = {
        "usage_volatility_estimate": fit.shock.volatility,
        "usage_volatility_interval": list(fit.shock.interval),
    }
    if fit.usage_volatility is not None:
        return found
    why = (
        f"{fit.shock.months} months of {fit.engineers} engineers identify a month-to-month swing shared by "
        f"the team too weakly to set it (measured: needs {MIN_SHOCK_MONTHS} months and "
        f"{MIN_SHOCK_ENGINEERS} engineers); the estimate widens the intervals only"
    )
    return found | {
        "usage_volatility_note": f"usage_volatility left to the scenario: {why} (docs/usage-import.md#fits)"
    }


def feature_document(fit: FeatureFit) -> dict[str, Any]:
    """A feature's fitted scenario fields (`model_mix` as a mapping), and its diagnostics under `fit`."""
    fields = {
        "name": fit.name,
        "requests_per_month": fit.requests_per_month,
        "growth": fit.growth,
        "growth_sd": fit.growth_sd,
        "volatility": fit.volatility,
        "input_tokens": fit.input_tokens,
        "output_tokens": fit.output_tokens,
        "cache_hit_rate": fit.cache_hit_rate,
        "cache_write_rate": fit.cache_write_rate,
        "cache_ttl": fit.cache_ttl,
        "batch_share": fit.batch_share,
        "model_mix": dict(fit.model_mix) or None,
    }
    diagnostics = {
        "requests_known": fit.requests_known,
        "volume_unit": fit.volume_unit,
        "volume_per_month": fit.volume_per_month,
        "level_month": fit.level_month,
        "months": fit.months,
        "r_squared": fit.r_squared,
        "list_cost_usd": fit.list_cost_usd,
        "reported_cost_usd": fit.reported_cost_usd,
        **_intervals(fit.intervals),
        **(fit.growth_fit.diagnostics() if fit.growth_fit is not None else {}),
    }
    return _present(fields) | {"fit": diagnostics}


def fits_document(
    team_fits: Sequence[TeamFit], feature_fits: Sequence[FeatureFit], warnings: Iterable[str]
) -> dict[str, Any]:
    """`{"teams": [...], "features": [...], "warnings": [...]}`; warnings are the import's own followed by
    each fit's, without repeats."""
    every = [
        *warnings,
        *(w for f in team_fits for w in f.warnings),
        *(w for f in feature_fits for w in f.warnings),
    ]
    return {
        "teams": [team_document(fit) for fit in team_fits],
        "features": [feature_document(fit) for fit in feature_fits],
        "warnings": list(dict.fromkeys(every)),
    }
