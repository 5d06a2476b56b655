"""The shipped catalog `anthropic-list-2026-11`: complete, equal to the reference values, sourced."""

from __future__ import annotations

import datetime
import importlib
import json
from collections.abc import Mapping
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError

from forecasting.scenario_inputs import plans_in_force
from procurement.models import ModelPrice, PriceCatalog, SeatPlan, UsagePreset, catalog_snapshot
from tests.conftest import DEFAULT_CATALOG_KEYS

pytestmark = pytest.mark.django_db

# Reference values typed from the pricing fact sheet (docs/pricing.md), independently of the migration:
# key -> (input, output USD/MTok, long-context (threshold, input, output) or None).
REFERENCE_MODELS = {
    "claude-opus-4-5": (5.0, 25.0, None),
    "claude-opus-4-6": (5.0, 25.0, None),
    "claude-opus-4-1": (15.0, 75.0, None),
    "claude-opus-4-0": (15.0, 75.0, None),
    "claude-sonnet-4-0": (3.0, 15.0, (200_000, 6.0, 22.5)),
    "claude-sonnet-4-5": (3.0, 15.0, (200_000, 6.0, 22.5)),
    "claude-sonnet-4-6": (3.0, 15.0, None),
    "claude-haiku-4-5": (1.0, 5.0, None),
    "claude-3-5-haiku": (0.8, 4.0, None),
}
# (key, valid_from) -> (monthly, annual per seat-month, capacity USD/month, overflow, min seats).
MAX_20X_CAPACITY = 2_100.0  # community measurement, docs/pricing.md#plan-capacity
REFERENCE_PLANS = {
    ("api", datetime.date(2025, 1, 1)): (0.0, None, 0.0, "extra_usage", 0),
    ("pro", datetime.date(2025, 1, 1)): (20.0, 17.0, MAX_20X_CAPACITY / 20, "extra_usage", 0),
    ("max_5x", datetime.date(2025, 1, 1)): (100.0, None, MAX_20X_CAPACITY / 4, "extra_usage", 0),
    ("max_20x", datetime.date(2025, 1, 1)): (200.0, None, MAX_20X_CAPACITY, "extra_usage", 0),
    ("team_premium", datetime.date(2025, 8, 1)): (
        150.0,
        150.0,
        6.25 * MAX_20X_CAPACITY / 20,
        "extra_usage",
        5,
    ),
    ("team_premium", datetime.date(2026, 1, 1)): (
        125.0,
        100.0,
        6.25 * MAX_20X_CAPACITY / 20,
        "extra_usage",
        5,
    ),
    ("enterprise", datetime.date(2025, 1, 1)): (20.0, 20.0, 0.0, "extra_usage", 20),
}
REFERENCE_PRESETS = {"light": (40.0, 150.0), "typical": (150.0, 600.0), "heavy": (800.0, 3_000.0)}


def test_default_catalog_is_the_shipped_one(default_catalog: PriceCatalog) -> None:
    assert PriceCatalog.objects.default() == default_catalog
    assert default_catalog.is_default
    assert default_catalog.as_of == datetime.date(2026, 11, 1)


@pytest.mark.parametrize("key", sorted(REFERENCE_MODELS))
def test_model_prices_equal_the_reference(key: str, default_catalog: PriceCatalog) -> None:
    row = default_catalog.model_prices.get(key=key)
    input_usd, output_usd, long_context = REFERENCE_MODELS[key]
    assert (row.input_usd_per_mtok, row.output_usd_per_mtok) == (input_usd, output_usd)
    assert (row.cache_write_5m_multiplier, row.cache_write_1h_multiplier, row.cache_read_multiplier) == (
        1.25,
        2.0,
        0.1,
    )
    assert row.batch_multiplier == 0.5
    long_context_row = (
        row.long_context_threshold_tokens,
        row.long_context_input_usd_per_mtok,
        row.long_context_output_usd_per_mtok,
    )
    assert long_context_row == (long_context or (None, None, None))
    assert row.source.strip()


def test_opus_4_and_4_1_are_kept_as_retired_and_sonnet_4_5_as_deprecated(
    default_catalog: PriceCatalog,
) -> None:
    statuses = dict(default_catalog.model_prices.values_list("key", "status"))
    assert (statuses["claude-opus-4-0"], statuses["claude-opus-4-1"]) == ("retired", "retired")
    assert statuses["claude-sonnet-4-5"] == "deprecated"


@pytest.mark.parametrize(("key", "valid_from"), sorted(REFERENCE_PLANS))
def test_seat_plans_equal_the_reference(
    key: str, valid_from: datetime.date, default_catalog: PriceCatalog
) -> None:
    row = default_catalog.seat_plans.get(key=key, valid_from=valid_from)
    monthly, annual, capacity, overflow, min_seats = REFERENCE_PLANS[(key, valid_from)]
    assert (row.monthly_usd, row.annual_monthly_usd, row.overflow, row.min_seats) == (
        monthly,
        annual,
        overflow,
        min_seats,
    )
    assert row.capacity_usd == pytest.approx(capacity, rel=1e-12)
    assert row.capacity_sd == (0.25 if capacity > 0 else 0.0)
    assert row.includes_claude_code
    assert row.source.strip()
    if capacity > 0:
        assert row.is_assumption, "capacities are labelled assumptions"
        assert "ASSUMPTION" in row.source
    assert "overflow" in row.source.lower() or key == "api"


