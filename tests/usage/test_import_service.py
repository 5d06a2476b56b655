"""import_usage: every sample stored per engineer-month and feature-month at list price, to the cent; bad
files refused by file, row and field with nothing saved; the same files never counted twice."""

from __future__ import annotations

import datetime
import hashlib
import math
from collections import defaultdict

import pytest
from django.test import override_settings

from procurement.imports import UsageFileError, calibrate
from procurement.models import ModelPrice, Organization, PriceCatalog
from procurement.models.usage import EngineerMonthUsage, FeatureMonthUsage, UsageFile, UsageImport
from procurement.usage.importing import (
    ImportOptionError,
    Upload,
    UploadTooLarge,
    _store_once,
    import_usage,
    parse_uploads,
    token_prices,
)
from tests.usage.conftest import (
    ADMIN_REPORTS,
    ANALYTICS,
    CCUSAGE_PATHS,
    CENT,
    SHAPE_PATHS,
    ccusage_uploads,
    file_total_cost_usd,
    stored_row_counts,
    upload,
    zip_of,
)

pytestmark = pytest.mark.django_db


def test_ccusage_team_is_stored_per_engineer_month_with_each_files_own_total_to_the_cent(
    organization: Organization,
) -> None:
    result = import_usage(organization, ccusage_uploads(), team="Platform")
    usage_import = result.usage_import
    assert result.created
    assert usage_import.files.count() == len(CCUSAGE_PATHS) == 13
    assert {f.format for f in usage_import.files.all()} == {"ccusage"}
    for path in CCUSAGE_PATHS:
        engineer = path.name.split(".")[0]
        rows = EngineerMonthUsage.objects.filter(usage_import=usage_import, engineer=engineer)
        assert abs(math.fsum(r.cost_usd for r in rows) - file_total_cost_usd(f"ccusage/{path.name}")) < CENT
        for row in rows:  # the files' own cost sits beside the recomputed one, month by month
            assert row.reported_cost_usd is not None
            assert abs(row.cost_usd - row.reported_cost_usd) < CENT, (engineer, row.month)
    # eng-01..11 and 13 span August..October, eng-12 starts 2026-09-21: 12 x 3 + 2 months.
    assert EngineerMonthUsage.objects.filter(usage_import=usage_import).count() == 38
    team = usage_import.fits["teams"][0]
    assert (team["name"], team["fit"]["engineers"], team["fit"]["engineer_months"]) == ("Platform", 13, 38)


def test_admin_reports_are_stored_per_feature_month_and_reconcile_to_the_cent(
    organization: Organization,
) -> None:
    feature_map = {"wrkspc_01gTyx1sjrf2UXAhRWq9vtH9": "Support summariser"}
    usage_import = import_usage(
        organization, [upload(name) for name in ADMIN_REPORTS], feature_map=feature_map
    ).usage_import
    rows = list(FeatureMonthUsage.objects.filter(usage_import=usage_import))
    assert len(rows) == 9  # 3 workspaces x August..October
    for row in rows:  # usage report at list == cost report amounts, feature by feature, month by month
        assert row.cost_usd is not None
        assert row.reported_cost_usd is not None
        assert abs(row.cost_usd - row.reported_cost_usd) < CENT, (row.feature, row.month)
    by_feature: dict[str, float] = defaultdict(float)
    by_month: dict[datetime.date, float] = defaultdict(float)
    for row in rows:
        by_feature[row.feature] += row.cost_usd or 0.0
        by_month[row.month] += row.cost_usd or 0.0
    # Figures of the samples README (list cost 08-01..10-31 per workspace, and per month).
    assert {name: round(usd, 2) for name, usd in by_feature.items()} == {
        "Support summariser": 12_134.04,
        "wrkspc_01xN21dyJcTw7fHnthrWuag2": 13_755.00,
        "wrkspc_01xnyZ36LMjWUJjc1nSp98VQ": 28_358.12,
    }
    assert [round(by_month[datetime.date(2026, m, 1)], 2) for m in (8, 9, 10)] == [
        17_037.59,
        17_797.69,
        19_411.89,
    ]
    assert sorted(f["name"] for f in usage_import.fits["features"])[0] == "Support summariser"


def test_analytics_records_are_stored_per_engineer_month_at_the_files_estimated_cost(
    organization: Organization,
) -> None:
    usage_import = import_usage(organization, [upload(ANALYTICS)]).usage_import
    rows = list(EngineerMonthUsage.objects.filter(usage_import=usage_import))
    assert round(math.fsum(r.cost_usd for r in rows), 2) == 2002.47  # samples README
    for row in rows:
        assert row.reported_cost_usd is not None
        assert abs(row.cost_usd - row.reported_cost_usd) < CENT
    assert usage_import.files.get().format == "claude_code_analytics"


