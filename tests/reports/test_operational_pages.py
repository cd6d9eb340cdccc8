"""The operational report's pages: public figures (page and CSV), and the overdue list,
which shows addresses, for the city's staff only."""

from __future__ import annotations

import base64
import csv
import io
import re
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


def row_heads(page: str, table: str) -> list[str]:
    start = page.index(f'id="{table}"')
    return re.findall(r'<th scope="row">(.*?)</th>', page[start : page.index("</table>", start)])


def chart_words(page: str, n: int) -> list[str]:
    uri = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page)[n]
    return re.findall(r">([^<>]+)<", base64.b64decode(uri).decode())


def test_partial_weeks_and_months_are_marked_in_the_tables_and_the_charts_in_either_language(
    client: Client,
    world: dict[str, Any],  # noqa: F811
) -> None:
    url = f"/{world['city'].slug}/reports/operations/"
    with clock.frozen_at(NOW):
        page = client.get(url, QUERY).content.decode()  # Friday March 1st to Thursday March 14th
        spanish = client.get(url, QUERY, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert row_heads(page, "weekly") == [
        "3/1/2024 – 3/3/2024 (partial week)",
        "3/4/2024 – 3/10/2024",
        "3/11/2024 – 3/14/2024 (partial week)",
    ]
    assert row_heads(page, "monthly") == ["March 2024 (3/1 – 3/14, partial month)"]
    assert "* Partial week: the report's period holds only some of its days." in page
    assert "* Partial month: the report's period holds only some of its days." in page
    weekly, monthly = chart_words(page, -2), chart_words(page, -1)
    assert {"03/01*", "03/04", "03/11*"} <= set(weekly) and "2024-03*" in monthly
    assert row_heads(spanish, "weekly")[0] == "1 mar 2024 – 3 mar 2024 (semana incompleta)"
    assert row_heads(spanish, "monthly") == ["marzo de 2024 (1 mar – 14 mar, mes incompleto)"]
    assert "* Semana incompleta: el período del informe abarca solo algunos de sus días." in spanish
    # The note under the title says how times to close are written: exactly, not in whole days.
    assert "from a day up in days (a case closed after 2 days and 20 hours took 2.8 days)." in page
    assert "desde un día en adelante en días (un caso cerrado después de 2 días y 20 horas tardó 2.8 días)." in spanish
    assert "whole days" not in page


def test_by_default_the_report_starts_on_a_monday_and_marks_the_week_still_running(
    client: Client,
    world: dict[str, Any],  # noqa: F811
) -> None:
    with clock.frozen_at(NOW):  # Thursday March 14th, 2024
        page = client.get(f"/{world['city'].slug}/reports/operations/").content.decode()
    assert 'value="2024-02-19"' in page and 'value="2024-03-14"' in page  # Monday February 19th
    weeks = row_heads(page, "weekly")
    assert weeks[0] == "2/19/2024 – 2/25/2024" and len(weeks) == 4
    assert weeks[-1] == "3/11/2024 – 3/14/2024 (partial week)"
    assert [w for w in weeks if "partial" in w] == [weeks[-1]]
    # Both months are partial: February from the 19th, March to the 14th.
    assert row_heads(page, "monthly") == [
        "February 2024 (2/19 – 2/29, partial month)",
        "March 2024 (3/1 – 3/14, partial month)",
    ]


def test_the_csv_reads_back_to_the_reports_figures(client: Client, world: dict[str, Any]) -> None:  # noqa: F811
    with clock.frozen_at(NOW):
        response = client.get(f"/{world['city'].slug}/reports/operations.csv", QUERY)
        report = operational_report(city=world["city"], date_from=FROM, date_to=TO)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    parsed = sections(response.content.decode())
    by_type = {row[0]: row[1:] for row in parsed["Time to close by type"]}
    for r in report.by_type:
        assert by_type[r.label][:2] == [str(r.opened), str(r.closed)]
        median = r.median_days
        # Days to a thousandth under a day (0.208 is 5 hours), else to a hundredth.
        assert by_type[r.label][2] == ("" if median is None else f"{median:.3f}" if median < 1 else f"{median:.2f}")
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


def test_a_time_to_close_chart_cut_to_its_largest_rows_says_so_and_the_table_keeps_them_all(
    world: dict[str, Any],  # noqa: F811
) -> None:
    import dataclasses

    from civicdesk.reports import operational_exports
    from civicdesk.reports.operational import CloseRow

    with clock.frozen_at(NOW):
        report = operational_report(city=world["city"], date_from=FROM, date_to=TO)
    many = [CloseRow(f"Type {n:02d}", 50 - n, 40 - n, 2.0 + n, 5.0 + n, 1, 2) for n in range(40)]
    tables = operational_exports.report_context(dataclasses.replace(report, by_type=many))["tables"]
    by_type = next(t for t in tables if t["id"] == "by-type")
    svg = base64.b64decode(by_type["chart"].wide.split(",", 1)[1]).decode()
    assert "Type 24" in svg and "Type 25" not in svg  # the 25 with the most cases closed
    assert len(by_type["rows"]) == 40
    assert by_type["note"] == (
        "The chart shows the 25 types with the most cases closed in the period; the table lists all 40 types."
    )
    assert "25 types with the most cases closed" in by_type["alt"] and "same figures" not in by_type["alt"]
    few = next(t for t in operational_exports.report_context(report)["tables"] if t["id"] == "by-type")
    assert few["note"] == "" and few["alt"].endswith("the same figures are in the table.")
