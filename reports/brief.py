"""The PDF negotiation brief: `render_brief(BriefData) -> bytes`, ReportLab only (no ORM, network or clock).

Pages in order: the decision (page 1); the negotiation sheet with blended vs separated and the token
levers; key inputs; API path; seats; sensitivity; assumptions and method with the glossary, and the
catalog's prices with their sources. The document is built in ReportLab's invariant
mode with fixed metadata, so the same data always gives the same bytes. Every user string reaches the
page through `reports.layout` (cleaned and escaped) or as plain canvas text, never as raw markup.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, SimpleDocTemplate

from reports import plotting
from reports.brief_data import BriefData
from reports.fonts import REGULAR, register_fonts
from reports.formatting import display_text
from reports.pages import api, decision, inputs, method, negotiation, seats
from reports.plan_names import catalog_plan_names

__all__ = ["BriefData", "render_brief"]

PAGE_WIDTH, PAGE_HEIGHT = LETTER
SIDE_MARGIN = 50.0
TOP_MARGIN = 54.0
BOTTOM_MARGIN = 50.0
FOOTER_CHARS = 120


def render_brief(data: BriefData) -> bytes:
    """Render the brief to PDF bytes; deterministic for equal inputs."""
    register_fonts()
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        invariant=1,
        title="Claude commitment negotiation brief",
        author="",
        subject="",
        creator="reports.brief",
        producer="ReportLab",
        keywords="",
    )
    footer = _footer_text(data)

    def decorate(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(plotting.MUTED)
        canvas.drawString(SIDE_MARGIN, BOTTOM_MARGIN - 22, footer)
        canvas.drawRightString(PAGE_WIDTH - SIDE_MARGIN, BOTTOM_MARGIN - 22, f"Page {doc.page}")
        canvas.restoreState()

    with catalog_plan_names(data.catalog):  # every page names plans as the run's catalog does
        document.build(_story(data), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _footer_text(data: BriefData) -> str:
    """Plain canvas text (no markup is parsed), cut to fit the footer line."""
    organization = display_text(data.organization_name, max_chars=FOOTER_CHARS)
    scenario = display_text(data.scenario_name, max_chars=FOOTER_CHARS)
    parts = ("Negotiation brief", organization, scenario, f"run {display_text(data.run_id, max_chars=40)}")
    text = " · ".join(part for part in parts if part)
    return plotting.fit_text(text, PAGE_WIDTH - 2 * SIDE_MARGIN - 60, size=7)


def _story(data: BriefData) -> list[Flowable]:
    result = data.result
    sections = [
        decision.story(data),
        negotiation.story(result),
        inputs.story(data),
        api.story(result),
        seats.story(result, data.catalog, before_table=negotiation.blended_story(result)),
        method.sensitivity_story(result),
        [*method.method_story(result, data.catalog), *inputs.glossary()],
        method.appendix_story(data.catalog, models_used=data.models_used),
    ]
    story: list[Flowable] = []
    for index, section in enumerate(sections):
        if index:
            story.append(PageBreak())
        story.extend(section)
    return story
