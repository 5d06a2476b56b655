"""The brief's ReportLab Drawings as SVG markup safe to embed inline in an HTML page (the admin's charts).

`reportlab.graphics.renderSVG` already escapes text, but its output is re-parsed and re-serialised here
against an allow-list anyway: only drawing elements and presentation attributes survive, any URL other
than a reference to the chart's own clip path is refused, and names are escaped once more by the XML
serialiser. Two more fixes make several charts live on one page: every `id` gets a per-chart prefix
(renderSVG names every chart's clip path `clip`, so the second chart would be clipped by the first's
rectangle), and the brief's registered font names become CSS font families a browser has.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing

from reports.fonts import BOLD, REGULAR, register_fonts

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ALLOWED_ELEMENTS = frozenset(
    {"svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "clipPath"}
)
ALLOWED_ATTRIBUTES = frozenset(
    {
        "width",
        "height",
        "viewBox",
        "preserveAspectRatio",
        "version",
        "fill-rule",
        "id",
        "transform",
        "style",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "d",
        "points",
        "text-anchor",
    }
)
_DROPPED_ELEMENTS = frozenset({"title", "desc"})  # renderSVG's placeholders ("..."); replaced by one title
_FONT_FAMILIES = {
    BOLD: "font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; font-weight: bold",
    REGULAR: "font-family: 'DejaVu Sans', Verdana, Arial, sans-serif",
}
_FONT_DECLARATION = re.compile(r"font-family:\s*([\w-]+)")
_LOCAL_URL = re.compile(r"url\(#([\w-]+)\)")
_ID = re.compile(r"^[\w-]{1,64}$")
_PREFIX = re.compile(r"^[A-Za-z][\w-]{0,40}$")
_FORBIDDEN_IN_VALUES = ("javascript:", "expression(", "@import", "<", ">")


class UnsafeSvg(ValueError):
    """The rendered SVG held something the allow-list does not expect (a bug, never shown to users)."""


def drawing_svg(drawing: Drawing, *, id_prefix: str, title: str) -> str:
    """Inline `<svg>` markup of `drawing`, with unique ids under `id_prefix` and an accessible `title`.

    The result is well-formed XML with no prolog, scripts, links, images or foreign objects: safe to put
    in an HTML page without further escaping. Raises `UnsafeSvg` if ReportLab emitted anything else.
    """
    if not _PREFIX.match(id_prefix):
        raise ValueError(f"id_prefix must be a short identifier, not {id_prefix!r}")
    register_fonts()
    root = ET.fromstring(renderSVG.drawToString(drawing))
    for parent, element in list(_walk(root)):
        if _local_name(element.tag) in _DROPPED_ELEMENTS and parent is not None:
            parent.remove(element)
            continue
        _clean_element(element, id_prefix)
    root.attrib.update({"role": "img", "class": "brief-chart", "aria-label": title})
    title_element = ET.Element(f"{{{SVG_NS}}}title")
    title_element.text = title
    root.insert(0, title_element)
    ET.register_namespace("", SVG_NS)
    return ET.tostring(root, encoding="unicode")


def _walk(
    element: ET.Element, parent: ET.Element | None = None
) -> Iterator[tuple[ET.Element | None, ET.Element]]:
    yield parent, element
    for child in element:
        yield from _walk(child, element)


def _local_name(tag: str) -> str:
    namespace, _, name = tag.rpartition("}")
    if namespace and namespace.lstrip("{") not in (SVG_NS, XLINK_NS):
        raise UnsafeSvg(f"element in an unexpected namespace: {tag!r}")
    return name


def _clean_element(element: ET.Element, id_prefix: str) -> None:
    name = _local_name(element.tag)
    if name not in ALLOWED_ELEMENTS:
        raise UnsafeSvg(f"unexpected SVG element <{name}>")
    for attribute, value in list(element.attrib.items()):
        if attribute not in ALLOWED_ATTRIBUTES:
            raise UnsafeSvg(f"unexpected attribute {attribute!r} on <{name}>")
        element.set(attribute, _clean_value(attribute, value, id_prefix))


def _clean_value(attribute: str, value: str, id_prefix: str) -> str:
    lowered = value.lower()
    if any(marker in lowered for marker in _FORBIDDEN_IN_VALUES):
        raise UnsafeSvg(f"unexpected value in {attribute!r}: {value[:80]!r}")
    if attribute == "id":
        if not _ID.match(value):
            raise UnsafeSvg(f"unexpected id {value[:80]!r}")
        return f"{id_prefix}-{value}"
    if "url(" in lowered:
        if lowered.count("url(") != len(_LOCAL_URL.findall(value)):
            raise UnsafeSvg(f"only references to the chart's own ids are allowed: {value[:80]!r}")
        value = _LOCAL_URL.sub(lambda match: f"url(#{id_prefix}-{match.group(1)})", value)
    if attribute == "style":
        value = _FONT_DECLARATION.sub(lambda match: _FONT_FAMILIES.get(match.group(1), match.group(0)), value)
    return value
