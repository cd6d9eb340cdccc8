"""WCAG 1.4.10 Reflow: at 320 CSS px (400 % zoom on a 1280-px screen) no page of the console,
the staff overdue report, the performance dashboard or the regional comparison scrolls
sideways, in English and in Spanish (longer words). A table that needs its columns scrolls
inside its own region, which is labelled and reached with the keyboard; nothing else may be
wider than the screen. Screenshots in test-artifacts/screenshots/ (reflow-…-320)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_create
from civicdesk.core import clock
from tests.browser.conftest import open_page, screenshot, sign_in
from tests.browser.test_accessibility_more import performance  # noqa: F401  (the same plan and cases)
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREEN_320 = {"width": 320, "height": 640}

# How far the page runs past the screen, what sticks out (outside a table's own region), and
# each scrolling table region that is not labelled or not focusable.
REFLOW = """() => {
  const page = document.scrollingElement, width = innerWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrap, .map, .visually-hidden, .leaflet-container'))
    .slice(0, 3).map(e => e.outerHTML.slice(0, 90));
  const regions = [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth)
    .filter(w => w.getAttribute('role') !== 'region' || w.tabIndex !== 0
      || !(w.getAttribute('aria-label') || document.getElementById(w.getAttribute('aria-labelledby') || '')))
    .map(w => 'a table scrolls in an unlabelled or unfocusable box: ' + w.outerHTML.slice(0, 90));
  return {scrollWidth: page.scrollWidth, clientWidth: page.clientWidth, wide, regions};
}"""


@pytest.fixture
def console_pages(
    performance: Any,  # noqa: F811
    cities: Any,
    make_department: Any,
    make_service_type: Any,
    make_staff: Any,
) -> dict[str, str]:
    """Independence cases with long names, addresses and emails, some overdue; Sam, a
    supervisor, and Regina, the regional administrator."""
    independence = cities["independence"]
    neighborhood = make_department(independence, "CD-NEIGHBORHOOD SERVICES")
    make_staff(
        independence,
        Role.SUPERVISOR,
        department=neighborhood,
        username="sam",
        first_name="Samantha",
        last_name="Villanueva-Rodriguez",
    )
    make_staff(None, Role.REGIONAL_ADMIN, username="regina")
    kind = make_service_type(
        independence,
        "ce-lighting",
        name="Lighting Issue at City Facilities and Parking Lots",
        department=neighborhood,
        target_days=3,
    )
    lat, lng = INSIDE["independence"]
    made = []
    for days in (1, 6, 20):
        case = case_create(
            service_type=kind,
            description="The lights of the parking lot are out every night since the storm",
            lat=lat,
            lng=lng,
            reporter_name="Michael Garcia",
            reporter_email="michael.garcia48.with.a.long.address@example.org",
            opened_at=clock.now() - dt.timedelta(days=days),
        )
        ServiceRequest.objects.filter(pk=case.pk).update(address="12526 E Woodbury Drive Northeast")
        made.append(case)
    case = made[-1]
    return {
        "cases": "/console/?queue=all",
        "new": "/console/new/",
        "case": f"/console/cases/independence/{case.number}/",
        "place": f"/console/cases/independence/{case.number}/place/",
        "overdue": "/console/overdue/",
        "likely-late": "/console/likely-late/",
        "not-placed": "/console/not-placed/",
        "transfers": "/console/transfers/",
        "agreements": "/console/agreements/",
        "reports": "/console/reports/",
        "overdue-report": "/independence/reports/overdue/",
        "dashboard": "/independence/performance/",
        "compare": "/performance/compare/?period=2017-q3",
        "compare-latest": "/performance/compare/",
    }


def _problems(page: Any, name: str) -> list[str]:
    found = page.evaluate(REFLOW)
    problems = [f"{name}: {problem}" for problem in found["regions"]]
    if found["scrollWidth"] > found["clientWidth"]:
        problems.append(
            f"{name}: the page is {found['scrollWidth']}px wide on a {found['clientWidth']}px screen: {found['wide']}"
        )
    return problems


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_console_page_and_the_comparison_reflow_at_320_px(
    new_context: Any, console_pages: dict[str, str], language: str
) -> None:
    context = new_context(viewport=SCREEN_320, extra_http_headers={"Accept-Language": language})
    page = open_page(context)
    page.goto("/console/login/")
    found = _problems(page, "login")
    sign_in(page, "sam")
    for name, url in console_pages.items():
        response = page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"reflow-{name}-{language}-320")
        found += _problems(page, name)
    regional = open_page(new_context(viewport=SCREEN_320, extra_http_headers={"Accept-Language": language}))
    regional.goto("/console/login/")
    sign_in(regional, "regina")
    for name, url in (("region", "/console/region/"), ("regional-reports", "/console/reports/")):
        regional.goto(url)
        screenshot(regional, f"reflow-{name}-{language}-320")
        found += _problems(regional, name)
    assert found == [], "\n".join(found)
    assert page.errors == [] and regional.errors == []


def test_the_case_pages_columns_never_run_past_a_320_px_screen(new_context: Any, console_pages: dict[str, str]) -> None:
    """The case page and the new-case form: each column of the grid (details, map, the two
    fieldsets) ends inside the screen, so no text is cut at the right edge."""
    page = open_page(new_context(viewport=SCREEN_320))
    page.goto("/console/login/")
    sign_in(page, "sam")
    for url in (console_pages["case"], console_pages["new"]):
        page.goto(url)
        rights = page.eval_on_selector_all(".case-grid > *", "cells => cells.map(c => c.getBoundingClientRect().right)")
        assert rights and max(rights) <= 320, (url, rights)
