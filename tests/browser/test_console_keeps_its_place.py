"""A supervisor on the second page of *Likely late* opens a case, and the case page's "Back to
Likely late · page 2" leads back to that page, its address saying so; at a desk (1280 px) and
on a phone (360 px). And the way back to a filtered case list names its dates and its page
("Back to My department · Pothole · New · opened Nov 1–15 · page 3") within a 360 px screen,
in English and in Spanish. Screenshots in test-artifacts/screenshots/ (kept-place-…)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.catalog.models import ServiceType
from civicdesk.console.common import case_url
from civicdesk.expected import selectors
from civicdesk.tenants.models import City, District
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot, sign_in
from tests.expected.helpers import grow_backlog, insert_cases, trained_city

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _no_cached_models() -> Iterator[None]:
    selectors.forget_models()  # the live server's thread shares this process's loaded models
    yield
    selectors.forget_models()


def _refs(page: Any) -> list[str]:
    return page.locator("table.cases > tbody td.ref a").all_inner_texts()


def _fits(page: Any, width: int) -> bool:
    """Nothing wider than the screen: no sideways scrolling."""
    return bool(page.evaluate(f"document.scrollingElement.scrollWidth <= {width}"))


LIKELY_LATE_WORDS = {
    "en": ("← Back to Likely late · page\u00a02", "Likely late"),
    "es": ("← Volver a Probablemente tarde · página\u00a02", "Probablemente tarde"),
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_360], ids=["1280", "360"])
def test_a_case_opened_from_likely_late_goes_back_to_its_page(
    new_context: Callable[..., Any],
    site: str,
    independence: City,
    make_service_type: Callable[..., ServiceType],
    make_staff: Any,
    viewport: dict[str, int],
    language: str,
) -> None:
    width = viewport["width"]
    back_words, menu_words = LIKELY_LATE_WORDS[language]
    trained = trained_city(independence, make_service_type, now=timezone.now())
    grow_backlog(trained["pothole"], now=timezone.now(), count=60)
    make_staff(independence, Role.SUPERVISOR, username="sue")
    page = open_page(new_context(viewport=viewport, locale=language, extra_http_headers={"Accept-Language": language}))
    page.goto("/console/likely-late/")
    sign_in(page, "sue")
    page.wait_for_url("**/console/likely-late/")
    with page.expect_navigation():
        page.locator("nav.pager a[rel=next]").click()
    page.wait_for_url("**/console/likely-late/?page=2")
    second = _refs(page)
    assert second

    with page.expect_navigation():
        page.locator("table.cases td.ref a", has_text=second[0]).click()
    back = page.locator("p.back-to-list a")
    assert back.inner_text() == back_words
    assert back.bounding_box()["y"] < page.locator("main h1").bounding_box()["y"]
    assert _fits(page, width)
    screenshot(page, f"kept-place-likely-late-case-{language}-{width}")
    assert axe_violations(page) == []

    with page.expect_navigation():
        back.click()
    # The bare address opens the page kept; the address bar then says it (console.js).
    page.wait_for_url("**/console/likely-late/?page=2")
    assert _refs(page) == second
    screenshot(page, f"kept-place-likely-late-back-{language}-{width}")

    # "Likely late" in the menu opens it there too.
    page.goto("/console/")
    toggle = page.locator("button.menu-toggle")
    if toggle.is_visible():
        toggle.click()
    with page.expect_navigation():
        page.locator("#console-nav a", has_text=menu_words).click()
    page.wait_for_url("**/console/likely-late/?page=2")
    assert _refs(page) == second
    assert page.errors == []


def test_the_way_back_names_the_dates_and_the_page_within_a_phones_screen(
    new_context: Callable[..., Any],
    site: str,
    independence: City,
    make_department: Any,
    make_service_type: Callable[..., ServiceType],
    make_staff: Any,
) -> None:
    streets = make_department(independence, "Public Works - Streets", email="streets@independence.test")
    pothole = make_service_type(independence, "pothole", name="Pothole", group="Streets", department=streets)
    make_staff(independence, Role.SUPERVISOR, username="sue", department=streets)
    # 60 potholes opened from 1 to 13 November of this year, on the city's clock: three pages.
    year = timezone.now().astimezone(independence.tz).year
    first = dt.datetime(year, 11, 1, 12, 0, tzinfo=independence.tz)
    insert_cases(pothole, [first + dt.timedelta(hours=5 * n) for n in range(60)], [None] * 60)
    listed = (
        f"/console/?queue=department&service_type={pothole.pk}&status=new"
        f"&opened_from={year}-11-01&opened_to={year}-11-15&page=3"
    )
    said = {
        "en": "← Back to My department · Pothole · New · opened Nov 1–15 · page\u00a03",
        "es": "← Volver a Mi departamento · Pothole · Nuevo · abiertos 1–15 nov · página\u00a03",
    }
    for language in ("en", "es"):
        for viewport in (PHONE_360, DESKTOP):
            width = viewport["width"]
            page = open_page(
                new_context(viewport=viewport, locale=language, extra_http_headers={"Accept-Language": language})
            )
            page.goto(listed)
            sign_in(page, "sue")
            page.wait_for_url(re.compile(r"page=3$"))
            refs = _refs(page)
            assert len(refs) == 10
            with page.expect_navigation():
                page.locator("table.cases td.ref a", has_text=refs[0]).click()
            back = page.locator("p.back-to-list a")
            assert back.inner_text() == said[language]
            box = back.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            # At most two lines on a phone, one at a desk.
            line = float(back.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)"))
            assert box["height"] <= line * (2 if width < 640 else 1) + 1
            assert _fits(page, width)
            screenshot(page, f"kept-place-back-link-{language}-{width}")
            with page.expect_navigation():
                back.click()
            page.wait_for_url(re.compile(r"page=3$"))
            assert _refs(page) == refs
            assert page.errors == []


def test_a_long_district_name_and_search_are_shortened_to_two_lines_on_a_phone(
    new_context: Callable[..., Any],
    site: str,
    independence: City,
    make_department: Any,
    make_service_type: Callable[..., ServiceType],
    make_staff: Any,
) -> None:
    streets = make_department(independence, "Public Works - Streets", email="streets@independence.test")
    pothole = make_service_type(independence, "pothole", name="Pothole", group="Streets", department=streets)
    make_staff(independence, Role.SUPERVISOR, username="sue", department=streets)
    district = District.objects.filter(city=independence, retired_on__isnull=True).order_by("pk").first()
    if district is None:
        district = District.objects.create(city=independence, name="Ward", number=None, boundary=independence.boundary)
    district.name = "Northeast Historic Neighborhoods and the Truman Road Corridor"
    district.save(update_fields=["name"])
    year = timezone.now().astimezone(independence.tz).year
    [case] = insert_cases(pothole, [dt.datetime(year, 1, 5, 12, 0, tzinfo=independence.tz)], [None])
    search = "pothole in front of the blue house near the corner of Truman and Noland"
    listed = (
        f"/console/?queue=department&district={district.pk}&q={search.replace(' ', '+')}"
        f"&opened_from={year}-01-01&opened_to={year}-01-31"
    )
    for language in ("en", "es"):
        for viewport in (PHONE_360, DESKTOP):
            width = viewport["width"]
            page = open_page(
                new_context(viewport=viewport, locale=language, extra_http_headers={"Accept-Language": language})
            )
            page.goto(listed)
            sign_in(page, "sue")
            page.wait_for_url(re.compile(r"opened_to="))
            page.goto(case_url(case))
            back = page.locator("p.back-to-list a")
            shown = back.inner_text()
            assert "…" in shown and search not in shown and district.name not in shown, shown
            # The words in full are its title and its accessible name.
            whole = back.get_attribute("title") or ""
            assert search in whole and district.name in whole
            expect(back).to_have_accessible_name(whole)
            box = back.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            line = float(back.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)"))
            assert box["height"] <= line * 2 + 1, (language, width, shown)
            assert _fits(page, width)
            screenshot(page, f"kept-place-back-link-long-{language}-{width}")
            assert axe_violations(page) == []
            assert page.errors == []
