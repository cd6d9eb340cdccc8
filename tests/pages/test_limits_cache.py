"""City limits for the maps are kept in the shared database cache, and an administrator's
change to a city shows on the next request after it commits (civicdesk/portal/limits.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-94.5, 39.0], [-94.4, 39.0], [-94.4, 39.1], [-94.5, 39.1], [-94.5, 39.0]]],
}


@pytest.fixture(autouse=True)
def _kept(settings: Any) -> None:
    settings.CATALOGUE_CACHE_SECONDS = 3600


def test_limits_are_read_once_then_kept(independence: City, client: Client) -> None:
    first = client.get("/boundaries.geojson")
    assert first["Content-Type"] == "application/geo+json"
    with CaptureQueriesContext(connection) as captured:
        again = client.get("/boundaries.geojson").json()
        own = client.get(f"/{independence.slug}/boundary.geojson").json()
    assert again == first.json()
    assert [f["properties"]["slug"] for f in own["features"]] == [independence.slug]
    assert not [q for q in captured.captured_queries if "tenants_city" in q["sql"]]
    assert client.get("/nowhere/boundary.geojson").status_code == 404


def test_new_limits_and_a_new_name_show_on_the_next_request_after_commit(
    independence: City, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.get("/boundaries.geojson")
    client.get(f"/{independence.slug}/boundary.geojson")
    with django_capture_on_commit_callbacks(execute=True):
        independence.boundary = {"type": "Feature", "properties": {}, "geometry": SQUARE}
        independence.name = "Independence (new limits)"
        independence.save()
    [own] = client.get(f"/{independence.slug}/boundary.geojson").json()["features"]
    assert own["geometry"] == SQUARE
    assert own["properties"]["name"] == "Independence (new limits)"
    every = client.get("/boundaries.geojson").json()["features"]
    assert {"name": "Independence (new limits)", "slug": independence.slug} in [f["properties"] for f in every]


def test_a_city_removed_is_gone_from_the_map(
    cities: dict[str, City], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    raytown = cities["raytown"]
    assert client.get(f"/{raytown.slug}/boundary.geojson").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        City.objects.filter(pk=raytown.pk).get().delete()
    assert client.get(f"/{raytown.slug}/boundary.geojson").status_code == 404
    assert raytown.slug not in [f["properties"]["slug"] for f in client.get("/boundaries.geojson").json()["features"]]
