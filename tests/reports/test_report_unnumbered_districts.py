"""The Service Request Report of a city whose map has a district without a number: "Citywide"
for a city that elects its council at large, or the rest of a city moving to wards one at a
time. Its cases are the city's own: a row of their own, after the numbered wards and before
"Others", alike on the page, in the PDF and in the CSV (docs/reports.md)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import shapely
from django.test import Client

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.outbox import suppressed
from civicdesk.reports import exports, rollups
from civicdesk.reports.service_request_report import service_request_report
from civicdesk.tenants import districts as district_files
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, District
from civicdesk.tenants.services import city_today, district_cut, district_import
from tests.reports.test_exports_and_pages import csv_sections, pdf_text

pytestmark = pytest.mark.django_db


def only_citywide(city: City) -> District:
    """The city's map replaced by the template's one district, "Citywide", without a number."""
    limits = geo.shape_from_geojson(city.boundary)
    [citywide] = district_import(
        city=city, shapes=[district_files.DistrictShape(district_files.AT_LARGE_NAME, None, limits)], replace=True
    )
    return citywide


def west_half(city: City) -> shapely.geometry.base.BaseGeometry:
    limits = geo.shape_from_geojson(city.boundary)
    west, south, east, north = limits.bounds
    return district_files.polygonal(limits.intersection(shapely.box(west, south, (west + east) / 2, north)))


def report_at(city: City, district: District, service_type: ServiceType, count: int) -> None:
    pt = geo.shape_from_geojson(district.boundary).representative_point()
    with suppressed():
        for n in range(count):
            services.case_create(service_type=service_type, lat=pt.y, lng=pt.x, description=f"case {n}")


def shown(city: City) -> list[tuple[str, int]]:
    today = city_today(city)
    report = service_request_report(city=city, date_from=today - dt.timedelta(days=1), date_to=today)
    return [(row.label, row.count) for row in report.districts]


def everywhere_agrees(city: City, client: Client, rows: list[tuple[str, int]]) -> None:
    """The page, the PDF and the CSV list the same district rows, in the same order."""
    today = city_today(city)
    report = service_request_report(city=city, date_from=today - dt.timedelta(days=1), date_to=today)
    sections = csv_sections(exports.report_csv(report))
    _header, *csv_rows = sections["Requests per district"]
    assert [(r[0], int(r[2])) for r in csv_rows if r[1] == ""] == rows

    text = pdf_text(exports.report_pdf(report))
    at = [text.index(f"{label} {count}\n") if f"{label} {count}\n" in text else -1 for label, count in rows]
    assert -1 not in at, (rows, text)
    assert at == sorted(at)

    day = {"from": (today - dt.timedelta(days=1)).isoformat(), "to": today.isoformat()}
    html = client.get(f"/{city.slug}/reports/service-requests/", day).content.decode()
    table = html[html.index('id="districts"') :]
    table = table[: table.index("</table>")]
    heads = re.findall(r'<tr class="district-total"><th scope="rowgroup">(?:<[^>]+>)?([^<]+)<.*?<strong>(\d+)<', table)
    assert [(label, int(count)) for label, count in heads] == rows


def test_a_city_with_only_citywide_counts_its_cases_under_citywide_not_others(
    cities: dict[str, City], make_service_type: Callable[..., ServiceType], client: Client
) -> None:
    city = cities["grandview"]
    citywide = only_citywide(city)
    pothole = make_service_type(city, "pothole", name="Pothole")
    report_at(city, citywide, pothole, 3)
    with suppressed():
        services.case_create(service_type=pothole, city=city, address="An address only", description="no point")

    rows = [("No district assigned", 1), ("Citywide", 3), ("Others", 0)]
    assert shown(city) == rows
    everywhere_agrees(city, client, rows)


def test_a_city_halfway_to_wards_lists_ward_1_then_the_rest_of_citywide_then_others(
    cities: dict[str, City], make_service_type: Callable[..., ServiceType], client: Client
) -> None:
    city = cities["grandview"]
    citywide = only_citywide(city)
    trash = make_service_type(city, "trash", name="Trash/Rubbish")
    report_at(city, citywide, trash, 2)  # before Ward 1: in the whole city's Citywide

    # The first ward cuts itself out of Citywide (the admin's "Cut it out of the districts it
    # lies over"): Citywide keeps the rest of the city, its cases so far keep it as it was.
    ward = west_half(city)
    rest = district_files.polygonal(geo.shape_from_geojson(citywide.boundary).difference(ward))
    rest_of_city = district_cut(district=citywide, rest=rest, on=city_today(city))
    ward_1 = District.objects.create(
        city=city, name="Ward 1", number=1, boundary=district_files.DistrictShape("Ward 1", 1, ward).boundary
    )
    report_at(city, ward_1, trash, 4)
    report_at(city, rest_of_city, trash, 3)
    # A case filed in another city's district (as an old system's export may have it) is
    # what "Others" is for.
    other = District.objects.filter(city=cities["raytown"]).first()
    assert other is not None
    report_at(city, rest_of_city, trash, 1)
    ServiceRequest.objects.filter(pk=ServiceRequest.objects.filter(city=city).latest("pk").pk).update(district=other)
    rollups.rebuild(city=city)  # the raw update bypasses the case services, as a bulk import does

    citywide.refresh_from_db()
    assert citywide.retired_on is not None and citywide.name.startswith("Citywide (map until ")
    rows = [
        ("No district assigned", 0),
        ("Ward 1", 4),
        ("Citywide", 3),
        (citywide.name, 2),
        ("Others", 1),
    ]
    assert shown(city) == rows
    everywhere_agrees(city, client, rows)


def test_a_city_with_numbered_wards_keeps_seed_004s_rows(cities: dict[str, City]) -> None:
    city = cities["independence"]
    numbered = list(city.districts.filter(number__isnull=False).order_by("number").values_list("name", flat=True))
    labels = [label for label, _count in shown(city)]
    assert labels == ["No district assigned", *numbered, "Others"]
