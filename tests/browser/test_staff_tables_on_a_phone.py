"""The staff's own tables on a 360-px phone and a 1280-px desk, in English and Spanish: the
shared-service agreements (as client, as provider, proposed and active, long department and
type names), the counts under an agreement, the transfers waiting for a city, a case page
whose answer is a long link, a city's setup checklist in the admin (a long email address), and
the open-data page's list of files (each with its SHA-256).
On a phone no page is wider than the screen, an agreement and a transfer waiting are each a
card with its buttons in view, and a table that still needs its columns scrolls in its own
labelled, focusable region; on a desk they are tables with their column headers. Screenshots
in test-artifacts/screenshots/ (staff-table-…-360, staff-table-…-1280)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.cases.services import case_create
from civicdesk.cases.transfers import case_transfer
from civicdesk.catalog.models import ServiceAttribute
from civicdesk.catalog.services import agreement_accept, agreement_propose
from civicdesk.core import clock
from civicdesk.opendata.services import open_data_export_all
from tests.browser.conftest import DESKTOP, PASSWORD, open_page, screenshot, sign_in
from tests.browser.test_resident_tables_on_a_phone import WIDE
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}

# How the page's first table is laid out: its display and whether its column headers show as
# a row or are kept for screen readers only (a 1-px box).
LAYOUT = """selector => {
  const table = document.querySelector(selector), head = table && table.querySelector('thead');
  if (!head) return ['no such table'];
  return [getComputedStyle(table).display, head.getBoundingClientRect().height > 2 ? getComputedStyle(head).display : 'hidden'];
}"""

# Each button or box of the page's tables that is not wholly on the screen.
CUT_CONTROLS = """() => [...document.querySelectorAll('main table button, main table input')]
  .filter(c => { const r = c.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; })
  .map(c => c.outerHTML.slice(0, 80))"""

# Each table region that scrolls sideways but is not labelled or not reached with the keyboard.
UNLABELLED_REGIONS = """() => [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth)
  .filter(w => w.getAttribute('role') !== 'region' || w.tabIndex !== 0
    || !(w.getAttribute('aria-label') || document.getElementById(w.getAttribute('aria-labelledby') || '')))
  .map(w => w.outerHTML.slice(0, 80))"""


@pytest.fixture
def staff_tables(cities: Any, make_department: Any, make_service_type: Any, make_staff: Any) -> dict[str, str]:
    """Two potholes Independence asks Raytown to take (one with a long reason); Blue Springs'
    shelter working four of Independence's animal types (active, with a billing note and cases)
    and two agreements proposed, one each way; a case whose answer is a long link; an operator."""
    independence, raytown, blue_springs = cities["independence"], cities["raytown"], cities["blue-springs"]
    admins = {
        city.slug: make_staff(city, Role.CITY_ADMIN, username=f"admin-{city.slug}")
        for city in (independence, raytown, blue_springs)
    }
    User.objects.create_superuser(username="operator", email="ops@example.org", password=PASSWORD)
    pothole = make_service_type(independence, "street-pothole", name="Street Maintenance - Pothole or Sinkhole")
    make_service_type(raytown, "street-pothole", name="Pothole")
    lat, lng = INSIDE["independence"]
    for reason in (
        "This stretch of Noland Road south of the bridge is maintained by Raytown Public Works.",
        "Raytown's road.",
    ):
        case = case_create(service_type=pothole, lat=lat, lng=lng, description="Hole at the city line")
        case_transfer(case=case, actor=admins["independence"], to_city=raytown, reason=reason)
    shelter = make_department(blue_springs, "CD-NEIGHBORHOOD SERVICES - Regional Animal Shelter")
    animals = [
        make_service_type(independence, f"animal-{i}", name=name)
        for i, name in enumerate(
            ["Stray or loose animal", "Animal bite or attack", "Dead animal in the roadway", "Barking dog complaint"]
        )
    ]
    active = agreement_propose(
        actor=admins["independence"],
        provider_department=shelter,
        service_types=animals,
        starts_on=clock.now().date() - dt.timedelta(days=30),
        billing_note="$40 per case, invoiced quarterly to the Independence Police Department",
    )
    agreement_accept(agreement=active, actor=admins["blue-springs"])
    for animal in animals:
        case_create(service_type=animal, lat=lat, lng=lng, description="A loose dog")
    agreement_propose(
        actor=admins["independence"],
        provider_department=make_department(raytown, "Raytown Animal Control and Code Enforcement"),
        service_types=[make_service_type(independence, "dead-animal", name="Dead animal on private property")],
        starts_on=clock.now().date() + dt.timedelta(days=10),
    )
    agreement_propose(
        actor=admins["raytown"],
        provider_department=make_department(independence, "Independence Street Maintenance Division"),
        service_types=[make_service_type(raytown, "sweep", name="Street sweeping request")],
        starts_on=clock.now().date() + dt.timedelta(days=3),
    )
    ServiceAttribute.objects.create(
        service_type=pothole, code="link", datatype="string", question="A link to a photo or a map", order=1
    )
    linked = case_create(
        service_type=pothole,
        lat=lat,
        lng=lng,
        description="Deep hole in the right lane",
        attributes={"link": "https://maps.example.org/place/12526-E-Woodbury-Drive-Northeast/@39.0911,-94.4155,17z"},
    )
    open_data_export_all(cities=[independence])
    return {
        "billing": f"/console/agreements/{active.pk}/billing/",
        "case": f"/console/cases/independence/{linked.number}/",
        "setup": f"/admin/tenants/city/{independence.pk}/setup/",
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_staff_tables_fit_a_phone_as_cards_and_stay_tables_on_a_desk(
    new_context: Any, staff_tables: dict[str, str], language: str
) -> None:
    found: list[str] = []
    for size, viewport in (("360", PHONE_360), ("1280", DESKTOP)):
        cards = ["block", "hidden"] if size == "360" else ["table", "table-header-group"]
        for username, pages in [
            ("admin-raytown", [("transfers-incoming", "/console/transfers/", "table.transfers")]),
            (
                "admin-independence",
                [
                    ("agreements-client", "/console/agreements/", "table.agreements"),
                    ("agreement-billing", staff_tables["billing"], None),
                    ("case", staff_tables["case"], None),
                ],
            ),
            ("admin-blue-springs", [("agreements-provider", "/console/agreements/", "table.agreements")]),
            ("operator", [("setup", staff_tables["setup"], "#setup-steps")]),
            # Not the staff's, but the widest table a resident meets (each file's SHA-256).
            (None, [("open-data", "/independence/open-data/", None)]),
        ]:
            context = new_context(viewport=viewport, extra_http_headers={"Accept-Language": language})
            page = open_page(context)
            if username == "operator":
                page.goto(f"/admin/login/?next={staff_tables['setup']}")
                page.fill("#id_username", username)
                page.fill("#id_password", PASSWORD)
                with page.expect_navigation():
                    page.click("input[type=submit]")
            elif username:
                page.goto("/console/login/")
                sign_in(page, username)
            for name, url, table in pages:
                response = page.goto(url)
                assert response is not None and response.status == 200, (url, response and response.status)
                page.wait_for_load_state("networkidle")
                screenshot(page, f"staff-table-{name}-{language}-{size}")
                where = f"{name} ({language}, {size})"
                # The admin has no <main>: its tables are read from the whole page.
                wide = WIDE.replace("'main table'", "'table'") if name == "setup" else WIDE
                found += [f"{where}: {problem}" for problem in page.evaluate(wide)]
                scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
                if scroll_width > viewport["width"]:
                    found.append(f"{where}: the page scrolls sideways ({scroll_width}px)")
                found += [f"{where}: cut off: {control}" for control in page.evaluate(CUT_CONTROLS)]
                found += [f"{where}: unlabelled region {r}" for r in page.evaluate(UNLABELLED_REGIONS)]
                if table and (layout := page.evaluate(LAYOUT, table)) != cards:
                    found.append(f"{where}: {table} is laid out as {layout}")
            assert page.errors == []
    assert found == [], "\n".join(found)