def test_enterprise_price_is_labelled_third_party(default_catalog: PriceCatalog) -> None:
    enterprise = default_catalog.seat_plans.get(key="enterprise")
    assert "THIRD-PARTY" in enterprise.source
    assert enterprise.is_assumption


def test_catalog_holds_exactly_the_reference_plans(default_catalog: PriceCatalog) -> None:
    assert set(default_catalog.seat_plans.values_list("key", "valid_from")) == set(REFERENCE_PLANS)


@pytest.mark.parametrize("key", sorted(REFERENCE_PRESETS))
def test_usage_presets_equal_the_reference(key: str, default_catalog: PriceCatalog) -> None:
    preset = default_catalog.usage_presets.get(key=key)
    assert (preset.median_usd, preset.p90_usd) == REFERENCE_PRESETS[key]
    assert "code.claude.com/docs/en/costs" in preset.source


def test_shared_test_catalog_keys_match_the_migrated_catalog(default_catalog: PriceCatalog) -> None:
    assert default_catalog.catalog_keys() == DEFAULT_CATALOG_KEYS


@pytest.mark.parametrize(
    ("month", "expected_monthly_usd"),
    [
        (datetime.date(2024, 6, 1), 150.0),  # before every row: the earliest known price
        (datetime.date(2025, 8, 1), 150.0),
        (datetime.date(2025, 12, 1), 150.0),
        (datetime.date(2026, 1, 1), 125.0),
        (datetime.date(2027, 1, 1), 125.0),
    ],
)
def test_plan_in_force_picks_the_latest_row_started_by_that_month(
    month: datetime.date, expected_monthly_usd: float, default_catalog: PriceCatalog
) -> None:
    plan = default_catalog.plan_in_force("team_premium", month)
    assert plan is not None
    assert plan.monthly_usd == expected_monthly_usd


def test_plans_in_force_give_one_row_per_plan_in_catalog_order(default_catalog: PriceCatalog) -> None:
    plans = default_catalog.plans_in_force(datetime.date(2027, 1, 1))
    assert [plan.key for plan in plans] == list(DEFAULT_CATALOG_KEYS.plans)


def test_snapshot_is_plain_json_with_every_row_and_its_source(default_catalog: PriceCatalog) -> None:
    snapshot = json.loads(json.dumps(catalog_snapshot(default_catalog)))
    assert (snapshot["slug"], snapshot["as_of"]) == ("anthropic-list-2026-11", "2026-11-01")
    assert len(snapshot["models"]) == default_catalog.model_prices.count()
    assert len(snapshot["plans"]) == default_catalog.seat_plans.count() == 7
    assert len(snapshot["usage_presets"]) == 3
    rows = snapshot["models"] + snapshot["plans"] + snapshot["usage_presets"]
    assert all(row["source"].strip() for row in rows)
    sonnet = next(row for row in snapshot["models"] if row["key"] == "claude-sonnet-4-5")
    assert sonnet["long_context_output_usd_per_mtok"] == 22.5


def test_data_migration_is_idempotent_and_restores_shipped_numbers(default_catalog: PriceCatalog) -> None:
    migration = importlib.import_module("procurement.migrations.0002_default_catalog")
    ModelPrice.objects.filter(key="claude-haiku-4-5").update(input_usd_per_mtok=0.8)
    counts = (ModelPrice.objects.count(), SeatPlan.objects.count(), UsagePreset.objects.count())
    migration.install_default_catalog(django_apps, None)
    migration.install_default_catalog(django_apps, None)
    assert (ModelPrice.objects.count(), SeatPlan.objects.count(), UsagePreset.objects.count()) == counts
    assert PriceCatalog.objects.count() == 1
    assert ModelPrice.objects.get(key="claude-haiku-4-5").input_usd_per_mtok == 1.0


def test_only_one_catalog_can_be_the_default(default_catalog: PriceCatalog) -> None:
    with pytest.raises(IntegrityError):
        PriceCatalog.objects.create(slug="second", as_of=datetime.date(2027, 1, 1), is_default=True)


def test_shipped_minimums_apply_to_the_organisation_and_reach_the_engine(
    default_catalog: PriceCatalog,
) -> None:
    """Team premium's 5 and Enterprise's 20 seats are per subscription (docs/pricing.md#seat-plans)."""
    scopes = {
        (row.key, row.min_seats): row.min_seats_scope
        for row in default_catalog.seat_plans.filter(min_seats__gt=0)
    }
    assert scopes == {
        ("team_premium", 5): "organization",
        ("enterprise", 20): "organization",
    }
    plans = plans_in_force(catalog_snapshot(default_catalog)["plans"], "2027-01")
    assert {p.key: p.min_seats_scope for p in plans if p.min_seats} == {
        "team_premium": "organization",
        "enterprise": "organization",
    }


def test_a_snapshot_saved_before_the_scope_existed_keeps_the_minimum_per_team(
    default_catalog: PriceCatalog,
) -> None:
    rows: list[Mapping[str, Any]] = [
        {k: v for k, v in row.items() if k != "min_seats_scope"}
        for row in catalog_snapshot(default_catalog)["plans"]
    ]
    plans = plans_in_force(rows, "2027-01")
    assert {p.key: p.min_seats_scope for p in plans if p.min_seats} == {
        "team_premium": "team",
        "enterprise": "team",
    }


def test_an_unknown_minimum_scope_is_refused(default_catalog: PriceCatalog) -> None:
    with pytest.raises(IntegrityError):
        default_catalog.seat_plans.filter(key="team_premium").update(min_seats_scope="department")
