"""The operational report compares a month with the month before (not "the previous 30
days") and writes a time to close under a day in hours ("5.0 hours"), not "0.0" (rv3 #17),
nor "under a day" (tests/reports/test_operational_hours.py has the exact medians)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from civicdesk.cases import services
from civicdesk.core import clock
from civicdesk.notifications.outbox import suppressed
from civicdesk.reports.operational import comparison_kind, operational_report, previous_period
from tests.conftest import INSIDE
from tests.reports.test_operational import NOW, local, world  # noqa: F401 - the fixture

D = dt.date


@pytest.mark.parametrize(
    ("date_from", "date_to", "previous", "kind"),
    [
        (D(2026, 11, 1), D(2026, 11, 30), (D(2026, 10, 1), D(2026, 10, 31)), "month"),
        (D(2026, 3, 1), D(2026, 3, 31), (D(2026, 2, 1), D(2026, 2, 28)), "month"),
        (D(2024, 3, 1), D(2024, 3, 31), (D(2024, 2, 1), D(2024, 2, 29)), "month"),
        (D(2026, 1, 1), D(2026, 1, 31), (D(2025, 12, 1), D(2025, 12, 31)), "month"),
        (D(2026, 10, 1), D(2026, 12, 31), (D(2026, 7, 1), D(2026, 9, 30)), "quarter"),
        (D(2026, 1, 1), D(2026, 12, 31), (D(2025, 1, 1), D(2025, 12, 31)), "year"),
        (D(2026, 2, 1), D(2026, 4, 30), (D(2025, 11, 1), D(2026, 1, 31)), "months"),
        # Not whole months: the same number of days just before.
        (D(2024, 3, 1), D(2024, 3, 14), (D(2024, 2, 16), D(2024, 2, 29)), "days"),
        (D(2026, 11, 2), D(2026, 11, 30), (D(2026, 10, 4), D(2026, 11, 1)), "days"),
        (D(2026, 12, 1), D(2026, 12, 6), (D(2026, 11, 25), D(2026, 11, 30)), "days"),
    ],
)
def test_whole_calendar_months_are_compared_with_the_calendar_months_before(
    date_from: dt.date, date_to: dt.date, previous: tuple[dt.date, dt.date], kind: str
) -> None:
    assert previous_period(date_from, date_to) == previous
    assert comparison_kind(date_from, date_to) == kind


@pytest.mark.django_db
def test_a_month_is_compared_with_the_previous_month_on_the_page_and_in_the_csv(
    client: Client,
    world: dict[str, Any],  # noqa: F811
) -> None:
    month = {"from": "2024-03-01", "to": "2024-03-31"}
    with clock.frozen_at(NOW):
        page = client.get("/independence/reports/operations/", month).content.decode()
        csv_text = client.get("/independence/reports/operations.csv", month).content.decode()
    assert "Compared with the previous month, February 2024 (2/1/2024 – 2/29/2024)." in page
    assert "previous period of the same length" not in page
    head = {row[0]: row[1] for row in csv.reader(io.StringIO(csv_text.split("\r\n\r\n")[0])) if len(row) > 1}
    assert head["Previous period"] == "2024-02-01 to 2024-02-29"
    assert head["Compared with"] == "the previous calendar month"

    report = operational_report(city=world["city"], date_from=D(2024, 3, 1), date_to=D(2024, 3, 31), now=NOW)
    assert (report.previous_from, report.previous_to, report.compared_with) == (D(2024, 2, 1), D(2024, 2, 29), "month")

    # Any other range keeps the same number of days, and says so.
    with clock.frozen_at(NOW):
        page = client.get("/independence/reports/operations/", {"from": "2024-03-01", "to": "2024-03-14"})
    assert "Compared with the previous period of the same length, 2/16/2024 – 2/29/2024." in page.content.decode()


def figures(page: str, table: str) -> dict[str, list[str]]:
    start = page.index(f'id="{table}"')
    body = page[start : page.index("</table>", start)]
    # A name the city typed is inside <span lang="en"> on the Spanish page (WCAG 3.1.2).
    return {
        head: re.findall(r'<td class="num"[^>]*>([^<]*)</td>', cells)
        for head, cells in re.findall(r'<th scope="row">(?:<span lang="en">)?([^<]*)(?:</span>)?</th>(.*?)</tr>', body)
    }


@pytest.mark.django_db
def test_a_same_day_type_reads_in_hours_on_the_page_and_its_chart_and_the_csv_keeps_days(
    client: Client,
    world: dict[str, Any],  # noqa: F811
    make_service_type: Any,
) -> None:
    city, boss = world["city"], world["boss"]
    backup = make_service_type(city, "backup", name="Basement Sewer Backup", target_days=1)
    lat, lng = INSIDE["independence"]
    for day in (4, 5, 6):
        opened = local(2024, 3, day, 9, 0)
        with clock.frozen_at(opened), suppressed():
            case = services.case_create(service_type=backup, opened_at=opened, lat=lat, lng=lng)
        with clock.frozen_at(opened + dt.timedelta(hours=5)), suppressed():
            services.case_close(case=case, actor=boss, note="Cleared.")

    with clock.frozen_at(NOW):
        page = client.get("/independence/reports/operations/", {"from": "2024-03-01", "to": "2024-03-14"})
        csv_text = client.get("/independence/reports/operations.csv", {"from": "2024-03-01", "to": "2024-03-14"})
        with translation.override("es"):
            spanish = client.get(
                "/independence/reports/operations/",
                {"from": "2024-03-01", "to": "2024-03-14"},
                HTTP_ACCEPT_LANGUAGE="es",
            ).content.decode()
    html = page.content.decode()
    # Opened, closed, median, 90th percentile, within target.
    assert figures(html, "by-type")["Basement Sewer Backup"] == ["3", "3", "5.0 hours", "5.0 hours", "100.0%"]
    assert figures(html, "by-type")["Pothole"][2] == "1.5 days"
    assert figures(spanish, "by-type")["Basement Sewer Backup"][2:4] == ["5.0 horas", "5.0 horas"]
    # The chart beside writes the same words at the end of the bar.
    uri = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)[1]
    assert "5.0 hours" in base64.b64decode(uri).decode()

    rows = {row[0]: row for row in csv.reader(io.StringIO(csv_text.content.decode())) if row}
    assert rows["Basement Sewer Backup"][3:5] == ["0.208", "0.208"]  # a number of days, to sort and add
    assert rows["Basement Sewer Backup"][6:8] == ["5.0 hours", "5.0 hours"]
