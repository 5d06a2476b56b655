"""Reading files: format detection, every sample imported, bad files refused by file, row and field."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest

from procurement.imports import UsageFileError, detect_format, parse_usage_file, parse_zip
from tests.imports.conftest import API_FILES, CCUSAGE_FILES, parse_fixture, read_fixture


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("ccusage/eng-01.daily.json", "ccusage"),
        ("ccusage/eng-13.period.daily.json", "ccusage"),
        ("ccusage-shapes/eng-20.monthly.json", "ccusage"),
        ("ccusage-shapes/eng-21.weekly.json", "ccusage"),
        ("ccusage-shapes/eng-22.period.monthly.json", "ccusage"),
        ("admin-usage-report.json", "admin_usage"),
        ("admin-cost-report.json", "admin_cost"),
        ("claude-code-analytics.json", "claude_code_analytics"),
    ],
)
def test_format_is_detected_from_content(relative: str, expected: str) -> None:
    assert detect_format("upload.bin", read_fixture(relative)) == expected


def test_every_sample_file_imports_with_its_records() -> None:
    counts = {path.name: len(parse_fixture(f"ccusage/{path.name}").records) for path in CCUSAGE_FILES}
    assert all(n > 0 for n in counts.values())
    usage, cost, analytics = (parse_fixture(name) for name in API_FILES)
    # 92 daily buckets x 3 workspaces x 2 models (samples README)
    assert len(usage.records) == 92 * 3 * 2
    assert (usage.first_day, usage.last_day) == (date(2026, 8, 1), date(2026, 10, 31))
    assert len(cost.cost_records) > 0
    assert cost.records == ()
    assert len({r.engineer for r in analytics.records}) == 10  # 10 API-billed users
    assert (analytics.first_day, analytics.last_day) == (date(2026, 10, 18), date(2026, 10, 31))


def test_ccusage_engineer_comes_from_the_file_name_or_the_form_field() -> None:
    assert parse_fixture("ccusage/eng-13.period.daily.json").engineer == "eng-13"
    named = parse_usage_file("export.json", read_fixture("ccusage/eng-01.daily.json"), engineer="Ada")
    assert named.engineer == "Ada"
    assert {r.engineer for r in named.records} == {"Ada"}


def test_period_rows_read_like_date_rows() -> None:
    parsed = parse_fixture("ccusage/eng-13.period.daily.json")
    assert parsed.report == "daily"
    assert parsed.first_day == date(2026, 8, 3)
    assert all(r.days == 1 for r in parsed.records)


def test_monthly_and_weekly_rows_cover_their_period() -> None:
    monthly = parse_fixture("ccusage-shapes/eng-20.monthly.json")
    weekly = parse_fixture("ccusage-shapes/eng-21.weekly.json")
    assert [(r.start, r.days) for r in monthly.records[:2]] == [
        (date(2026, 8, 1), 31),
        (date(2026, 9, 1), 30),
    ]
    assert (monthly.first_day, monthly.last_day) == (date(2026, 8, 1), date(2026, 10, 31))
    assert [(r.start, r.days) for r in weekly.records] == [(date(2026, 8, 24), 7), (date(2026, 8, 31), 7)]
    assert weekly.last_day == date(2026, 9, 6)


@pytest.mark.parametrize(
    ("name", "row", "field", "message"),
    [
        ("negative-tokens.daily.json", "daily[3]", "outputTokens", "negative token count (-70562)"),
        (
            "string-number.daily.json",
            "daily[5]",
            "cacheReadTokens",
            'wrong type: expected an integer, got a string ("10389962")',
        ),
        ("usage-report-missing-data.json", None, "data", "missing required field"),
    ],
)
def test_bad_file_is_refused_naming_row_and_field(
    name: str, row: str | None, field: str, message: str
) -> None:
    with pytest.raises(UsageFileError) as caught:
        parse_usage_file(name, read_fixture(f"bad/{name}"))
    error = caught.value
    assert (error.file, error.row, error.field) == (name, row, field)
    assert error.message.startswith(message)
    assert str(error).startswith(f"{name}: {'.'.join(p for p in (row, field) if p)}: {message}")


def test_truncated_file_is_refused_with_the_line_and_column_where_it_ends() -> None:
    content = read_fixture("bad/truncated.daily.json")
    with pytest.raises(UsageFileError) as caught:
        parse_usage_file("truncated.daily.json", content)
    last_line = content.decode().count("\n") + 1
    last_column = len(content.decode().rsplit("\n", 1)[-1]) + 1
    assert str(caught.value) == (
        f"truncated.daily.json: not valid JSON: Expecting ',' delimiter at line {last_line}, "
        f"column {last_column} (the file ends early: truncated?)"
    )


def test_console_csv_saved_as_json_is_refused_with_a_hint() -> None:
    with pytest.raises(UsageFileError) as caught:
        parse_usage_file("console-usage-export.json", read_fixture("bad/console-usage-export.json"))
    assert caught.value.row is None
    assert "not JSON" in caught.value.message
    assert "Console CSV" in caught.value.message


def _ccusage_with(
    row_changes: dict[str, object], breakdown_changes: dict[str, object] | None = None
) -> bytes:
    doc = json.loads(read_fixture("ccusage-shapes/eng-20.monthly.json"))
    doc["monthly"][1].update(row_changes)
    doc["monthly"][1]["modelBreakdowns"][0].update(breakdown_changes or {})
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("row_changes", "breakdown_changes", "field", "message"),
    [
        ({"inputTokens": 2000000.0}, None, "inputTokens", "wrong type: expected an integer, got a number"),
        ({"outputTokens": True}, None, "outputTokens", "wrong type: expected an integer, got a boolean"),
        ({"totalCost": -1.5}, None, "totalCost", "negative cost (-1.5)"),
        ({"month": "2026-9"}, None, "month", 'not a month YYYY-MM ("2026-9")'),
        ({"totalTokens": 5}, None, "totalTokens", "5 is not the sum of the four token fields"),
        ({}, {"cacheReadTokens": 1}, "cacheReadTokens", "20000000 is not the sum over modelBreakdowns (1)"),
        ({}, {"modelName": None}, "modelBreakdowns[0].modelName", "wrong type: expected a string, got null"),
    ],
)
def test_values_are_never_coerced(
    row_changes: dict[str, object], breakdown_changes: dict[str, object] | None, field: str, message: str
) -> None:
    with pytest.raises(UsageFileError) as caught:
        parse_usage_file("eng-20.monthly.json", _ccusage_with(row_changes, breakdown_changes))
    assert (caught.value.row, caught.value.field) == ("monthly[1]", field)
    assert caught.value.message.startswith(message)


def _cost_report(amount: object) -> bytes:
    doc = json.loads(read_fixture("admin-cost-report.json"))
    doc["data"][2]["results"][1]["amount"] = amount
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (1596.3, "wrong type: expected a string, got a number (1596.3)"),
        ("12,5", 'not a decimal number ("12,5")'),
        ("-3.5", "negative cost (-3.5)"),
        ("NaN", 'not a finite number ("NaN")'),
    ],
)
def test_cost_amount_must_be_a_decimal_string_in_cents(amount: object, message: str) -> None:
    with pytest.raises(UsageFileError) as caught:
        parse_usage_file("cost.json", _cost_report(amount))
    assert (caught.value.row, caught.value.field, caught.value.message) == (
        "data[2].results[1]",
        "amount",
        message,
    )


def test_usage_report_without_model_grouping_is_refused() -> None:
    doc = json.loads(read_fixture("admin-usage-report.json"))
    doc["data"][4]["results"][0]["model"] = None
    with pytest.raises(UsageFileError) as caught:
        parse_usage_file("usage.json", json.dumps(doc).encode())
    assert (caught.value.row, caught.value.field) == ("data[4].results[0]", "model")
    assert "group_by[]=model" in caught.value.message


def test_analytics_nested_field_is_named_in_full() -> None:
    doc = json.loads(read_fixture("claude-code-analytics.json"))
    doc["data"][7]["model_breakdown"][0]["tokens"]["cache_read"] = -4
    with pytest.raises(UsageFileError) as caught:
        parse_usage_file("cc.json", json.dumps(doc).encode())
    assert (
        str(caught.value)
        == "cc.json: data[7].model_breakdown[0].tokens.cache_read: negative token count (-4)"
    )


def test_files_over_the_size_limit_are_refused_before_parsing() -> None:
    content = read_fixture("ccusage/eng-01.daily.json")
    with pytest.raises(UsageFileError) as caught:
        parse_usage_file("eng-01.daily.json", content, max_bytes=len(content) - 1)
    assert "over the" in caught.value.message
    assert f"{len(content):,} bytes" in caught.value.message


def test_a_file_with_several_ccusage_reports_reads_the_finest_and_warns() -> None:
    doc = json.loads(read_fixture("ccusage-shapes/eng-20.monthly.json"))
    doc["weekly"] = json.loads(read_fixture("ccusage-shapes/eng-21.weekly.json"))["weekly"]
    parsed = parse_usage_file("eng-20.json", json.dumps(doc).encode())
    assert parsed.report == "weekly"
    assert len(parsed.records) == 2
    assert any("mixes ccusage reports" in w for w in parsed.warnings)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_of_engineer_files_names_each_engineer_by_file() -> None:
    content = _zip(
        {
            "team/eng-01.daily.json": read_fixture("ccusage/eng-01.daily.json"),
            "team/eng-13.period.daily.json": read_fixture("ccusage/eng-13.period.daily.json"),
            "__MACOSX/team/._eng-01.daily.json": b"\x00junk",
            "team/notes.txt": b"not usage",
        }
    )
    parsed = parse_zip("team.zip", content, engineers={"eng-13.period.daily.json": "Grace"})
    assert [(p.name, p.engineer) for p in parsed] == [
        ("team.zip/team/eng-01.daily.json", "eng-01"),
        ("team.zip/team/eng-13.period.daily.json", "Grace"),
    ]


def test_zip_with_one_bad_member_is_refused_naming_the_member() -> None:
    content = _zip(
        {
            "eng-01.daily.json": read_fixture("ccusage/eng-01.daily.json"),
            "negative-tokens.daily.json": read_fixture("bad/negative-tokens.daily.json"),
        }
    )
    with pytest.raises(UsageFileError) as caught:
        parse_zip("team.zip", content)
    assert str(caught.value).startswith("team.zip/negative-tokens.daily.json: daily[3].outputTokens:")


def test_zip_over_the_uncompressed_limit_is_refused() -> None:
    content = _zip({"eng-01.daily.json": read_fixture("ccusage/eng-01.daily.json")})
    with pytest.raises(UsageFileError) as caught:
        parse_zip("team.zip", content, max_bytes=20_000)  # compresses under 20 kB, 46 kB inside
    assert "uncompressed" in caught.value.message


def test_non_zip_bytes_are_refused_as_an_archive() -> None:
    with pytest.raises(UsageFileError, match="not a valid zip archive"):
        parse_zip("team.zip", b"PK not really")
