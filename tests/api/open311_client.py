"""Reading Open311 answers in either format the way a client would."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET
from django.http import HttpResponse

from tests.api.conftest import API


def get(client: Any, endpoint: str, fmt: str = "json", **params: Any) -> HttpResponse:
    """GET ``endpoint`` (without suffix) in ``fmt``."""
    return client.get(f"{API}/{endpoint}.{fmt}", params)


def body(response: HttpResponse) -> Any:
    """The parsed document: JSON as Python values, XML as an Element."""
    content_type = response["Content-Type"]
    if content_type.startswith("text/xml"):
        return SafeET.fromstring(response.content)
    assert content_type.startswith("application/json"), content_type
    return json.loads(response.content)


def errors(response: HttpResponse) -> list[dict[str, Any]]:
    """The spec's error document as a list of {code, description}, in either format."""
    doc = body(response)
    if isinstance(doc, ET.Element):
        assert doc.tag == "errors"
        return [{"code": int(e.findtext("code") or 0), "description": e.findtext("description")} for e in doc]
    return doc