def test_monthly_weekly_and_period_shapes_import_at_the_hand_computed_cost(
    organization: Organization,
) -> None:
    uploads = [Upload(name=path.name, content=path.read_bytes()) for path in SHAPE_PATHS]
    usage_import = import_usage(organization, uploads, team="Shapes").usage_import
    assert sorted(f.report for f in usage_import.files.all()) == ["monthly", "monthly", "weekly"]
    for path in SHAPE_PATHS:
        engineer = path.name.split(".")[0]
        stored = math.fsum(
            r.cost_usd
            for r in EngineerMonthUsage.objects.filter(usage_import=usage_import, engineer=engineer)
        )
        assert abs(stored - file_total_cost_usd(f"ccusage-shapes/{path.name}")) < CENT, engineer
    # Two weeks of 1M input, 100K output, 200K writes, 10M reads on Sonnet 4.5: 2 x 8.25 USD (README).
    assert math.isclose(
        math.fsum(r.cost_usd for r in usage_import.engineer_months.filter(engineer="eng-21")),
        16.5,
        abs_tol=1e-9,
    )


def test_costs_are_recomputed_with_the_chosen_catalog_and_the_files_own_costs_kept(
    organization: Organization, default_catalog: PriceCatalog
) -> None:
    doubled = PriceCatalog.objects.create(slug="doubled", as_of=datetime.date(2026, 11, 1))
    for row in default_catalog.model_prices.all():
        ModelPrice.objects.create(
            catalog=doubled,
            key=row.key,
            display_name=row.display_name,
            input_usd_per_mtok=2 * row.input_usd_per_mtok,
            output_usd_per_mtok=2 * row.output_usd_per_mtok,
            source="test: twice the default catalog",
        )
    usage_import = import_usage(
        organization, [upload("ccusage/eng-01.daily.json")], catalog=doubled
    ).usage_import
    rows = list(usage_import.engineer_months.all())
    assert usage_import.price_catalog == doubled
    # Every token price doubles, so list cost doubles exactly (up to float rounding); the file's cost stays.
    assert math.isclose(
        math.fsum(r.cost_usd for r in rows),
        2 * file_total_cost_usd("ccusage/eng-01.daily.json"),
        rel_tol=1e-9,
    )
    assert all(math.isclose(r.cost_usd, 2 * (r.reported_cost_usd or 0.0), rel_tol=1e-9) for r in rows)


def test_token_prices_come_from_the_catalogs_model_rows(default_catalog: PriceCatalog) -> None:
    prices = token_prices(default_catalog)
    assert (
        prices["claude-sonnet-4-5"].input_usd_per_mtok,
        prices["claude-sonnet-4-5"].output_usd_per_mtok,
    ) == (
        3.0,
        15.0,
    )
    assert prices["claude-3-5-haiku"].input_usd_per_mtok == 0.8
    assert set(prices) == set(default_catalog.model_prices.values_list("key", flat=True))


def test_a_model_missing_from_the_catalog_refuses_the_file_naming_row_and_field(
    organization: Organization,
) -> None:
    sparse = PriceCatalog.objects.create(slug="sonnet-only", as_of=datetime.date(2026, 11, 1))
    ModelPrice.objects.create(
        catalog=sparse,
        key="claude-sonnet-4-5",
        display_name="Sonnet 4.5",
        input_usd_per_mtok=3,
        output_usd_per_mtok=15,
        source="test",
    )
    with pytest.raises(UsageFileError) as caught:
        import_usage(organization, [upload("ccusage/eng-01.daily.json")], catalog=sparse)
    assert caught.value.file == "eng-01.daily.json"
    assert caught.value.field == "model"
    assert caught.value.row is not None
    assert "not in the price catalog" in str(caught.value)
    assert stored_row_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "negative-tokens.daily.json",
            "negative-tokens.daily.json: daily[3].outputTokens: negative token count",
        ),
        ("string-number.daily.json", "string-number.daily.json: daily[5].cacheReadTokens: wrong type"),
        ("truncated.daily.json", "truncated.daily.json: not valid JSON: Expecting ',' delimiter at line"),
        ("usage-report-missing-data.json", "usage-report-missing-data.json: data: missing required field"),
        (
            "console-usage-export.json",
            "console-usage-export.json: not JSON: this looks like a Claude Console",
        ),
    ],
)
def test_a_bad_file_among_good_ones_is_refused_with_its_reason_and_nothing_is_saved(
    organization: Organization, name: str, expected: str
) -> None:
    uploads = [
        upload("ccusage/eng-01.daily.json"),
        upload(f"bad/{name}"),
        upload("ccusage/eng-02.daily.json"),
    ]
    with pytest.raises(UsageFileError) as caught:
        import_usage(organization, uploads, team="Platform")
    assert str(caught.value).startswith(expected)
    assert stored_row_counts() == (0, 0, 0, 0)


def test_importing_the_same_files_twice_returns_the_first_import_and_counts_nothing_twice(
    organization: Organization,
) -> None:
    first = import_usage(organization, [upload(name) for name in ADMIN_REPORTS])
    counts = stored_row_counts()
    again = import_usage(organization, [upload(name) for name in reversed(ADMIN_REPORTS)])
    assert (first.created, again.created) == (True, False)
    assert again.usage_import.pk == first.usage_import.pk
    assert stored_row_counts() == counts


