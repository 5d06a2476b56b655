"""The preview shows what the applied growth does over the term, with the growth's own uncertainty
(issue 13: a fitted growth must not move cost by more than its uncertainty justifies, and the reader must
see that uncertainty): (1 + g)^(T - 1) at the growth and at the ends of its 90% interval."""

from __future__ import annotations

import math

import pytest

from forecasting.engine.seats.model import MIN_GROWTH_FACTOR
from procurement.models import Organization, Scenario
from procurement.usage.applying import plan_fit, term_growth
from tests.procurement.admin_forms import logged_in
from tests.usage.conftest import usageimport_url
from tests.usage.test_preview import fits_import, team_fit

Z95 = 1.6448536269514722


def test_the_term_multiplier_is_the_compounded_growth_and_its_quantiles() -> None:
    found = term_growth(0.02, 0.01, 24, MIN_GROWTH_FACTOR)
    assert found is not None
    assert found.multiplier == pytest.approx(1.02**23, rel=1e-12)
    assert found.low == pytest.approx((1.02 - Z95 * 0.01) ** 23, rel=1e-12)
    assert found.high == pytest.approx((1.02 + Z95 * 0.01) ** 23, rel=1e-12)
    flat = term_growth(0.0, 0.0, 12, MIN_GROWTH_FACTOR)
    assert flat is not None
    assert (flat.low, flat.multiplier, flat.high) == (1.0, 1.0, 1.0)
    assert term_growth(None, None, 12, MIN_GROWTH_FACTOR) is None
    # 1 + g floored as the engine floors it: a -150% growth does not turn usage negative
    floored = term_growth(-1.5, 0.0, 3, MIN_GROWTH_FACTOR)
    assert floored is not None
    assert floored.multiplier == pytest.approx(MIN_GROWTH_FACTOR**2)


@pytest.mark.django_db
def test_the_preview_shows_the_growth_over_the_scenarios_term(
    editor: object, organization: Organization, scenario: Scenario
) -> None:
    fit = team_fit("Web", usage_median_usd=90.0, usage_growth=0.019, usage_growth_sd=0.022)
    usage_import = fits_import(organization, teams=[fit])
    plan = plan_fit(usage_import, scenario, team="Web")
    term = plan.growth_over_term
    assert term is not None
    assert term.months == scenario.term_months
    steps = scenario.term_months - 1
    assert term.multiplier == pytest.approx(math.exp(steps * math.log1p(0.019)), rel=1e-12)
    assert term.low < 1 < term.multiplier < term.high  # flat is inside the interval: growth unsure
    page = logged_in(editor).post(
        usageimport_url("apply", usage_import.pk),
        {"fit": "teams:Web", "scenario": scenario.pk, "target": "Web"},
    )
    text = page.content.decode()
    assert f"Growth over the {scenario.term_months}-month term" in text
    assert f"×{term.multiplier:.2f}" in text
    assert f"×{term.high:.2f}" in text
