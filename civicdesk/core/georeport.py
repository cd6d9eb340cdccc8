"""The GeoReport v2 (Open311) error document, for answers given before an Open311 view runs.

A middleware that refuses a request (a rate limit, a body too large to read, the database
being down) answers an Open311 client in the spec's terms, as the API's own views do: a list
of ``{code, description}``, in JSON or, for a ``.xml`` path, as ``<errors><error>…``.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve


def is_open311(request: HttpRequest) -> bool:
    """Whether ``request`` is for the Open311 API (resolved here when no view has been yet)."""
    match = request.resolver_match
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
    return match.namespace == "open311"


def error_response(request: HttpRequest, status: int, descriptions: Sequence[str]) -> HttpResponse:
    """The spec's error document with ``status``: XML for a ``.xml`` path, else JSON."""
    if request.path_info.endswith(".xml"):
        root = ET.Element("errors")
        for description in descriptions:
            error = ET.SubElement(root, "error")
            ET.SubElement(error, "code").text = str(status)
            ET.SubElement(error, "description").text = description
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse([{"code": status, "description": d} for d in descriptions], safe=False, status=status)
