"""A median or 90th percentile time to close under a day is worked out from the cases' own
times, and written in hours ("5.0 hours"), not "under a day"; from a day up it is written in
days ("2.5 days"), on the page, in the comparison with the previous period, in the chart and in
the CSV, in English and Spanish.

The cases are Independence's, in March 2024 (Central time); each group's closing times are
chosen so that its median and 90th percentile are known exactly by hand.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.notifications.outbox import suppressed
from civicdesk.reports.operational import change_in_time, days_to_close, operational_report
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
FROM, TO = dt.date(2024, 3, 4), dt.date(2024, 3, 17)  # two weeks: the previous are Feb 19 .. Mar 3
NOW = dt.datetime(2024, 3, 18, 9, 0, tzinfo=CENTRAL)
QUERY = {"from": FROM.isoformat(), "to": TO.isoformat()}
H = dt.timedelta(hours=1)


def hours(value: float | None) -> float:
    assert value is not None
    return round(value * 24, 6)


@pytest.fixture
def city(
    cities: dict[str, City],
    make_department: Callable[..., Department],
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
) -> dict[str, Any]:
    independence = cities["independence"]
    sewers, animals, streets = (make_department(independence, name) for name in ("Sewers", "Animals", "Streets"))
    types = {
        "backup": make_service_type(independence, "backup", name="Sewer Backup", department=sewers, target_days=1),
        "dead": make_service_type(independence, "dead", name="Dead Animal", department=animals, target_days=2),
        "pothole": make_service_type(independence, "pothole", name="Pothole", department=streets, target_days=5),
    }
    boss = make_staff(independence, Role.SUPERVISOR)
    lat, lng = INSIDE["independence"]

    def case(kind: str, opened: dt.datetime, took: dt.timedelta) -> None:
        with clock.frozen_at(opened), suppressed():
            made = services.case_create(service_type=types[kind], opened_at=opened, lat=lat, lng=lng)
        with clock.frozen_at(opened + took), suppressed():
            services.case_close(case=made, actor=boss, note="Done.")

    morning = dt.datetime(2024, 3, 5, 8, 0, tzinfo=CENTRAL)
    # Sewer backups closed after 3, 5 and 30 hours: median 5 hours; the 90th percentile lies
    # 0.8 of the way from 5 to 30 hours: 25 hours.
    for took in (3 * H, 5 * H, 30 * H):
        case("backup", morning, took)
    # Dead animals after 3 h 20 min and 5 h 08 min: median 4 h 14 min (4.2333… hours).
    case("dead", morning, 3 * H + dt.timedelta(minutes=20))
    case("dead", morning, 5 * H + dt.timedelta(minutes=8))
    # Potholes after 2, 3 and 4 days and an hour: median 3 days 1 hour (3 whole days, as the
    # roll-ups count days, the case's own time read at its rank).
    for days in (2, 3, 4):
        case("pothole", morning, dt.timedelta(days=days) + H)
    # The previous period: two backups after 1 and 2 hours (median 1.5 hours).
    before = dt.datetime(2024, 2, 26, 10, 0, tzinfo=CENTRAL)
    case("backup", before, 1 * H)
    case("backup", before, 2 * H)
    return {"city": independence, "types": types}


def test_medians_under_a_day_are_the_cases_own_hours_in_every_table(city: dict[str, Any]) -> None:
    report = operational_report(city=city["city"], date_from=FROM, date_to=TO, now=NOW)
    by_type = {r.label: r for r in report.by_type}
    assert hours(by_type["Sewer Backup"].median_days) == 5.0
    assert hours(by_type["Sewer Backup"].p90_days) == 25.0
    assert hours(by_type["Dead Animal"].median_days) == pytest.approx(4 + 14 / 60)
    assert hours(by_type["Pothole"].median_days) == 3 * 24 + 1  # the case's own time, not 3 whole days
    assert hours(by_type["Pothole"].p90_days) == pytest.approx(3 * 24 + 1 + 0.8 * 24)
    by_department = {r.label: r for r in report.by_department}
    assert hours(by_department["Sewers"].median_days) == 5.0
    assert hours(by_department["Animals"].median_days) == pytest.approx(4 + 14 / 60)
    # Every case of the period: 3h, 3h20, 5h, 5h08, 30h, 2d1h, 3d1h, 4d1h -> median between
    # the 4th and 5th: 5h08 and 30h, half-way: 17 h 34 min.
    assert hours(report.overall.median_days) == pytest.approx((5 + 8 / 60 + 30) / 2)
    district = report.by_district[0]
    assert district.closed == 8 and district.median_days == report.overall.median_days


def test_the_exact_medians_equal_postgresqls_percentile_cont_over_the_cases(city: dict[str, Any]) -> None:
    report = operational_report(city=city["city"], date_from=FROM, date_to=TO, now=NOW)
    backup = next(r for r in report.by_type if r.label == "Sewer Backup")
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's own percentile_cont")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - opened_at)),"
            " percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - opened_at))"
            " FROM cases_servicerequest WHERE service_type_id = %s AND closed_at >= %s",
            [city["types"]["backup"].pk, dt.datetime(2024, 3, 4, tzinfo=CENTRAL)],
        )
        median, p90 = cursor.fetchone()
    assert (hours(backup.median_days), hours(backup.p90_days)) == (median / 3600, p90 / 3600)


def test_a_time_is_written_in_hours_under_a_day_and_in_days_above() -> None:
    assert days_to_close(None) == "—"
    assert days_to_close(5 / 24) == "5.0 hours"
    assert days_to_close(4.2 / 24) == "4.2 hours"
    assert days_to_close(0.0) == "0.0 hours"
    assert days_to_close(23.96 / 24) == "1.0 days"  # never "24.0 hours"
    assert days_to_close(2.5) == "2.5 days"
    assert change_in_time(3.5 / 24) == "+3.5 hours"
    assert change_in_time(-2.5) == "-2.5 days"
    assert change_in_time(0.0) == "0.0 hours"
    assert change_in_time(0.01 / 24, 5.0) == "0.0 days"  # 5.0 days against 5.0 days: no change
    assert change_in_time(None) == "—"


def figures(page: str, table: str) -> dict[str, list[str]]:
    start = page.index(f'id="{table}"')
    body = page[start : page.index("</table>", start)]
    # A name the city typed is inside <span lang="en"> on the Spanish page (WCAG 3.1.2).
    return {
        head: re.findall(r'<td class="num"[^>]*>([^<]*)</td>', cells)
        for head, cells in re.findall(r'<th scope="row">(?:<span lang="en">)?([^<]*)(?:</span>)?</th>(.*?)</tr>', body)
    }


def test_the_page_its_chart_and_the_comparison_write_hours_in_english_and_spanish(
    client: Client, city: dict[str, Any]
) -> None:
    with clock.frozen_at(NOW):
        html = client.get("/independence/reports/operations/", QUERY).content.decode()
        spanish = client.get("/independence/reports/operations/", QUERY, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # Opened, closed, median, 90th percentile, within target.
    assert figures(html, "by-type")["Sewer Backup"][2:4] == ["5.0 hours", "1.0 days"]
    assert figures(html, "by-type")["Dead Animal"][2] == "4.2 hours"
    assert figures(html, "by-type")["Pothole"][2] == "3.0 days"
    assert ">under a day<" not in html
    # The chart beside the table writes the same words at the end of the bars.
    uri = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)[1]
    assert "5.0 hours" in base64.b64decode(uri).decode()
    # This period's median (17.6 hours) against the previous one's 1.5 hours: +16.1 hours.
    comparison = figures(html, "comparison")
    assert comparison["Median time to close"][:3] == ["17.6 hours", "1.5 hours", "+16.1 hours"]
    assert figures(spanish, "by-type")["Sewer Backup"][2:4] == ["5.0 horas", "1.0 días"]
    assert figures(spanish, "comparison")["Mediana del tiempo de cierre"][:3] == [
        "17.6 horas",
        "1.5 horas",
        "+16.1 horas",
    ]


def test_the_csv_keeps_numbers_of_days_and_writes_the_times_as_the_page_does(
    client: Client, city: dict[str, Any]
) -> None:
    with clock.frozen_at(NOW):
        text = client.get("/independence/reports/operations.csv", QUERY).content.decode()
    rows = {row[0]: row for row in csv.reader(io.StringIO(text)) if row}
    header = next(row for row in csv.reader(io.StringIO(text)) if row and row[0] == "Name")
    assert header[3:] == [
        "Median days",
        "90th percentile days",
        "Closed within target (%)",
        "Median",
        "90th percentile",
    ]
    # 5 hours is 0.208 days; 25 hours 1.04 days (to a hundredth from a day up).
    assert rows["Sewer Backup"][3:] == ["0.208", "1.04", "66.7", "5.0 hours", "1.0 days"]
    # 3 days 1 hour and 3 days 20.2 hours (3.84 days).
    assert rows["Pothole"][3:5] == ["3.04", "3.84"] and rows["Pothole"][6:] == ["3.0 days", "3.8 days"]
    assert rows["Median time to close (days)"][1:4] == ["0.732", "0.062", "0.669"]
