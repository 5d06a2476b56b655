"""Team intensity fit: the engine's engineer-usage model (docs/model.md#seat-path) fitted to engineer-months.

Model, matching the engine: log monthly usage of active engineer i in month t is
    mu + t g + eta_t + sigma (sqrt(omega) zeta_i + sqrt(1 - omega) nu_it),   zeta_i, nu_it iid N(0, 1),
eta_t the team shock (AR(1), team_shock.py). mu, g, sigma and omega are fitted by restricted maximum
likelihood as an unbalanced one-way random-effects model (`random_effects`), the shock's sd v from the
month means (`team_shock`). The scenario's fields, in the last month T of the data:
usage_median_usd = e^(mu + g T - V/2) (V the variance of the log level: mean-unbiased in dollars),
usage_p90_usd = e^(mu + g T + 1.2816 sigma) with the same and sigma's second-order corrections,
usage_persistence = omega, usage_growth and usage_growth_sd = the posterior of g shrunk toward 0 under
the prior of growth.py (raw g kept as a diagnostic), usage_volatility = v from 12 months of 30
engineers (team_shock.py).
Every field has a 90% interval in `intervals`; the shock's covariance is part of the level's and
growth's. The drift is fitted only with three or more months. A single engineer-month gives a level but
no spread: usage_p90_usd, the spread's diagnostics and every interval are None / absent (left out of the
fit document), never a non-finite number. docs/usage-import.md#fits states the estimators.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from procurement.imports.calendar_span import month_index
from procurement.imports.censored import fit_censored
from procurement.imports.growth import SHORT_HISTORY_MONTHS, TEAM_GROWTH_PRIOR_SD, ShrunkGrowth, shrink_growth
from procurement.imports.months import MIN_FIT_COVERAGE, EngineerMonth
from procurement.imports.plan_caps import censored_warnings, censoring
from procurement.imports.random_effects import (
    Z95,
    Method,
    RandomEffectsFit,
    fit_random_effects,
    month_loadings,
)
from procurement.imports.team_shock import MonthShock, fit_month_shock, shock_covariance

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
    usage_growth: float | None  # None: fewer than three months, not fitted; else shrunk (growth.py)
    usage_growth_sd: float | None  # posterior sd of the growth
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
    # 90% intervals keyed by scenario field name (usage_median_usd, usage_p90_usd, usage_persistence,
    # usage_growth, and usage_volatility when reported); a field without uncertainty is absent
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    usage_volatility: float | None = None  # the team shock, when identified (team_shock.py)
    growth: ShrunkGrowth | None = None  # the raw and shrunk growth (diagnostics)
    shock: MonthShock | None = None  # the team shock's estimate and interval (diagnostic)
    log_level_se: float | None = None  # se of ln(median) behind its interval, month shocks included
    censored_months: int = 0  # engineer-months at a blocking plan's cap, fitted as censored (censored.py)
    log_level: float | None = None  # the GLS ln(level) in level_month, before the mean-unbiasing


def _design(
    used: Sequence[EngineerMonth],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """log usage, engineer codes, month offsets from the first month, month codes, the design matrix."""
    y = np.log([m.full_month_usd for m in used])
    codes = {name: code for code, name in enumerate(sorted({m.engineer for m in used}))}
    groups = np.array([codes[m.engineer] for m in used], dtype=np.intp)
    index = np.array([month_index(m.month) for m in used], dtype=float)
    t = index - index.min()
    months = np.unique(t, return_inverse=True)[1].astype(np.intp)
    drift = len(set(t)) >= MIN_DRIFT_MONTHS
    x = np.column_stack([np.ones_like(t), t]) if drift else np.ones((len(t), 1))
    return y, groups, t, months, x


@dataclass(frozen=True)
class _Estimates:
    """Point estimates corrected to be mean-unbiased in dollars, their log-scale sds, and the shock."""

    median: float
    p90: float | None
    log_level: float
    log_level_se: float  # for the intervals: widened for the shock's estimated variance (Satterthwaite)
    log_p90_se: float | None
    growth: ShrunkGrowth | None
    shock: MonthShock | None


def _widening(sampling: float, shock: float, shock_dof: float) -> float:
    """The factor t_d(0.95) / z(0.95) that makes a normal interval of variance sampling + shock honest when
    the shock part rests on an estimate of v^2 with few degrees of freedom (shock_dof, from its REML
    information): Satterthwaite's d = (sampling + shock)^2 / (shock^2 / shock_dof) (the sampling part
    rests on hundreds of engineer-months, so its own term is dropped). 1 without a shock."""
    if shock <= 0 or not math.isfinite(shock_dof):
        return 1.0
    dof = (sampling + shock) ** 2 / (shock**2 / shock_dof)
    return float(stats.t.ppf(0.95, dof)) / Z95


# sd of logit(omega) beyond which the likelihood is flat in omega (its 90% interval spans more than
# 0.0003..0.9997 around 0.5): omega is not identified (e.g. one engineer), and the joint information of
# (ln sigma^2, logit omega) is near-singular, its ln sigma^2 variance meaningless.
UNINFORMATIVE_LOGIT_SD = 5.0


def _log_sigma2_variance(fit: RandomEffectsFit, dof: int) -> float:
    """var(ln sigma^2_hat): from the observed information (marginal over omega); when omega sits at a bound
    or is not identified, the variance given omega, 2 / (N - p), the exact inverse of ln sigma^2's own
    information (tests/imports/test_fit_uncertainty.py)."""
    cov = fit.variance_cov
    if cov is None or not math.isfinite(cov[1][1]) or cov[1][1] > UNINFORMATIVE_LOGIT_SD**2:
        return 2.0 / dof
    return cov[0][0]


def _estimates(
    fit: RandomEffectsFit, y: np.ndarray, groups: np.ndarray, t: np.ndarray, months: np.ndarray, x: np.ndarray
) -> _Estimates:
    """The level, p90 and growth with their uncertainty (docs/usage-import.md#fits).

    Cov(beta) = sigma^2 (X'W^-1 X)^-1 + v^2 G R G': the GLS covariance plus the team shock's (G = how beta
    moves with a shared month shock, R its AR(1) correlation). ln median = c'beta, c the last month; the
    estimate exp(c'beta) is biased up by exp(var/2), so the median is exp(c'beta - var/2). ln p90 adds
    Z90 sigma_hat; sigma_hat = sqrt(sigma^2_hat) of the (nearly unbiased) REML sigma^2 is biased low by
    about sigma V/8 and varies by sigma^2 V/4 (V = var(ln sigma^2_hat) from the observed information),
    both corrected to second order so E[p90_hat] = p90. The shock's share of a variance rests on the
    month means' T - p contrasts only, so intervals widen by `_widening`.
    """
    beta = np.array(fit.beta)
    drift = x.shape[1] == 2
    c = np.array([1.0, float(t.max())]) if drift else np.array([1.0])
    log_level = float(c @ beta)
    sampling = np.array(fit.beta_cov)
    shock_cov = np.zeros_like(sampling)
    month_t = np.unique(t)
    shock = fit_month_shock(y, groups, months, month_t, trend=drift, omega=fit.omega)
    if shock is not None and shock.volatility > 0:
        loadings = month_loadings(groups, x, months, fit.omega)
        shock_cov = shock_covariance(loadings, month_t, shock.volatility)
    shock_dof = shock.dof if shock is not None else math.inf
    level_s, level_e = float(c @ sampling @ c), float(c @ shock_cov @ c)
    level_var = level_s + level_e
    level_se = math.sqrt(level_var) * _widening(level_s, level_e, shock_dof)
    growth = None
    if drift:
        slope_s, slope_e = float(sampling[1, 1]), float(shock_cov[1, 1])
        slope_se = math.sqrt(slope_s + slope_e) * _widening(slope_s, slope_e, shock_dof)
        growth = shrink_growth(float(beta[1]), slope_se, TEAM_GROWTH_PRIOR_SD)
    median = math.exp(log_level - level_var / 2)
    if fit.sigma2 is None:
        return _Estimates(median, None, log_level, level_se, None, growth, shock)
    sigma = math.sqrt(fit.sigma2)
    dof = y.size - x.shape[1]
    v_log = _log_sigma2_variance(fit, dof)
    log_p90 = log_level + Z90 * sigma
    spread_var = Z90**2 * sigma**2 * v_log / 4
    p90 = math.exp(log_p90 + Z90 * sigma * v_log / 8 - (level_var + spread_var) / 2)
    p90_se = math.sqrt(level_var * _widening(level_s, level_e, shock_dof) ** 2 + spread_var)
    return _Estimates(median, p90, log_level, level_se, p90_se, growth, shock)


def _intervals(
    est: _Estimates, fit: RandomEffectsFit, sigma: float | None, report_shock: bool
) -> dict[str, tuple[float, float]]:
    """90% intervals of the scenario fields: log scale for the median and p90 (centred on the uncorrected
    log estimate, whose sampling distribution is symmetric), logit for persistence, the posterior for
    growth, the profile likelihood for the shock."""
    found: dict[str, tuple[float, float]] = {}
    half = Z95 * est.log_level_se
    found["usage_median_usd"] = (math.exp(est.log_level - half), math.exp(est.log_level + half))
    if sigma is not None and est.log_p90_se is not None:
        centre, half = est.log_level + Z90 * sigma, Z95 * est.log_p90_se
        found["usage_p90_usd"] = (math.exp(centre - half), math.exp(centre + half))
    if fit.omega_interval is not None:
        found["usage_persistence"] = fit.omega_interval
    if est.growth is not None:
        found["usage_growth"] = est.growth.interval()
    if report_shock and est.shock is not None:
        found["usage_volatility"] = est.shock.interval
    return found


def fit_team(engineer_months: Sequence[EngineerMonth], *, name: str, method: Method = "reml") -> TeamFit:
    """Fit the team model to the fitted (active, covered) months of the engineers given.

    Raises ValueError when no engineer-month is usable.
    """
    used = [m for m in engineer_months if m.fitted]
    if not used:
        raise ValueError(f"{name}: no active engineer-month with enough coverage to fit")
    y, groups, t, months, x = _design(used)
    # months at a blocking plan's cap are censored (docs/usage-import.md#capped-usage)
    y_fit, censored = censoring(used, y)
    fit = (
        fit_censored(y_fit, groups, x, censored, default_omega=DEFAULT_PERSISTENCE)
        if censored.any()
        else fit_random_effects(y, groups, x, method=method, default_omega=DEFAULT_PERSISTENCE)
    )
    drift = x.shape[1] == 2
    sigma = math.sqrt(fit.sigma2) if fit.sigma2 is not None else None
    spread = sigma is not None
    fitted_log = x @ np.array(fit.beta)
    covered = [m for m in engineer_months if m.coverage >= MIN_FIT_COVERAGE]
    if fit.beta_cov is None:  # one engineer-month: its level, no uncertainty
        est = _Estimates(math.exp(fit.beta[0]), None, fit.beta[0], math.nan, None, None, None)
        intervals: dict[str, tuple[float, float]] = {}
    else:
        est = _estimates(fit, y, groups, t, months, x)
        report_shock = est.shock is not None and est.shock.identified
        intervals = _intervals(est, fit, sigma, report_shock)
    report_shock = "usage_volatility" in intervals
    month_count = len(set(t))
    return TeamFit(
        name=name,
        usage_median_usd=est.median,
        usage_p90_usd=est.p90,
        usage_persistence=fit.omega,
        usage_growth=est.growth.growth if est.growth is not None else None,
        usage_growth_sd=est.growth.growth_sd if est.growth is not None else None,
        level_month=max(m.month for m in used),
        engineers=int(groups.max()) + 1,
        engineer_months=len(used),
        months=month_count,
        active_share=sum(m.active for m in covered) / len(covered),
        log_sigma=sigma,
        persistence_fitted=fit.omega_identified,
        method="censored-ml" if censored.any() else method,
        log_likelihood=fit.log_likelihood,
        share_above_p90=float(np.mean(y > fitted_log + Z90 * sigma)) if sigma is not None else None,
        normality_p_value=_normality(y - fitted_log),
        warnings=tuple(
            _warnings(name, engineer_months, used, fit.omega_identified, drift, spread)
            + _growth_warnings(name, month_count, est.growth)
            + censored_warnings(name, used, censored)
        ),
        censored_months=int(censored.sum()),
        intervals=intervals,
        usage_volatility=est.shock.volatility if report_shock and est.shock is not None else None,
        growth=est.growth,
        shock=est.shock,
        log_level_se=est.log_level_se if fit.beta_cov is not None else None,
        log_level=est.log_level,
    )


def _growth_warnings(name: str, months: int, growth: ShrunkGrowth | None) -> list[str]:
    if growth is None or months >= SHORT_HISTORY_MONTHS:
        return []
    return [
        f"{name}: growth from only {months} months is uncertain (raw {growth.raw_growth:+.1%} a month, "
        f"se {growth.raw_growth_se:.1%}): shrunk toward flat to {growth.growth:+.1%} a month "
        f"(prior sd {growth.prior_sd:.1%}, docs/usage-import.md#fits)"
    ]


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
