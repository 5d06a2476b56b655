"""The brief's fonts: DejaVu Sans, shipped in `reports/fonts/` so every machine renders the same bytes.

The PDF standard fonts (Helvetica) only cover Latin-1; DejaVu Sans also draws Greek, Cyrillic, Hebrew,
Arabic (unshaped) and many symbols, so names in those scripts appear as written. ReportLab embeds only the
subset of glyphs a document uses. Licence: `reports/fonts/LICENSE-DejaVu.txt` (Bitstream Vera licence,
DejaVu changes in the public domain).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "BriefSans"
BOLD = "BriefSans-Bold"


@cache
def register_fonts() -> None:
    """Register the two faces with ReportLab once per process (idempotent)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


@cache
def drawable_codepoints() -> frozenset[int]:
    """Code points that both faces can draw (the regular and bold cmaps intersected)."""
    register_fonts()
    regular = pdfmetrics.getFont(REGULAR)
    bold = pdfmetrics.getFont(BOLD)
    return frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
