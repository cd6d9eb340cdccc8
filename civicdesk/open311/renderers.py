"""Open311's own XML: a named root, one named element per item, lists wrapped in their plural.

The generic XML of djangorestframework-xml (``<root><list-item>``) is not what GeoReport v2
clients parse, so the API renders the documents the spec shows.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from rest_framework.renderers import BaseRenderer, JSONRenderer

# The element name of one item of each list the spec's documents contain.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "notes": "note",
    "photos": "photo",
    "tokens": "token",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, (list, tuple)):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    """The document ``<root>`` holding ``data`` (a list of items or a dict of fields)."""
    element = ET.Element(root)
    _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


class Open311JSONRenderer(JSONRenderer):
    format = "json"
    charset = "utf-8"


class Open311XMLRenderer(BaseRenderer):
    """Renders with the view's ``xml_root``; errors always as ``<errors>``."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code >= 400:
            root = "errors"
        else:
            root = getattr(context.get("view"), "xml_root", "response")
        return to_xml(root, data)