def test_a_file_already_held_by_another_import_is_refused_naming_that_import(
    organization: Organization,
) -> None:
    earlier = import_usage(organization, [upload("ccusage/eng-01.daily.json")]).usage_import
    counts = stored_row_counts()
    with pytest.raises(UsageFileError) as caught:
        import_usage(organization, [upload("ccusage/eng-02.daily.json"), upload("ccusage/eng-01.daily.json")])
    assert str(caught.value).startswith(f"eng-01.daily.json: already imported in usage import #{earlier.pk}")
    assert stored_row_counts() == counts


def test_the_same_files_in_another_organization_are_that_organizations_own_import(
    organization: Organization, other_organization: Organization
) -> None:
    ours = import_usage(organization, [upload(ANALYTICS)])
    theirs = import_usage(other_organization, [upload(ANALYTICS)])
    assert theirs.created
    assert theirs.usage_import.pk != ours.usage_import.pk


def test_the_same_bytes_twice_in_one_upload_are_refused(organization: Organization) -> None:
    content = upload("ccusage/eng-01.daily.json").content
    with pytest.raises(UsageFileError, match=r"the same content as eng-01\.daily\.json, given twice"):
        import_usage(organization, [Upload("eng-01.daily.json", content), Upload("copy.daily.json", content)])
    assert stored_row_counts() == (0, 0, 0, 0)


def test_a_zip_imports_member_by_member_and_the_loose_files_are_then_the_same_import(
    organization: Organization,
) -> None:
    members = ccusage_uploads()[:4]
    zipped = import_usage(organization, [Upload("team.zip", zip_of(members))], team="Platform")
    names = sorted(zipped.usage_import.files.values_list("name", flat=True))
    assert names == [f"team.zip/team/{m.name}" for m in members]
    engineers = set(zipped.usage_import.engineer_months.values_list("engineer", flat=True))
    assert engineers == {"eng-01", "eng-02", "eng-03", "eng-04"}
    loose = import_usage(organization, members, team="Platform")
    assert not loose.created
    assert loose.usage_import.pk == zipped.usage_import.pk


@override_settings(USAGE_IMPORT_MAX_BYTES=100_000)
def test_an_upload_over_the_size_setting_is_refused_before_parsing(organization: Organization) -> None:
    uploads = [upload("ccusage/eng-01.daily.json"), upload("ccusage/eng-04.daily.json")]  # 46.6 + 64.7 kB
    with pytest.raises(UploadTooLarge, match="over the 100,000-byte upload limit"):
        import_usage(organization, uploads)
    assert stored_row_counts() == (0, 0, 0, 0)


def test_an_engineer_name_names_a_single_ccusage_file(organization: Organization) -> None:
    usage_import = import_usage(
        organization, [Upload("export.json", upload("ccusage/eng-05.daily.json").content)], engineer="Ada"
    ).usage_import
    assert set(usage_import.engineer_months.values_list("engineer", flat=True)) == {"Ada"}
    assert usage_import.files.get().engineer == "Ada"
    with pytest.raises(ImportOptionError) as caught:
        import_usage(organization, ccusage_uploads()[:2], engineer="Ada")
    assert caught.value.field == "engineer"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"team": " "}, "team"),
        ({"team": "x" * 201}, "team"),
        ({"feature_map": {"wrkspc_1": ""}}, "feature_map"),
        ({"feature_map": {"wrkspc_1": 7}}, "feature_map"),
    ],
)
def test_bad_options_are_refused_by_name_and_nothing_is_saved(
    organization: Organization, options: dict[str, object], field: str
) -> None:
    with pytest.raises(ImportOptionError) as caught:
        import_usage(organization, [upload(ANALYTICS)], **options)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert stored_row_counts() == (0, 0, 0, 0)


def test_the_stored_fits_are_plain_json_with_sample_size_and_goodness_of_fit(
    organization: Organization,
) -> None:
    usage_import = import_usage(organization, [upload(name) for name in ADMIN_REPORTS]).usage_import
    stored = UsageImport.objects.get(pk=usage_import.pk).fits
    for feature in stored["features"]:
        assert feature["fit"]["months"] == 3
        assert 0.9 < feature["fit"]["r_squared"] <= 1.0  # the samples grow smoothly at +4..7% a month
    assert any("web searches cost" in w for w in stored["warnings"])
    assert UsageFile.objects.filter(usage_import=usage_import).count() == 2


def test_a_concurrent_upload_of_the_same_files_gets_the_import_that_won_the_race(
    organization: Organization,
) -> None:
    """The database's unique checksums decide a race that the service's own look-up did not see."""
    uploads = [upload(ANALYTICS)]
    winner = import_usage(organization, uploads).usage_import
    counts = stored_row_counts()
    parsed = parse_uploads(uploads)
    checksums = [hashlib.sha256(content).hexdigest() for _, content in parsed]
    loser = UsageImport(
        organization=organization, price_catalog=winner.price_catalog, checksum=winner.checksum, fits={}
    )
    calibration = calibrate([file for file, _ in parsed], token_prices(winner.price_catalog))
    result = _store_once(loser, parsed, checksums, calibration)
    assert not result.created
    assert result.usage_import.pk == winner.pk
    assert stored_row_counts() == counts
