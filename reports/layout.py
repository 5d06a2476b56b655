"""Paragraph styles and the only way the brief builds Paragraphs: every text part is cleaned and escaped.

ReportLab `Paragraph` markup is an injection sink (docs/operations.md#reliability-and-security): unescaped
text such as `<img src=...>` embeds a server file and `<a href="javascript:...">` becomes a link. So `para`
and `table` take plain text, pass every part through `display_text` and `xml.sax.saxutils.escape`, and the
only tags in the markup are the `<b>` tags written here around already-escaped text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from reports.fonts import BOLD, REGULAR, register_fonts
from reports.formatting import display_text

PARAGRAPH_CHARS = 4_000  # a bound on any one paragraph part; names are cut much shorter by their callers
INK = colors.HexColor("#1d2b3a")
MUTED = colors.HexColor("#5b6b7b")
HEADER_FILL = colors.HexColor("#1f3b5a")
STRIPE = colors.HexColor("#f2f5f9")
RULE = colors.HexColor("#c9d3de")


@dataclass(frozen=True)
class Strong:
    """A bold inline part."""

    text: str


Inline: TypeAlias = str | Strong


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=8.5, leading=11.5, textColor=INK, spaceAfter=4)
    return {
        "body": body,
        "title": ParagraphStyle("title", body, fontName=BOLD, fontSize=20, leading=25, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", body, fontSize=12, leading=16, textColor=MUTED, spaceAfter=12),
        "h1": ParagraphStyle("h1", body, fontName=BOLD, fontSize=14, leading=18, spaceBefore=4, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2", body, fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "headline": ParagraphStyle("headline", body, fontSize=11, leading=15, spaceAfter=8),
        # Page 1 is one page by design: a smaller title and tighter headings.
        "cover_title": ParagraphStyle(
            "cover_title", body, fontName=BOLD, fontSize=16, leading=20, spaceAfter=2
        ),
        "facts": ParagraphStyle("facts", body, fontSize=7.5, leading=9.5, textColor=MUTED, spaceAfter=0),
        "lead": ParagraphStyle("lead", body, fontSize=9.5, leading=12.5, spaceAfter=4),
        "h2_tight": ParagraphStyle(
            "h2_tight", body, fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=5, spaceAfter=2
        ),
        "small": ParagraphStyle("small", body, fontSize=7.5, leading=10, textColor=MUTED),
        # Sources in full: a word (a URL) is never split across lines (see url_para).
        "source": ParagraphStyle(
            "source", body, fontSize=6.2, leading=7.7, textColor=MUTED, spaceAfter=1, splitLongWords=0
        ),
        "bullet": ParagraphStyle("bullet", body, leftIndent=10, bulletIndent=0, spaceAfter=2),
        "cell": ParagraphStyle("cell", body, fontSize=7.5, leading=9.5, spaceAfter=0),
        "cell_right": ParagraphStyle(
            "cell_right", body, fontSize=7.5, leading=9.5, spaceAfter=0, alignment=TA_RIGHT
        ),
        "cell_head": ParagraphStyle(
            "cell_head", body, fontName=BOLD, fontSize=7.5, leading=9.5, spaceAfter=0, textColor=colors.white
        ),
        "cell_head_right": ParagraphStyle(
            "cell_head_right",
            body,
            fontName=BOLD,
            fontSize=7.5,
            leading=9.5,
            spaceAfter=0,
            textColor=colors.white,
            alignment=TA_RIGHT,
        ),
    }


STYLES = _styles()


def markup(*parts: Inline) -> str:
    """Escaped Paragraph markup: user text can never open a tag, an image or a link."""
    out = []
    for part in parts:
        text = part.text if isinstance(part, Strong) else part
        cleaned = escape(display_text(text, max_chars=PARAGRAPH_CHARS))
        if isinstance(part, Strong) and cleaned:
            cleaned = f"<b>{cleaned}</b>"
        # display_text trims; keep one space where the caller put one between parts.
        lead = " " if text[:1].isspace() else ""
        trail = " " if text[-1:].isspace() and cleaned else ""
        out.append(f"{lead}{cleaned}{trail}")
    return "".join(out)


def para(*parts: Inline, style: str = "body") -> Paragraph:
    return Paragraph(markup(*parts), STYLES[style])


URL_BREAK = "\u200b"  # a zero-width space: a line may break there, and it is invisible and not extracted


def url_para(*parts: Inline, style: str = "source") -> Paragraph:
    """A paragraph whose URLs may break only after a `/` (never mid-word): a URL too long for the line
    gets break points after its slashes; the style never splits a word (`splitLongWords=0`)."""
    return Paragraph(_url_breaks(markup(*parts)), STYLES[style])


def _url_breaks(text: str) -> str:
    def breakable(found: re.Match[str]) -> str:
        url = found.group(0)
        return url if len(url) <= URL_CHARS else url.replace("/", "/" + URL_BREAK)

    return URL.sub(breakable, text)


URL = re.compile(r"(?:https?://)?[a-z0-9.-]+\.[a-z]{2,}(?:/[^\s\])<>,;]*)?", re.IGNORECASE)
URL_CHARS = 80  # a URL shorter than this fits on a source line whole


def bullet(*parts: Inline) -> Paragraph:
    return Paragraph(markup(*parts), STYLES["bullet"], bulletText="•")


def gap(points: float = 6) -> Spacer:
    return Spacer(1, points)


Cell: TypeAlias = Inline | Flowable


CELL_PADDING = 8  # left + right padding of a cell


def _fit_header_words(header: Sequence[str] | None, widths: Sequence[float]) -> list[float]:
    """Widen columns whose header has a word longer than the column, taking the room from columns with slack.

    Keeps the total width, so a header never breaks inside a word ("Commitmen/t").
    """
    out = list(widths)
    if header is None:
        return out
    need = [
        max((stringWidth(w, BOLD, 7.5) for w in h.split()), default=0.0) + CELL_PADDING + 1 for h in header
    ]
    deficit = sum(max(n - w, 0.0) for n, w in zip(need, out, strict=True))
    slack = [max(w - n, 0.0) for n, w in zip(need, out, strict=True)]
    if deficit <= 0 or sum(slack) <= 0:
        return out
    share = min(deficit / sum(slack), 1.0)
    return [max(w, n) - s * share for w, n, s in zip(out, need, slack, strict=True)]


def _sized(style: ParagraphStyle, size: float) -> ParagraphStyle:
    """`style` at another font size (a dense table), its leading scaled with it."""
    if size == style.fontSize:
        return style
    return ParagraphStyle(
        f"{style.name}_{size:g}", style, fontSize=size, leading=style.leading * size / style.fontSize
    )


def table(
    header: Sequence[str] | None,
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float],
    *,
    right: Sequence[int] = (),
    bold_rows: Sequence[int] = (),
    padding: float = 2.5,
    groups: Sequence[int] = (),
    font_size: float = 7.5,
) -> Table:
    """A striped table; `right` lists right-aligned (numeric) columns, `bold_rows` emphasised body rows.

    Without a header the first column is set in bold as row labels. `groups` lists the body rows that
    start a group (a team's plans): stripes then alternate by group, with a rule above each.
    """

    def cell(value: Cell, column: int, head: bool, bold: bool) -> Flowable:
        if isinstance(value, Flowable):
            return value
        style = ("cell_head" if head else "cell") + ("_right" if column in right else "")
        parts = (Strong(value) if bold and isinstance(value, str) else value,)
        return Paragraph(markup(*parts), _sized(STYLES[style], font_size))

    widths = _fit_header_words(header, widths)
    data = [[cell(v, i, True, False) for i, v in enumerate(header)]] if header is not None else []
    data += [
        [cell(v, i, False, r in bold_rows or (header is None and i == 0)) for i, v in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    result = Table(data, colWidths=list(widths), repeatRows=1 if header is not None else 0, hAlign="LEFT")
    first_body = 1 if header is not None else 0
    commands: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL if header is not None else STRIPE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
    ]
    if groups:
        starts = sorted({*groups, len(rows)})
        for n, (a, b) in enumerate(itertools.pairwise(starts)):
            commands.append(("LINEABOVE", (0, first_body + a), (-1, first_body + a), 0.4, RULE))
            if n % 2:
                commands.append(("BACKGROUND", (0, first_body + a), (-1, first_body + b - 1), STRIPE))
    else:
        commands += [("BACKGROUND", (0, r), (-1, r), STRIPE) for r in range(first_body + 2, len(data), 2)]
    result.setStyle(TableStyle(commands))
    return result
