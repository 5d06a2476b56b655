"""Hostile names cannot reach ReportLab markup: no embedded file, no link or script, the name shown as typed.

ReportLab Paragraph markup is an injection sink (docs/operations.md#reliability-and-security). Every user
string the brief shows (organization, scenario, team, feature, warning) is rendered here with hostile values
and the PDF is read back: it must hold no image XObject (the brief itself has none), no annotation or
action, and the text as `display_text` shows it (identical to the input for every name without control or
undrawable characters).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.platypus import Paragraph, SimpleDocTemplate

from reports.brief import BriefData, render_brief
from reports.formatting import display_text
from reports.layout import STYLES
from tests.reports.pdf_tools import action_keys, example_data, image_xobject_count, page_texts, squash

MEGABYTE_NAME = "Budget " + "A" * 1_000_000
HOSTILE_NAMES = [
    '<img src="/etc/passwd"/>',
    '<img src="file:///etc/hostname"/>',
    '<img src="http://example.com/logo.png" width="400" height="400"/>',
    '<img src="https://example.com/logo.png"/>',
    '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDw'
    'AEhQGAhKmMIQAAAABJRU5ErkJggg=="/>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="http://evil.example/">click me</a>',
    '<link href="http://evil.example/">link</link>',
    '<onDraw name="showPage" label="x"/>',
    "<b>unclosed bold",
    '<font name="Courier" size="60">huge',
    "</para><para>",
    "&",
    "&amp;",
    "&lt;img src=x&gt;",
    '&#60;img src="/etc/passwd"/&#62;',
    "&nbsp;&bogus; &#xZZ;",
    '<![CDATA[<img src="/etc/passwd"/>]]>',
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "<br/>" * 200,
    MEGABYTE_NAME,
    "צוות פלטפורמה",
    "فريق المنصة",
    "invoice\u202egnp.exe",
    "null\x00byte",
    "bell\x07 escape\x1b[31m red",
    "multi\nline\rname\ttab",
    "ship it 🚀 👩\u200d💻 team",
    "Robert'); DROP TABLE teams;--",
]
# Names that display_text must show unchanged (no control, format or undrawable characters, not too long).
LITERAL_NAMES = [name for name in HOSTILE_NAMES if len(name) <= 200 and name.isprintable() and name.isascii()]
LITERAL_NAMES += ["צוות פלטפורמה", "فريق المنصة"]


def hostile_data(name: str) -> BriefData:
    """The example brief with `name` as organization, scenario, a team, a feature and a warning."""
    base = example_data()
    result: dict[str, Any] = copy.deepcopy(dict(base.result))
    result["seats"]["teams"][0]["name"] = name
    result["api"]["features"][0]["name"] = name
    result["diagnostics"]["warnings"] = [name]
    return example_data(organization_name=name, scenario_name=name, result=result)


def assert_safe_and_shown(name: str) -> None:
    pdf = render_brief(hostile_data(name))
    assert image_xobject_count(pdf) == 0
    assert action_keys(pdf) == set()
    # Layout-mode text with whitespace removed: a name wrapped over lines of a full-width paragraph reads
    # back whole (a narrow table cell would interleave its lines with the neighbouring cells').
    pages = [squash(text) for text in page_texts(pdf)]
    everything = "".join(pages)
    assert squash(display_text(name, max_chars=200)) in pages[0]  # cover subtitle: the organization
    assert squash(display_text(name, max_chars=80)) in everything  # the team's heading on the seats pages
    assert squash(display_text(name, max_chars=500)) in everything  # the warning, a full-width bullet
    # The feature label in the chart is cut to fit its width: its start must be there.
    assert squash(display_text(name, max_chars=80))[:8] in everything


def test_the_list_has_twenty_or_more_hostile_names_and_the_literal_ones_are_shown_unchanged() -> None:
    assert len(HOSTILE_NAMES) >= 20
    for name in LITERAL_NAMES:
        assert display_text(name, max_chars=200) == name


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=lambda n: repr(n[:40]))
def test_hostile_name_renders_as_text_without_images_or_links(name: str) -> None:
    assert_safe_and_shown(name)


def test_megabyte_name_is_shown_by_its_start() -> None:
    pdf = render_brief(hostile_data(MEGABYTE_NAME))
    cover = squash(page_texts(pdf, [0])[0])
    assert "BudgetAAAAAAAAAAAAAAAAAAAA" in cover
    assert len(pdf) < 1_000_000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(min_size=1, max_size=120))
def test_generated_names_render_as_text_without_images_or_links(name: str) -> None:
    assert_safe_and_shown(name)


def test_the_checks_catch_an_unescaped_image_and_link(tmp_path: Path) -> None:
    # The detectors above must be able to fail: raw markup does embed a file and create a link.
    picture = tmp_path / "secret.png"
    Image.new("RGB", (2, 2), "red").save(picture)
    target = tmp_path / "raw.pdf"
    markup = f'<img src="{picture}" width="10" height="10"/> <a href="javascript:alert(1)">click</a>'
    SimpleDocTemplate(str(target), invariant=1).build([Paragraph(markup, STYLES["body"])])
    raw = target.read_bytes()
    assert image_xobject_count(raw) >= 1
    assert {"/Annots", "/A"} <= action_keys(raw)
