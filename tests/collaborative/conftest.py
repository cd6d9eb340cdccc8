"""The collaborative's fixtures: the same problem type in every member city, staff of
several cities, and points computed from the real city limits in shared data."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
import shapely
from django.conf import settings
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City
from tests.conftest import CITY_LIMITS

# About 20 m in degrees of latitude: inside a city, yet well within the 50 m warning band.
TWENTY_METRES = 20 / 111_320


@cache
def limits(slug: str) -> BaseGeometry:
    """A place's limits as published (member city or neighbour)."""
    with open(CITY_LIMITS / f"{slug}.json", encoding="utf-8") as fh:
        collection = json.load(fh)
    return shapely.union_all([shape(f["geometry"]) for f in collection["features"]])


def on_shared_border(a: str, b: str) -> tuple[float, float]:
    """A point on the line two places share (the middle of its longest piece)."""
    line = limits(a).boundary.intersection(limits(b).boundary)
    pieces = list(getattr(line, "geoms", [line]))
    longest = max(pieces, key=lambda g: g.length)
    pt = longest.interpolate(0.5, normalized=True)
    return pt.y, pt.x


def just_inside(slug: str, near: tuple[float, float]) -> tuple[float, float]:
    """A point about 20 m inside ``slug``'s limits, next to the given boundary point."""
    inner = limits(slug).buffer(-TWENTY_METRES)
    pt = shapely.shortest_line(inner.boundary, Point(near[1], near[0])).coords[0]
    return pt[1], pt[0]


def inside(slug: str) -> tuple[float, float]:
    pt = limits(slug).representative_point()
    return pt.y, pt.x


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pothole(cities: dict[str, City], make_service_type: Any) -> dict[str, ServiceType]:
    """A pothole type in every member city (one code, as the demo's cities share codes),
    each routed to a streets department of its own city; and each city's triage type."""
    types = {}
    for slug, city in cities.items():
        types[slug] = make_service_type(city, "pothole", name="Pothole", target_days=5)
        make_service_type(city, settings.INTAKE_TRIAGE_SERVICE_CODE, name="Triage", department=None)
    return types


@pytest.fixture
def staff(cities: dict[str, City], make_staff: Any) -> Any:
    """``staff("independence", Role.CALL_TAKER)``: a staff member of that city."""

    def make(slug: str, role: str = Role.WORKER, **kw: Any) -> User:
        return make_staff(cities[slug], role, **kw)

    return make
