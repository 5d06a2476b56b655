"""Team intensity fit: the engine's engineer-usage model (docs/model.md#seat-path) fitted to engineer-months.

Model, matching the engine: log monthly usage of active engineer i in month t is
    mu + t g + sigma (sqrt(omega) zeta_i + sqrt(1 - omega) nu_it),   zeta_i, nu_it iid N(0, 1),
fitted by (restricted) maximum likelihood as an unbalanced one-way random-effects model
(`random_effects`). Then the scenario's fields are: usage_median_usd = e^(mu + g T) (the level in the
last month T of the data), usage_p90_usd = median e^(1.2816 sigma), usage_persistence = omega,
usage_growth = e^g - 1 (the engine applies ln(1 + D) per month), usage_growth_sd = e^g se(g) (the
uncertainty of the drift, by the delta method). The drift is fitted only with three or more months.
A single engineer-month gives a level but no spread: usage_p90_usd and the spread's diagnostics are None
(left out of the fit document), never a non-finite number.
Not fitted: the team-wide monthly shock (usage_volatility): a few months cannot separate it from drift.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from procurement.imports.calendar_span import month_index
from procurement.imports.months import MIN_FIT_COVERAGE, EngineerMonth
from procurement.imports.random_effects import Method, fit_random_effects

# standard normal 90th percentile (docs/model.md#seat-path: sigma = ln(p90/median)/1.2816)
Z90 = 1.2815515655446004
DEFAULT_PERSISTENCE = 0.6  # scenario default (docs/scenario.md), used when persistence cannot be fitted
MIN_DRIFT_MONTHS = 3  # task brief: drift only with at least three months
FEW_ENGINEERS = 5  # below this the spread and persistence are rough (project choice)
COST_MISMATCH_SHARE = 0.01  # the files' own costs vs list price: warn beyond 1% (project choice)


@dataclass(frozen=True)
class TeamFit:
    """Fitted usage fields of a team (scenario names) and how well the model fits."""

    name: str
    usage_median_usd: float
    usage_p90_usd: float | None  # None: no spread can be fitted (a single engineer-month)
    usage_persistence: float
    usage_growth: float | None  # None: fewer than three months, not fitted
    usage_growth_sd: float | None
    level_month: str  # the month usage_median_usd describes (the last month of the data)
    engineers: int
    engineer_months: int  # active, covered engineer-months used by the fit
    months: int
    active_share: float  # active engineer-months / covered engineer-months (an adoption hint)
    log_sigma: float | None  # sigma of log monthly usage; None with usage_p90_usd
    persistence_fitted: bool
    method: str
    log_likelihood: float | None  # None with usage_p90_usd
    share_above_p90: float | None  # of fitted engineer-months above their month's fitted p90 (model: 0.10)
    normality_p_value: (
        float | None
    )  # Shapiro-Wilk on log residuals (approximate: months of one engineer correlate)
    warnings: tuple[str, ...] = ()


def _design(used: Sequence[EngineerMonth]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """log usage, engineer codes, month offsets from the first month, and the design matrix."""
    y = np.log([m.full_month_usd for m in used])
    names = sorted({m.engineer for m in used})
    groups = np.array([names.index(m.engineer) for m in used], dtype=np.intp)
    index = np.array([month_index(m.month) for m in used], dtype=float)
    t = index - index.min()
    drift = len(set(t)) >= MIN_DRIFT_MONTHS
    x = np.column_stack([np.ones_like(t), t]) if drift else np.ones((len(t), 1))
    return y, groups, t, x


def fit_team(engineer_months: Sequence[EngineerMonth], *, name: str, method: Method = "reml") -> TeamFit:
    """Fit the team model to the fitted (active, covered) months of the engineers given.

    Raises ValueError when no engineer-month is usable.
    """
    used = [m for m in engineer_months if m.fitted]
    if not used:
        raise ValueError(f"{name}: no active engineer-month with enough coverage to fit")
    y, groups, t, x = _design(used)
    fit = fit_random_effects(y, groups, x, method=method, default_omega=DEFAULT_PERSISTENCE)
    last_t = float(t.max())
    drift = x.shape[1] == 2
    slope = fit.beta[1] if drift else 0.0
    log_level = fit.beta[0] + slope * last_t
    sigma = math.sqrt(fit.sigma2) if fit.sigma2 is not None else None
    spread = sigma is not None
    fitted_log = x @ np.array(fit.beta)
    covered = [m for m in engineer_months if m.coverage >= MIN_FIT_COVERAGE]
    return TeamFit(
        name=name,
        usage_median_usd=math.exp(log_level),
        usage_p90_usd=math.exp(log_level + Z90 * sigma) if sigma is not None else None,
        usage_persistence=fit.omega,
        usage_growth=math.expm1(slope) if drift else None,
        usage_growth_sd=math.exp(slope) * math.sqrt(fit.beta_cov[1][1]) if drift and fit.beta_cov else None,
        level_month=max(m.month for m in used),
        engineers=int(groups.max()) + 1,
        engineer_months=len(used),
        months=len(set(t)),
        active_share=sum(m.active for m in covered) / len(covered),
        log_sigma=sigma,
        persistence_fitted=fit.omega_identified,
        method=method,
        log_likelihood=fit.log_likelihood,
        share_above_p90=float(np.mean(y > fitted_log + Z90 * sigma)) if sigma is not None else None,
        normality_p_value=_normality(y - fitted_log),
        warnings=tuple(_warnings(name, engineer_months, used, fit.omega_identified, drift, spread)),
    )


def _normality(residuals: np.ndarray) -> float | None:
    """Shapiro-Wilk p-value of the log residuals (3..5,000 values, scipy's range)."""
    if not 3 <= residuals.size <= 5_000 or np.ptp(residuals) == 0:
        return None
    return float(stats.shapiro(residuals).pvalue)


def _warnings(
    name: str,
    months: Sequence[EngineerMonth],
    used: Sequence[EngineerMonth],
    identified: bool,
    drift: bool,
    spread: bool,
) -> list[str]:
    found = []
    if not spread:
        found.append(f"{name}: a single engineer-month: no spread fitted, usage_p90_usd left to the scenario")
    engineers = len({m.engineer for m in used})
    if engineers < FEW_ENGINEERS:
        found.append(f"{name}: only {engineers} engineers: median, p90 and persistence are rough")
    if not drift:
        found.append(f"{name}: fewer than {MIN_DRIFT_MONTHS} months of data: no drift fitted")
    if not identified:
        found.append(
            f"{name}: no engineer has two usable months: persistence not fitted, the default "
            f"{DEFAULT_PERSISTENCE} is used"
        )
    listed = [m.reported_cost_usd for m in used]
    if all(v is not None for v in listed):
        gap = math.fsum(v or 0.0 for v in listed) / math.fsum(m.cost_usd for m in used) - 1
        if abs(gap) > COST_MISMATCH_SHARE:
            found.append(f"{name}: the files' own costs differ from list price by {gap:+.1%} (other prices?)")
    thin = [m for m in months if m.active and not m.fitted]
    if thin:
        found.append(
            f"{name}: {len(thin)} active engineer-months cover under a quarter of their month "
            "and are not fitted"
        )
    return found
