"""One NaN policy for stored fits (forecasting.engine.jsondata): a value the data cannot give is stored as
an explicit null, and a non-finite number never reaches storage (the import is refused instead)."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pytest

from forecasting.engine.jsondata import NotJsonData
from procurement.imports import Calibration
from procurement.models import Organization
from procurement.models.usage import EngineerMonthUsage, UsageImport
from procurement.usage.importing import Upload, import_usage
from tests.imports.builders import ccusage_daily, weekdays
from tests.usage.conftest import stored_row_counts, upload

pytestmark = pytest.mark.django_db


def finite_json(value: Any) -> bool:
    """True when every number in `value` is finite (what strict JSON and jsonb can hold)."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


def test_one_engineer_month_stores_its_level_and_no_spread_as_null(organization: Organization) -> None:
    # One engineer, October 2026 weekdays only (22 days), 1M uncached Sonnet 4.5 input tokens a day: 3 USD.
    days = weekdays(date(2026, 10, 1), date(2026, 10, 30))
    assert len(days) == 22
    content = ccusage_daily((day, 1_000_000) for day in days)
    usage_import = import_usage(organization, [Upload("solo.daily.json", content)]).usage_import

    row = EngineerMonthUsage.objects.get(usage_import=usage_import)
    assert row.cost_usd == pytest.approx(22 * 3.0)
    stored = UsageImport.objects.get(pk=usage_import.pk).fits
    assert finite_json(stored)
    (team,) = stored["teams"]
    # One observation: its full-month usage is the level; a spread cannot be fitted from it.
    assert team["usage_median_usd"] == pytest.approx(row.full_month_usd, rel=1e-12)
    assert "usage_p90_usd" not in team
    assert team["fit"]["engineer_months"] == 1
    no_value = ("log_sigma", "log_likelihood", "share_above_p90", "normality_p_value")
    assert {name: team["fit"][name] for name in no_value} == dict.fromkeys(no_value)  # stored as null
    assert any("a single engineer-month: no spread fitted" in w for w in stored["warnings"])


def test_a_non_finite_fit_is_refused_naming_its_path_and_nothing_is_stored(
    organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Calibration) -> dict[str, Any]:
        return {"teams": [{"name": "Platform", "usage_median_usd": math.nan}], "features": [], "warnings": []}

    monkeypatch.setattr(Calibration, "document", broken)
    with pytest.raises(NotJsonData) as caught:
        import_usage(organization, [upload("claude-code-analytics.json")])
    assert caught.value.path == "teams[0].usage_median_usd"
    assert stored_row_counts() == (0, 0, 0, 0)
