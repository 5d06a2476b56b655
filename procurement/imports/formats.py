"""Reading an uploaded file: size limit, JSON, format detection from content, and dispatch to a parser."""

from __future__ import annotations

import io
import json
import posixpath
import zipfile
from collections.abc import Mapping
from typing import Any

from procurement.imports.admin import parse_admin_cost, parse_admin_usage
from procurement.imports.analytics import parse_analytics
from procurement.imports.ccusage import REPORT_KEYS, UNSUPPORTED_KEYS, parse_ccusage
from procurement.imports.errors import UsageFileError
from procurement.imports.records import Format, ParsedUsageFile
from procurement.jsontext import TooDeep, loads_bounded, nul_paths

# 50 MiB per file (and per zip, uncompressed). The 92-day sample cost report for 3 workspaces is 1 MB;
# a year of daily buckets for ~50 workspaces and several models stays well under this. Project choice.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1_000  # one file per engineer; a zip bomb of tiny members is refused early
CONSOLE_CSV_COLUMNS = ("usage_date_utc", "model_version", "usage_input_tokens_no_cache", "cost_usd")


def load_json(name: str, content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The parsed JSON document, or a refusal naming what is wrong with the bytes."""
    if len(content) > max_bytes:
        raise UsageFileError(file=name, message=f"{len(content):,} bytes, over the {max_bytes:,}-byte limit")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageFileError(file=name, message=f"not UTF-8 text (byte {exc.start})") from None
    try:
        document = loads_bounded(text)  # 100,000 `[` used to overflow the stack (RecursionError, a 500)
    except TooDeep as exc:
        raise UsageFileError(file=name, message=str(exc).removeprefix("The JSON ")) from None
    except json.JSONDecodeError as exc:
        raise UsageFileError(file=name, message=_json_error(text, exc)) from None
    for path in nul_paths(document):  # PostgreSQL cannot store it; refuse before anything is kept
        raise UsageFileError(
            file=name, row=path, message="contains a NUL character (\\u0000), which text cannot hold"
        )
    return document


def _json_error(text: str, exc: json.JSONDecodeError) -> str:
    header = text.lstrip().split("\n", 1)[0]
    if any(column in header.split(",") for column in CONSOLE_CSV_COLUMNS):
        return (
            "not JSON: this looks like a Claude Console CSV export (header "
            f'"{header[:60]}..."); import it as the Console CSV format, which this importer does not '
            "read yet, or download the Admin API usage report (JSON) instead"
        )
    ends_early = exc.pos >= len(text.rstrip())
    tail = " (the file ends early: truncated?)" if ends_early else ""
    return f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}{tail}"


def detect_format(name: str, content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Format:
    """`"ccusage"`, `"admin_usage"`, `"admin_cost"` or `"claude_code_analytics"`, from the content alone."""
    return format_of(name, load_json(name, content, max_bytes=max_bytes))


def format_of(name: str, doc: Any) -> Format:
    """The format of a parsed document (see `detect_format`)."""
    if not isinstance(doc, dict):
        raise UsageFileError(file=name, message="not a usage report: the top level is not a JSON object")
    if any(key in doc for key in REPORT_KEYS) or "projects" in doc:
        return "ccusage"
    unsupported = [key for key in UNSUPPORTED_KEYS if key in doc]
    if unsupported:
        raise UsageFileError(
            file=name, message=f"ccusage `{unsupported[0]}` reports are not supported: export `daily --json`"
        )
    if "data" in doc:
        return _api_format(name, doc["data"])
    if "has_more" in doc or "next_page" in doc:
        raise UsageFileError(file=name, field="data", message="missing required field (the report's rows)")
    raise UsageFileError(
        file=name,
        message="unrecognised format: expected a ccusage report (daily, weekly, monthly) or an "
        "Admin / Claude Code Analytics API report (data)",
    )


def _api_format(name: str, data: Any) -> Format:
    if not isinstance(data, list):
        raise UsageFileError(file=name, field="data", message="wrong type: expected a list")
    for item in data:
        if isinstance(item, dict) and ("actor" in item or "model_breakdown" in item):
            return "claude_code_analytics"
        results = item.get("results") if isinstance(item, dict) else None
        for result in results if isinstance(results, list) else []:
            if isinstance(result, dict) and "amount" in result:
                return "admin_cost"
            if isinstance(result, dict) and ("uncached_input_tokens" in result or "cache_creation" in result):
                return "admin_usage"
    raise UsageFileError(
        file=name, field="data", message="no rows to tell the report apart (empty report?): nothing to import"
    )


def engineer_from_name(name: str) -> str:
    """`eng-13.period.daily.json` -> `eng-13`: the file's base name up to its first dot."""
    return posixpath.basename(name.replace("\\", "/")).split(".", 1)[0]


def parse_usage_file(
    name: str, content: bytes, *, engineer: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedUsageFile:
    """Parse one file of any supported format; raises `UsageFileError` on the first bad value.

    `engineer` names a ccusage file's engineer (a form field); by default the file name gives it.
    """
    doc = load_json(name, content, max_bytes=max_bytes)
    fmt = format_of(name, doc)
    if fmt == "ccusage":
        who = engineer or engineer_from_name(name)
        if not who:
            raise UsageFileError(
                file=name, message="cannot tell whose usage this is: give the engineer's name"
            )
        return parse_ccusage(name, doc, engineer=who)
    parser = {
        "admin_usage": parse_admin_usage,
        "admin_cost": parse_admin_cost,
        "claude_code_analytics": parse_analytics,
    }[fmt]
    return parser(name, doc)


def parse_zip(
    name: str,
    content: bytes,
    *,
    engineers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[ParsedUsageFile]:
    """Parse every JSON file of a zip (a folder of per-engineer files); any bad member refuses the zip.

    Members are named `<zip name>/<member path>` in errors and records. `engineers` maps a member's
    base name to its engineer when the file name does not say it.
    """
    if len(content) > max_bytes:
        raise UsageFileError(file=name, message=f"{len(content):,} bytes, over the {max_bytes:,}-byte limit")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise UsageFileError(file=name, message="not a valid zip archive") from None
    members = [m for m in archive.infolist() if _is_usage_member(m)]
    _check_zip_size(name, members, max_bytes)
    parsed = []
    for member in members:
        base = posixpath.basename(member.filename)
        who = (engineers or {}).get(base)
        try:
            # Reads stop at the declared size (checked above) and verify the CRC: a lying header fails.
            data = archive.read(member)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UsageFileError(file=f"{name}/{member.filename}", message=f"unreadable: {exc}") from None
        parsed.append(parse_usage_file(f"{name}/{member.filename}", data, engineer=who, max_bytes=max_bytes))
    if not parsed:
        raise UsageFileError(file=name, message="no .json files in the archive")
    return parsed


def _is_usage_member(member: zipfile.ZipInfo) -> bool:
    base = posixpath.basename(member.filename)
    hidden = base.startswith(".") or member.filename.startswith("__MACOSX/")
    return not member.is_dir() and not hidden and base.lower().endswith(".json")


def _check_zip_size(name: str, members: list[zipfile.ZipInfo], max_bytes: int) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise UsageFileError(file=name, message=f"{len(members)} files, over the {MAX_ZIP_MEMBERS} limit")
    total = sum(m.file_size for m in members)
    if total > max_bytes:
        raise UsageFileError(
            file=name, message=f"{total:,} bytes uncompressed, over the {max_bytes:,}-byte limit"
        )
