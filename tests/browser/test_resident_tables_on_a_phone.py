"""Every table a resident meets, read on a 360-px phone without swiping sideways: neither the
page nor any table (nor the box around it) is wider than the screen, and in the lists of
reports each report's status and date are in view. On a desk the lists stay real tables
(column headers, one row a report). English and Spanish (longer words). Screenshots in
test-artifacts/screenshots/ (phone-table-…-360, phone-table-…-1280)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_create
from civicdesk.core import clock
from civicdesk.tenants.models import City
from tests.browser.conftest import DESKTOP, open_page, screenshot
from tests.browser.test_accessibility_more import performance  # noqa: F401  (the same plan and cases)
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}

# Each table of the page (and the box it scrolls in, if any) that is wider than what shows it,
# and how far the page itself runs past the screen.
WIDE = """() => {
  const found = [];
  const page = document.scrollingElement;
  if (page.scrollWidth > page.clientWidth) found.push(`the page: ${page.scrollWidth}px in ${page.clientWidth}px`);
  document.querySelectorAll('main table').forEach((table, i) => {
    const name = (table.id || table.querySelector('caption')?.innerText || table.closest('section, div')?.id || `table ${i + 1}`).trim().slice(0, 40);
    if (table.scrollWidth > table.clientWidth + 1) found.push(`${name}: ${table.scrollWidth}px in ${table.clientWidth}px`);
    if (table.getBoundingClientRect().right > window.innerWidth + 1) found.push(`${name}: ends at ${Math.round(table.getBoundingClientRect().right)}px`);
    const wrap = table.closest('.table-wrap');
    if (wrap && wrap.scrollWidth > wrap.clientWidth) found.push(`${name}: scrolls sideways (${wrap.scrollWidth}px in ${wrap.clientWidth}px)`);
  });
  return found;
}"""

# Each report row of the lists: whether its status and its date are on the screen, wholly.
ROWS = """() => [...document.querySelectorAll('table.reports tbody tr')].map(tr => {
  const shown = cell => {
    if (!cell || !cell.innerText.trim()) return false;
    const r = cell.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth && getComputedStyle(cell).visibility !== 'hidden';
  };
  return [tr.querySelector('td.ref')?.innerText, shown(tr.querySelector('td.status')), shown(tr.querySelector('td.when'))];
})"""


# How the list of reports is laid out: the table's display, and whether its headers are shown
# as a row ("table-header-group") or kept for screen readers only (a 1-px box).
LAYOUT = """() => {
  const table = document.querySelector('table.reports'), head = table.querySelector('thead');
  return [getComputedStyle(table).display, head.getBoundingClientRect().height > 2 ? getComputedStyle(head).display : 'block'];
}"""


@pytest.fixture
def reports(performance: Any, cities: Any, make_department: Any, make_service_type: Any) -> dict[str, str]:  # noqa: F811
    """Independence's reports with long type names, long addresses and four-digit numbers,
    some in progress; one the tracking page shows."""
    independence = cities["independence"]
    City.objects.filter(pk=independence.pk).update(next_case_number=3458)
    lat, lng = INSIDE["independence"]
    names = [
        "Compliment or complaint about a city service",
        "Lighting Issue at City Facilities and Parking Lots",
        "Missed trash or recycling pickup",
    ]
    made = []
    for i, name in enumerate(names * 2):
        case = case_create(
            service_type=make_service_type(
                independence, f"long-{i}", name=name, department=make_department(independence, f"Dept {i}")
            ),
            description="Something to see to",
            lat=lat,
            lng=lng,
            reporter_email="rita@example.org",
            opened_at=clock.now() - dt.timedelta(days=i),
        )
        ServiceRequest.objects.filter(pk=case.pk).update(
            address=f"{12526 + i} E Woodbury Drive Northeast", status="in_progress" if i % 2 else "new"
        )
        made.append(case)
    street = performance["street"]
    return {
        "city": "/independence/",
        "browse": "/independence/requests/",
        "track": f"/track/{made[0].tracking_token}/",
        "case": f"/independence/requests/{made[0].number}/",
        "dashboard": "/independence/performance/",
        "measure-cases": f"/independence/performance/measures/{street.pk}/2018-q1/cases/",
        "compare": "/performance/compare/?period=2017-q3",
        "compare-cases": "/performance/compare/potholes-median-days/raytown/2017-q3/cases/",
        "service-request-report": "/independence/reports/service-requests/",
        # The collaborative's adds its requests per city ("Ciudad", "Solicitudes", "Proporción").
        "collaborative-report": "/reports/service-requests/",
        "operations": "/independence/reports/operations/",
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_resident_table_reads_on_a_phone_without_sideways_scrolling(
    new_context: Any, reports: dict[str, str], language: str
) -> None:
    found: list[str] = []
    for size, viewport in (("360", PHONE_360), ("1280", DESKTOP)):
        context = new_context(viewport=viewport, extra_http_headers={"Accept-Language": language})
        page = open_page(context)
        for name, url in reports.items():
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response and response.status)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"phone-table-{name}-{language}-{size}")
            found += [f"{name} ({language}, {size}): {problem}" for problem in page.evaluate(WIDE)]
            if name == "operations" and language == "es":
                # "Change" is the difference from the previous period there ("Cambio"), not the
                # language switcher's button ("Cambiar"): the card reads "Cambio: +6".
                labels = page.eval_on_selector_all(
                    "#comparison td[data-label]", "cells => cells.map(c => c.dataset.label)"
                )
                assert "Cambio" in labels and "Cambiar" not in labels, labels
            if name in ("city", "browse"):
                # On a desk, a table with its column headers; on a phone, cards.
                layout = page.evaluate(LAYOUT)
                if layout != (["table", "table-header-group"] if size == "1280" else ["block", "block"]):
                    found.append(f"{name} ({language}, {size}): the list is laid out as {layout}")
                rows = page.evaluate(ROWS)
                if len(rows) < 5:
                    found.append(f"{name} ({language}, {size}): {len(rows)} reports listed")
                found += [
                    f"{name} ({language}, {size}): {ref} hides its status or date"
                    for ref, *seen in rows
                    if not all(seen)
                ]
        assert page.errors == []
    assert found == [], "\n".join(found)
