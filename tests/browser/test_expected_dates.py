"""Expected dates in the browser: the resident's tracking page on a 360-pixel phone (an
estimate, and the target where a type has no history), the console's case page and its
Likely late queue, at 360 and 1280 pixels. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_create
from civicdesk.catalog.models import ServiceType
from civicdesk.expected import selectors
from civicdesk.tenants.models import City
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot, sign_in
from tests.conftest import INSIDE
from tests.expected.helpers import grow_backlog, trained_city

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 360, "height": 780}


@pytest.fixture(autouse=True)
def _no_cached_models() -> Iterator[None]:
    selectors.forget_models()  # the live server's thread shares this process's loaded models
    yield
    selectors.forget_models()


@pytest.fixture
def city_with_history(site: str, independence: City, make_service_type: Callable[..., ServiceType]) -> dict[str, Any]:
    return trained_city(independence, make_service_type, now=timezone.now())


def _report(service_type: ServiceType, **kw: Any) -> ServiceRequest:
    lat, lng = INSIDE["independence"]
    return case_create(
        service_type=service_type,
        lat=lat,
        lng=lng,
        description="Big oak across the lane",
        reporter_email="o@example.org",
        **kw,
    )


def _fits(page: Any, width: int) -> bool:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    return bool(page.evaluate(f"document.scrollingElement.scrollWidth <= {width}"))


def test_the_tracking_page_says_when_in_plain_words_on_a_phone(
    new_context: Callable[..., Any], independence: City, city_with_history: dict[str, Any], make_service_type: Any
) -> None:
    estimated = _report(city_with_history["tree"], language="en")
    graffiti = make_service_type(independence, "graffiti", name="Graffiti", target_days=7)
    new_type = _report(graffiti, language="en")

    for width, viewport in ((360, NARROW), (1280, DESKTOP)):
        page = open_page(new_context(viewport=viewport))
        page.goto(f"/track/{estimated.tracking_token}/")
        words = page.inner_text("dd.expected")
        assert re.fullmatch(r"Usually within \d+ days?; 8 in 10 are closed by \w+day, \w+ \d{1,2}\.", words), words
        assert page.is_visible("dd.expected") and _fits(page, width)
        screenshot(page, f"expected-tracking-{width}")
        assert axe_violations(page) == []

        page.goto(f"/track/{new_type.tracking_token}/")
        words = page.inner_text("dd.expected")
        assert re.fullmatch(
            r"We aim to deal with it by \w+day, \w+ \d{1,2}, \d{4}, the target for this type "
            r"\(not enough history yet to estimate\)\.",
            words,
        ), words
        assert _fits(page, width)
        screenshot(page, f"expected-tracking-fallback-{width}")
        assert page.errors == []

    spanish = open_page(new_context(viewport=NARROW, locale="es-US", extra_http_headers={"Accept-Language": "es"}))
    spanish.goto(f"/track/{estimated.tracking_token}/")
    words = spanish.inner_text("dd.expected")
    assert words.startswith("Normalmente en un plazo de ") and "8 de cada 10 se cierran a más tardar el" in words
    screenshot(spanish, "expected-tracking-es-360")


def test_the_console_shows_the_dates_the_chance_and_the_likely_late_queue(
    new_context: Callable[..., Any], independence: City, city_with_history: dict[str, Any], make_staff: Any
) -> None:
    make_staff(independence, Role.SUPERVISOR, username="sue")
    backlog = grow_backlog(city_with_history["pothole"], now=timezone.now(), count=60)
    last = backlog[-1]
    department = city_with_history["pothole"].department.name

    for width, viewport in ((1280, DESKTOP), (360, NARROW)):
        page = open_page(new_context(viewport=viewport))
        page.goto("/console/likely-late/")
        sign_in(page, "sue")
        page.wait_for_url("**/console/likely-late/")
        assert page.is_visible("table.likely-late")
        shown = [float(p) for p in page.eval_on_selector_all("td[data-p-late]", "els => els.map(e => e.dataset.pLate)")]
        assert shown and shown == sorted(shown, reverse=True) and all(p > 0.5 for p in shown)
        screenshot(page, f"expected-likely-late-{width}")

        page.goto(f"/console/cases/{independence.slug}/{last.number}/")
        cell = page.inner_text("tr.expected td")
        # Dated as the due date beside it is ("Median Dec. 16, 2026; 8 in 10 by Dec. 22, 2026").
        short = r"[A-Z][a-z]{2,3}\.? \d{1,2}, \d{4}"
        assert re.search(rf"Median {short}; 8 in 10 by {short}", cell), cell
        assert re.search(r"\d+% chance of missing the due date", cell), cell
        assert f"Backlog in {department} is" in page.inner_text("ul.factors")
        screenshot(page, f"expected-console-case-{width}")
        assert axe_violations(page) == []
        assert page.errors == []
