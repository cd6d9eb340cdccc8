"""The operational report's pages: public figures (page and CSV), and the overdue list,
which shows addresses, for the city's staff only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.core import clock
from civicdesk.reports.operational import operational_report
from tests.reports.test_operational import FROM, NOW, TO, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
QUERY = {"from": FROM.isoformat(), "to": TO.isoformat()}


def sections(text: str) -> dict[str, list[list[str]]]:
    """CSV sections by title: the rows after the header row."""
    out: dict[str, list[list[str]]] = {}
    for block in text.split("\r\n\r\n"):
        rows = list(csv.reader(io.StringIO(block)))
        if rows and rows[0]:
            out[rows[0][0]] = rows[2:]
    return out


def test_the_public_page_shows_every_table_with_its_chart(client: Client, world: dict[str, Any]) -> None:  # noqa: F811
    with clock.frozen_at(NOW):
        response = client.get(f"/{world['city'].slug}/reports/operations/", QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    for table in ("comparison", "backlog", "by-type", "by-department", "by-district", "channels", "weekly", "monthly"):
        assert f'id="{table}"' in page
    assert page.count('src="data:image/svg+xml;base64,') == 7
    assert "12 Elm St" not in page  # no address on a public page
    assert f"/{world['city'].slug}/reports/overdue/" in page


def test_the_csv_reads_back_to_the_reports_figures(client: Client, world: dict[str, Any]) -> None:  # noqa: F811
    with clock.frozen_at(NOW):
        response = client.get(f"/{world['city'].slug}/reports/operations.csv", QUERY)
        report = operational_report(city=world["city"], date_from=FROM, date_to=TO)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    parsed = sections(response.content.decode())
    by_type = {row[0]: row[1:] for row in parsed["Time to close by type"]}
    for r in report.by_type:
        assert by_type[r.label][:2] == [str(r.opened), str(r.closed)]
        assert by_type[r.label][2] == ("" if r.median_days is None else f"{r.median_days:.1f}")
    assert [int(row[1]) for row in parsed["Backlog"]] == [b.count for b in report.backlog]
    assert {row[0]: int(row[1]) for row in parsed["Intake by channel"]} == {c.label: c.count for c in report.channels}
    assert sum(int(row[2]) for row in parsed["Trend by week"]) == report.overall.opened


def test_the_collaborative_page_and_a_bad_range(client: Client, world: dict[str, Any]) -> None:  # noqa: F811
    page = client.get("/reports/operations/", QUERY)
    assert page.status_code == 200
    assert "<p>All member cities</p>" in page.content.decode()
    assert "of the collaborative" not in page.content.decode()
    bad = client.get("/reports/operations/", {"from": "2024-03-14", "to": "2024-03-01"})
    assert bad.status_code == 400 and "The end date comes before the start date." in bad.content.decode()
    assert client.get("/reports/operations.csv", {"from": "2024-13-01", "to": "2024-03-01"}).status_code == 400


def test_the_overdue_list_is_for_the_citys_staff_only(
    client: Client,
    world: dict[str, Any],  # noqa: F811
    cities: dict[str, Any],
    make_staff: Callable[..., User],
) -> None:
    url = f"/{world['city'].slug}/reports/overdue/"
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(make_staff(cities["raytown"], Role.SUPERVISOR))
    assert client.get(url).status_code == 403
    client.force_login(make_staff(world["city"], Role.WORKER))
    with clock.frozen_at(NOW):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    overdue = [c for c in world["cases"] if c.is_open and c.due_at and c.due_at < NOW]
    assert overdue and all(c.reference in page for c in overdue)
