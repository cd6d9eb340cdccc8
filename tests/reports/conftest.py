"""A hand-made month of Independence cases around the edges of the report's range.

The report asked for is 2021-10-01 .. 2021-10-22 on Independence's clock (Central time,
daylight saving: UTC-5). Each case is created through ``case_create`` at its moment; the
tests then recompute every figure in plain Python from the cases themselves.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.notifications.outbox import suppressed
from civicdesk.reports import rollups
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, Department, District
from tests.conftest import INSIDE

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
FROM = dt.date(2021, 10, 1)
TO = dt.date(2021, 10, 22)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CENTRAL)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@dataclass
class Month:
    city: City
    other_city: City
    districts: list[District]
    old_district: District
    types: dict[str, ServiceType]
    cases: list[ServiceRequest]


def point_in(district: District) -> tuple[float, float]:
    pt = geo.shape_from_geojson(district.boundary).representative_point()
    return pt.y, pt.x


@pytest.fixture
def month(
    cities: dict[str, City],
    make_department: Callable[..., Department],
    make_service_type: Callable[..., ServiceType],
) -> Month:
    city, other = cities["independence"], cities["raytown"]
    districts = list(city.districts.filter(number__isnull=False).order_by("number"))
    # A district of another city's old map, as an old system's export may file a case in:
    # not the city's own, so "Others" (seed 004's two Sinkhole cases).
    old_district = District.objects.create(
        city=other, name="Former District 5", number=None, boundary=other.boundary, retired_on=dt.date(2021, 1, 1)
    )

    neighbourhood = make_department(city, "Neighborhood Services")
    streets = make_department(city, "Street Maintenance")
    sewers = make_department(city, "Sewer Maintenance")
    parks = make_department(city, "Park Maintenance")
    types = {
        "trash": make_service_type(city, "trash", name="Trash/Rubbish", department=neighbourhood),
        "weeds": make_service_type(city, "weeds", name="Excessive Vegetation", department=neighbourhood),
        "pothole": make_service_type(city, "pothole", name="Pothole", department=streets),
        "sewer": make_service_type(city, "sewer", name="Basement Sewer Backup", department=sewers),
        "tree": make_service_type(city, "tree", name="Tree Down", department=parks),
        "triage": make_service_type(city, "question", name="General Question", department=None),
        "fraud": make_service_type(
            city, "fraud", name="Fraud, Waste and Abuse", department=neighbourhood, is_confidential=True
        ),
        "sinkhole": make_service_type(city, "sinkhole", name="Sinkhole", department=streets),
    }
    raytown_trash = make_service_type(other, "trash", name="Trash/Rubbish")

    d1, d2 = districts[0], districts[1]
    made: list[ServiceRequest] = []

    def case(kind: str, at: dt.datetime, where: District | str | None, **kw: Any) -> ServiceRequest:
        service_type = raytown_trash if where == "raytown" else types[kind]
        if where == "raytown":
            lat, lng = INSIDE["raytown"]
            place: dict[str, Any] = {"lat": lat, "lng": lng}
        elif isinstance(where, District):
            lat, lng = point_in(where)
            place = {"lat": lat, "lng": lng}
        else:
            place = {"city": city, "address": "Somewhere without a map point"}
        with clock.frozen_at(at), suppressed():
            made.append(services.case_create(service_type=service_type, opened_at=at, description=kind, **place, **kw))
        return made[-1]

    # Inside the range, District 1.
    for day in (1, 2, 3, 4, 5):
        case("trash", local(2021, 10, day, 9, 0), d1)
    for day in (6, 7, 8):
        case("weeds", local(2021, 10, day, 14, 0), d1)
    case("pothole", local(2021, 10, 9, 10, 0), d1)
    case("fraud", local(2021, 10, 10, 11, 0), d1)
    # District 2.
    for day in (11, 12):
        case("pothole", local(2021, 10, day, 8, 0), d2)
    case("weeds", local(2021, 10, 13, 8, 0), d2)
    case("sewer", local(2021, 10, 14, 8, 0), d2)
    case("sewer", local(2021, 10, 15, 8, 0), d2)
    case("tree", local(2021, 10, 16, 8, 0), d2)
    case("fraud", local(2021, 10, 17, 8, 0), d2)
    # No district (no map point), and no department.
    case("triage", local(2021, 10, 18, 8, 0), None)
    case("triage", local(2021, 10, 19, 8, 0), None)
    case("trash", local(2021, 10, 20, 8, 0), None)
    # In another city's district: "Others".
    for day in (2, 3):
        moved = case("sinkhole", local(2021, 10, day, 12, 0), d1)
        ServiceRequest.objects.filter(pk=moved.pk).update(district=old_district)
    # The raw update above bypasses the case services, as a bulk import does: it rebuilds the roll-ups.
    rollups.rebuild(city=city)

    # The edges of the range.
    case("trash", local(2021, 10, 1, 0, 0), d2)  # first local minute of the first day: in
    case("sewer", local(2021, 10, 22, 23, 30), d1)  # 04:30 UTC on the 23rd, still the 22nd here: in
    case("tree", local(2021, 10, 23, 0, 10), d1)  # the day after: out
    case("trash", utc(2021, 10, 1, 0, 0), d1)  # UTC midnight is 19:00 on Sept 30 here: out
    case("trash", utc(2021, 10, 1, 4, 59), d2)  # 23:59 on Sept 30 here: out
    # Another city, same days: only in the collaborative report.
    case("trash", local(2021, 10, 5, 9, 0), "raytown")
    case("trash", local(2021, 10, 6, 9, 0), "raytown")

    for c in made:
        c.refresh_from_db()
    return Month(city=city, other_city=other, districts=districts, old_district=old_district, types=types, cases=made)
