"""The Open311 docs' POST examples work against the demo: read from docs/open311.md as written,
posted with a key of Independence's, each is filed in Independence and placed (a point, a
district), none waits in the Not placed queue.

The demo is loaded once for the module (a day of history: the street grid and gazetteer come
whatever the volume), inside a transaction rolled back at the end.
"""

from __future__ import annotations

import io
import re
import shlex
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from PIL import Image

from civicdesk.cases.models import AddressSource, ServiceRequest
from civicdesk.demo.loader import DemoSummary, load_demo
from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City
from tests.conftest import REPO

pytestmark = pytest.mark.django_db

DOC = REPO / "docs" / "open311.md"


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock(), transaction.atomic():
        summary = load_demo(days=1, scale=0.05)
        yield summary
        transaction.set_rollback(True)


def posting_examples(doc: Path) -> list[str]:
    """The `curl -X POST` commands of the doc's "Posting" section, each joined onto one line."""
    section = doc.read_text().split("## Posting", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        commands += [line.strip() for line in joined.splitlines() if line.strip().startswith("curl -X POST")]
    return commands


def as_request(command: str, *, variables: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The path and the fields curl would send for one example (data or multipart alike)."""
    for name, value in variables.items():
        command = command.replace(f"${name}", value)
    words = shlex.split(command)
    url = next(w for w in words if w.startswith("http"))
    fields: dict[str, Any] = {}

    def add(name: str, value: Any) -> None:
        fields.setdefault(name, []).append(value)

    for name, value in parse_qsl(urlsplit(url).query):
        add(name, value)
    for flag, value in pairwise(words):
        if flag in ("--data-urlencode", "-d", "-F"):
            name, _, given = value.partition("=")
            if flag == "-F" and given.startswith("@"):
                picture = io.BytesIO()
                Image.new("RGB", (40, 30), (120, 120, 120)).save(picture, format="JPEG")
                add(name, SimpleUploadedFile(given[1:], picture.getvalue(), content_type="image/jpeg"))
            else:
                add(name, given)
    return urlsplit(url).path, {k: v[0] if len(v) == 1 else v for k, v in fields.items()}


def test_the_docs_post_examples_file_placed_cases_in_independence(demo: DemoSummary) -> None:
    independence = City.objects.get(slug="independence")
    _key, raw = api_key_create(city=independence, name="Docs example")
    examples = posting_examples(DOC)
    assert len(examples) == 2, examples
    assert any("address_string=" in e for e in examples), "the docs show a report by address"

    client = Client()
    for command in examples:
        path, fields = as_request(
            command,
            variables={"BASE": "http://testserver/open311/v2", "J": independence.jurisdiction_id, "KEY": raw},
        )
        response = client.post(path, fields)
        assert response.status_code == 201, (command, response.content.decode())
        number = re.search(rb"IND-(\d+)", response.content)
        assert number, response.content
        case = ServiceRequest.objects.get(city=independence, number=int(number.group(1)))
        assert case.service_type.code == "graffiti"
        assert case.lat is not None and case.lng is not None, f"{case.address!r} was not placed"
        assert case.district is not None
        if "address_string=" in command:
            assert case.address_source in (AddressSource.MATCHED, AddressSource.INTERPOLATED)
        assert sorted(case.attributes["surface"]) in (["fence"], ["building", "fence"])
