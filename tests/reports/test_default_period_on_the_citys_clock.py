"""The report pages' default period ends today on the city's clock (the collaborative's: the
site's), not UTC's: at 11:30 p.m. on New Year's Eve in Central time, UTC is already on
January 1, and the reports still end on December 31 (``tenants.services.city_today``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.core import clock

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
# As the clock gives it, in UTC: 05:30 on January 1, 2027.
NEW_YEARS_EVE = dt.datetime(2026, 12, 31, 23, 30, tzinfo=CENTRAL).astimezone(dt.UTC)


def filed(report: Callable[..., Any], *args: int) -> None:
    at = dt.datetime(*args, tzinfo=CENTRAL)
    with clock.frozen_at(at):
        report(opened_at=at)


def lines(client: Client, url: str) -> dict[str, list[str]]:
    """A report's CSV file, its rows by their first cell (the first row of each)."""
    with clock.frozen_at(NEW_YEARS_EVE):
        response = client.get(url)
    assert response.status_code == 200, url
    rows: dict[str, list[str]] = {}
    for row in csv.reader(io.StringIO(response.content.decode())):
        if row:
            rows.setdefault(row[0], row[1:])
    return rows


def page(client: Client, url: str) -> str:
    with clock.frozen_at(NEW_YEARS_EVE):
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("scope", ["/independence", ""], ids=["city", "collaborative"])
def test_the_service_request_report_opens_on_the_three_weeks_to_december_31_at_half_past_eleven(
    client: Client, report: Callable[..., Any], scope: str
) -> None:
    # The morning of December 11: the first day of the three weeks to December 31, a day
    # before the three weeks to January 1.
    filed(report, 2026, 12, 11, 9, 0)
    filed(report, 2026, 12, 31, 23, 10)
    body = page(client, f"{scope}/reports/service-requests/")
    assert 'name="from" value="2026-12-11"' in body
    assert 'name="to" value="2026-12-31"' in body
    rows = lines(client, f"{scope}/reports/service-requests.csv")
    assert (rows["From"], rows["To"], rows["Counted through"]) == (["2026-12-11"], ["2026-12-31"], ["2026-12-31"])
    assert rows["Total new requests"] == ["2"]


@pytest.mark.parametrize("scope", ["/independence", ""], ids=["city", "collaborative"])
def test_the_operational_report_runs_to_december_31_and_ages_open_cases_by_the_citys_days(
    client: Client, report: Callable[..., Any], scope: str
) -> None:
    # Opened on December 24: 7 days old on December 31 (0–7 days), 8 on UTC's January 1.
    filed(report, 2026, 12, 24, 10, 0)
    body = page(client, f"{scope}/reports/operations/")
    # The last four weeks from a Monday: December 7 (a Monday) to Thursday, December 31.
    assert 'name="from" value="2026-12-07"' in body
    assert 'name="to" value="2026-12-31"' in body
    rows = lines(client, f"{scope}/reports/operations.csv")
    assert (rows["From"], rows["To"]) == (["2026-12-07"], ["2026-12-31"])
    assert (rows["0–7 days"], rows["8–30 days"]) == (["1"], ["0"])
