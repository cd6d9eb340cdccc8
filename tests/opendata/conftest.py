"""Open-data helpers: read a stored file back, as a reader who downloaded it would."""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.tenants.models import City


def download(city: City | None, name: str) -> bytes:
    url = (
        reverse("opendata:city-file", args=[city.slug, name])
        if city is not None
        else reverse("opendata:collaborative-file", args=[name])
    )
    response = Client().get(url)
    assert response.status_code == 200, url
    assert response.streaming  # streamed from the storage, not built in memory
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(data).decode("utf-8"), newline="")))


def geojson(data: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(gzip.decompress(data))
    return loaded


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
