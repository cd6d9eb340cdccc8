"""On a desk (1280 pixels) and a tablet (640, 768, 820, 960 pixels) the console's Likely late
and Overdue queues and its case list write each date ("Dec. 7, 2026", "7 dic 2026") and each
status ("In progress", "En curso") on one line, in English and in Spanish, without the page or
the table scrolling sideways; on a 360-pixel phone the queues are still cards. Screenshots in
test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.expected import selectors
from civicdesk.tenants.models import City
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot, sign_in
from tests.expected.helpers import grow_backlog, insert_cases, trained_city

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 360, "height": 780}
PAGES = {"likely-late": "/console/likely-late/", "overdue": "/console/overdue/", "cases": "/console/"}

# Each date cell and status pill: how high its words stand, against the height of one of its
# lines. A Range's box holds the words' lines only (no padding or border): one line is under
# one and a half line-heights, two lines are over it.
_HEIGHTS = """els => els.map(el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const style = getComputedStyle(el);
  const line = style.lineHeight === "normal" ? 1.2 * parseFloat(style.fontSize) : parseFloat(style.lineHeight);
  return {text: el.innerText, height: range.getBoundingClientRect().height, line: line};
})"""


@pytest.fixture(autouse=True)
def _no_cached_models() -> Iterator[None]:
    selectors.forget_models()  # the live server's thread shares this process's loaded models
    yield
    selectors.forget_models()


@pytest.fixture
def queues(site: str, independence: City, make_service_type: Callable[..., Any], make_staff: Any) -> City:
    """A city with cases likely to be late and overdue cases, some of each in progress."""
    make_staff(independence, Role.SUPERVISOR, username="sue")
    types = trained_city(independence, make_service_type, now=timezone.now())
    # Names as long as a city's own: the columns beside the dates are pressed for room.
    for service_type in types.values():
        service_type.name = f"{service_type.name} in the street, the sidewalk or the alley behind"
        service_type.save(update_fields=["name"])
        service_type.department.name = "Department of Public Works and Street Maintenance Division"
        service_type.department.save(update_fields=["name"])
    backlog = grow_backlog(types["pothole"], now=timezone.now(), count=60)
    ServiceRequest.objects.filter(pk__in=[case.pk for case in backlog[::2]]).update(status=Status.IN_PROGRESS)
    # Tree work opened 40 to 69 days ago, past its 30-day target.
    overdue = insert_cases(types["tree"], [timezone.now() - dt.timedelta(days=40 + i) for i in range(30)], [None] * 30)
    ServiceRequest.objects.filter(pk__in=[case.pk for case in overdue[::2]]).update(status=Status.IN_PROGRESS)
    return independence


def _sign_in(new_context: Callable[..., Any], viewport: dict[str, int], language: str) -> Any:
    if language == "es":
        context = new_context(viewport=viewport, locale="es-US", extra_http_headers={"Accept-Language": "es"})
    else:
        context = new_context(viewport=viewport)
    page = open_page(context)
    page.goto("/console/likely-late/")
    sign_in(page, "sue")
    page.wait_for_url("**/console/likely-late/")
    return page


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_desk_reads_each_date_and_status_of_the_queues_on_one_line(
    new_context: Callable[..., Any], queues: City, language: str
) -> None:
    page = _sign_in(new_context, DESKTOP, language)
    in_progress = "En curso" if language == "es" else "In progress"
    for name, path in PAGES.items():
        page.goto(path)
        page.locator("table.cases tbody tr").first.wait_for()
        cells = page.eval_on_selector_all("table.cases td.day, table.cases .day, table.cases .status", _HEIGHTS)
        dates = page.locator("table.cases .day")
        assert dates.count() >= 10, name
        assert any(cell["text"] == in_progress for cell in cells), (name, [cell["text"] for cell in cells][:12])
        folded = [cell for cell in cells if cell["height"] > 1.5 * cell["line"]]
        assert cells and folded == [], (name, folded)
        # Kept on one line, the dates do not push the table past the page's width.
        assert page.eval_on_selector(".table-wrap", "el => el.scrollWidth <= el.clientWidth"), name
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= 1280"), name
        screenshot(page, f"queue-one-line-{name}-{language}-1280")
        assert axe_violations(page) == [], name
    assert page.errors == []


def test_on_a_phone_the_queues_are_still_cards(new_context: Callable[..., Any], queues: City) -> None:
    page = _sign_in(new_context, NARROW, "en")
    for name in ("likely-late", "overdue"):
        page.goto(PAGES[name])
        row = page.locator("table.cases tbody tr").first
        row.wait_for()
        # A card: its cells stand one under another, each after its column's name.
        assert page.eval_on_selector("table.cases tbody td.day", "el => getComputedStyle(el).display") == "block"
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= 360"), name
        screenshot(page, f"queue-one-line-{name}-en-360")
        assert axe_violations(page) == [], name
    assert page.errors == []


TABLET_WIDTHS = (640, 768, 820, 960)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_tablet_reads_each_date_and_status_of_the_queues_on_one_line(
    new_context: Callable[..., Any], queues: City, language: str
) -> None:
    page = _sign_in(new_context, {"width": 768, "height": 1024}, language)
    for width in TABLET_WIDTHS:
        page.set_viewport_size({"width": width, "height": 1024})
        for name, path in PAGES.items():
            page.goto(path)
            page.locator("table.cases tbody tr").first.wait_for()
            cells = page.eval_on_selector_all("table.cases td.day, table.cases .day, table.cases .status", _HEIGHTS)
            assert page.locator("table.cases .day").count() >= 10, (name, width)
            folded = [cell for cell in cells if cell["height"] > 1.5 * cell["line"]]
            assert cells and folded == [], (name, width, folded)
            # Without the page scrolling sideways, nor the table inside its box.
            assert page.eval_on_selector(".table-wrap", "el => el.scrollWidth <= el.clientWidth"), (name, width)
            assert page.evaluate(f"() => document.scrollingElement.scrollWidth <= {width}"), (name, width)
            screenshot(page, f"queue-one-line-{name}-{language}-{width}")
    assert page.errors == []
