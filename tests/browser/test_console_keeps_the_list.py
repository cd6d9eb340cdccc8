"""A supervisor at a desk (1280 px) and on a phone (360 px) filters the case list to potholes,
opens a case, and goes back to the list through the case page's "Back to …" (which names the
list) and through "Cases" in the menu: the same filtered list each time, its address saying
so. A queue changed there keeps the filters, by a desk's tab or a phone's "Queue" choice alike.
Screenshots in test-artifacts/screenshots/ (kept-list-…)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.services import case_create
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 740}


@pytest.fixture
def street_work(cities, make_department, make_service_type, make_staff) -> dict[str, Any]:
    """Independence's streets department: three potholes and two graffiti, none assigned, and
    Sue, its supervisor."""
    independence = cities["independence"]
    streets = make_department(independence, "Public Works - Streets", email="streets@independence.test")
    pothole = make_service_type(independence, "pothole", name="Pothole", group="Streets", department=streets)
    graffiti = make_service_type(independence, "graffiti", name="Graffiti", group="Streets", department=streets)
    make_staff(independence, Role.SUPERVISOR, username="sue", department=streets)
    lat, lng = INSIDE["independence"]
    potholes = [
        case_create(service_type=pothole, lat=lat, lng=lng, description=f"Pothole number {n}") for n in range(3)
    ]
    for n in range(2):
        case_create(service_type=graffiti, lat=lat, lng=lng, description=f"Paint number {n}")
    return {"pothole": pothole, "potholes": {case.reference for case in potholes}}


def _listed(page: Any) -> set[str]:
    return set(page.locator("table.cases > tbody td.ref a").all_inner_texts())


def _open_menu(page: Any) -> None:
    """On a phone the console's links fold behind "Menu" (menu.js)."""
    toggle = page.locator("button.menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_360], ids=["1280", "360"])
def test_filtering_opening_a_case_and_coming_back_shows_the_same_list(new_context, street_work, viewport) -> None:
    width = viewport["width"]
    page = open_page(new_context(viewport=viewport))
    page.goto("/console/login/")
    sign_in(page, "sue")
    assert len(_listed(page)) == 5  # My department: every open case of the streets

    with page.expect_response(re.compile(r"/console/\?.*service_type=")):
        page.select_option("#id_service_type", label="Pothole")
    page.wait_for_url(re.compile(r"service_type="))
    page.wait_for_function("() => document.querySelectorAll('table.cases > tbody td.ref a').length === 3")
    assert _listed(page) == street_work["potholes"]
    screenshot(page, f"kept-list-filtered-{width}")

    # A case opened, and the way back, which names the list.
    first = sorted(street_work["potholes"])[0]
    with page.expect_navigation():
        page.locator("table.cases td.ref a", has_text=first).click()
    back = page.locator("p.back-to-list a")
    assert back.is_visible()
    assert back.inner_text() == "← Back to My department · Pothole"
    # At the top: above the case's title, in the first screen.
    assert back.bounding_box()["y"] < page.locator("main h1").bounding_box()["y"]
    screenshot(page, f"kept-list-case-{width}")
    assert axe_violations(page) == []
    with page.expect_navigation():
        back.click()
    page.wait_for_url(re.compile(r"/console/\?queue=department&service_type="))
    assert page.locator("#id_service_type option:checked").inner_text() == "Pothole"
    assert _listed(page) == street_work["potholes"]
    screenshot(page, f"kept-list-back-{width}")

    # "Cases" in the menu leads back to it as well.
    with page.expect_navigation():
        page.locator("table.cases td.ref a", has_text=first).click()
    _open_menu(page)
    with page.expect_navigation():
        page.locator("#console-nav a", has_text="Cases").click()
    page.wait_for_url(re.compile(r"service_type="))
    assert _listed(page) == street_work["potholes"]

    # Another queue keeps the filters: the tab at a desk, the "Queue" choice on a phone.
    if width >= 1280:
        assert not page.locator("#queue-pick").is_visible()
        with page.expect_navigation():
            page.locator("#queue-tabs a", has_text="Unassigned").click()
    else:
        assert not page.locator("#queue-tabs").is_visible()
        with page.expect_response(re.compile(r"/console/\?.*queue=unassigned")):
            page.select_option("#queue-pick", "unassigned")
    page.wait_for_url(re.compile(r"queue=unassigned"))
    page.wait_for_function(
        "() => document.querySelector('#queue-tabs a[aria-current=page]').getAttribute('href').includes('unassigned')"
    )
    assert re.search(r"service_type=\d+", page.url)
    assert page.locator("#id_service_type option:checked").inner_text() == "Pothole"
    assert _listed(page) == street_work["potholes"]
    screenshot(page, f"kept-list-queue-{width}")

    # "Clear filters" drops them, and the list kept is then the unfiltered queue.
    with page.expect_navigation():
        page.locator("#clear-filters").click()
    assert len(_listed(page)) == 5
    _open_menu(page)
    with page.expect_navigation():
        page.locator("#console-nav a", has_text="Cases").click()
    page.wait_for_url(re.compile(r"/console/\?queue=unassigned$"))
    assert len(_listed(page)) == 5
    assert page.errors == []
