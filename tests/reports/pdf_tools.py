"""Reading a rendered brief back: text, images, links and actions (pypdf); pages to PNG (pdftoppm)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from forecasting.engine.contract import ForecastResult
from reports.brief import BriefData
from reports.brief_data import stored_result
from tests.reports.fixture_result import engine_example_result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Keys that make a PDF act: link annotations, URI / JavaScript / launch actions, open actions.
ACTION_KEYS = {"/Annots", "/A", "/AA", "/URI", "/JS", "/JavaScript", "/Launch", "/OpenAction", "/SubmitForm"}


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())  # type: ignore[no-any-return]


def example_result() -> ForecastResult:
    """The engine's result for `tests/fixtures/scenario_example.json` (fixed seed), read as a stored result:
    computed once per session, a fresh deep copy on every call (`tests/reports/fixture_result.py`)."""
    return stored_result(engine_example_result())


def example_data(**changes: Any) -> BriefData:
    fields: dict[str, Any] = {
        "organization_name": "Acme Robotics, Inc.",
        "scenario_name": "Acme FY2027 base case",
        "run_id": 42,
        "generated_on": "2026-12-01",
        "catalog": load_fixture("catalog_example.json"),
        "result": example_result(),
    }
    fields.update(changes)
    return BriefData(**fields)


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes, pages: list[int] | None = None) -> list[str]:
    """Text per page in layout mode: glyphs in drawing order, so unshaped right-to-left text reads as written
    (the default mode reverses right-to-left runs)."""
    doc = reader(pdf)
    indices = range(len(doc.pages)) if pages is None else pages
    return [doc.pages[i].extract_text(extraction_mode="layout") for i in indices]


def squash(text: str) -> str:
    """Remove all whitespace: wrapped lines and column gaps must not hide a name."""
    return re.sub(r"\s+", "", text)


def all_objects(pdf: bytes) -> Iterator[Any]:
    """Every indirect object of the file, resolved, and every dictionary nested inside one."""
    doc = reader(pdf)
    for generation, numbers in doc.xref.items():
        for number in numbers:
            yield from _walk(doc.get_object(IndirectObject(number, generation, doc)), depth=0)
    yield from _walk(doc.trailer, depth=0)


def _walk(value: Any, depth: int) -> Iterator[Any]:
    if depth > 8 or isinstance(value, IndirectObject):
        return
    if isinstance(value, DictionaryObject):
        yield value
        for item in value.values():
            yield from _walk(item, depth + 1)
    elif isinstance(value, ArrayObject):
        for item in value:
            yield from _walk(item, depth + 1)
    else:
        stream_dict = getattr(value, "keys", None)
        if stream_dict is not None and callable(stream_dict):
            yield value


def image_xobject_count(pdf: bytes) -> int:
    return sum(1 for obj in all_objects(pdf) if obj.get("/Subtype") == NameObject("/Image"))


def action_keys(pdf: bytes) -> set[str]:
    """Keys from ACTION_KEYS found anywhere in the file's objects."""
    found: set[str] = set()
    for obj in all_objects(pdf):
        found |= {str(key) for key in obj if str(key) in ACTION_KEYS}
    return found


def require_pdftoppm() -> str:
    """pdftoppm's path; skips when it is missing outside CI, fails when it is missing under CI."""
    path = shutil.which("pdftoppm")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm (poppler-utils) is required under CI")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    return path


def render_pngs(pdf: bytes, directory: Path, *, dpi: int = 40) -> list[Path]:
    source = directory / "brief.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [require_pdftoppm(), "-r", str(dpi), "-png", str(source), str(directory / "page")], check=True
    )
    return sorted(directory.glob("page-*.png"))


def line_with(text: str, *tokens: str) -> str:
    """The first line of `text` holding every token in this order; fails the test when there is none."""
    for line in text.splitlines():
        position = 0
        for token in tokens:
            position = line.find(token, position)
            if position < 0:
                break
            position += len(token)
        else:
            return line
    raise AssertionError(f"no line holds {tokens!r} in order")
