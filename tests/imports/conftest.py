"""Fixtures for the usage-import tests: the sample price table and the sample files, parsed once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forecasting.engine.inputs import ModelPrice
from procurement.imports import ParsedUsageFile, parse_usage_file

USAGE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "usage"
CCUSAGE_FILES = sorted((USAGE_DIR / "ccusage").glob("*.json"))
API_FILES = ("admin-usage-report.json", "admin-cost-report.json", "claude-code-analytics.json")


def read_fixture(relative: str) -> bytes:
    return (USAGE_DIR / relative).read_bytes()


def parse_fixture(relative: str) -> ParsedUsageFile:
    return parse_usage_file(Path(relative).name, read_fixture(relative))


@pytest.fixture(scope="session")
def prices() -> dict[str, ModelPrice]:
    """The prices the sample files were generated with (tests/fixtures/usage/sample_prices.json)."""
    table = json.loads(read_fixture("sample_prices.json"))["models"]
    return {key: ModelPrice(row["input"], row["output"]) for key, row in table.items()}


@pytest.fixture(scope="session")
def ccusage_files() -> list[ParsedUsageFile]:
    return [parse_usage_file(path.name, path.read_bytes()) for path in CCUSAGE_FILES]


@pytest.fixture(scope="session")
def admin_usage() -> ParsedUsageFile:
    return parse_fixture("admin-usage-report.json")


@pytest.fixture(scope="session")
def admin_cost() -> ParsedUsageFile:
    return parse_fixture("admin-cost-report.json")


@pytest.fixture(scope="session")
def analytics() -> ParsedUsageFile:
    return parse_fixture("claude-code-analytics.json")
