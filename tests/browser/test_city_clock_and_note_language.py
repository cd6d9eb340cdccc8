"""In Chromium: a storm drain reported at 11:30 p.m. in a member city on Mountain time reads
as reported that evening on the console's case page and list (desk and phone) and on the
tracking page, not half past midnight the next day (Central time); and the browser takes an
English note on the Spanish tracking page, and a Spanish description on the English console
page, to be in their own language (the language a screen reader speaks them in)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.core import clock
from tests.browser.conftest import DESKTOP, open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LATE_EVENING = dt.datetime(2026, 12, 9, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
ENGLISH_NOTE = "We cleared the leaves from the drain this morning."
SPANISH_DESCRIPTION = "El drenaje de la calle está tapado por las hojas desde el lunes."


def language_of(page: Any, text: str) -> str:
    """The language Chromium gives the element holding ``text``: its nearest ``lang``."""
    return str(
        page.evaluate(
            """(text) => {
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                    if (walker.currentNode.textContent.includes(text)) {
                        return walker.currentNode.parentElement.closest('[lang]').getAttribute('lang');
                    }
                }
                return null;
            }""",
            text,
        )
    )


def test_a_mountain_time_case_reads_on_its_citys_clock_with_its_notes_in_their_language(
    new_context: Any, site: str, raytown: Any, make_service_type: Any, make_staff: Any
) -> None:
    raytown.timezone = "America/Denver"
    raytown.save(update_fields=["timezone"])
    drain = make_service_type(raytown, "drain", name="Storm Drain", name_es="Drenaje pluvial", target_days=3)
    make_staff(raytown, Role.SUPERVISOR, department=drain.department, username="ray")
    boss = make_staff(raytown, Role.SUPERVISOR, department=drain.department)
    lat, lng = INSIDE["raytown"]
    with clock.frozen_at(LATE_EVENING):
        case = services.case_create(
            service_type=drain, lat=lat, lng=lng, description=SPANISH_DESCRIPTION, reporter_email="r@example.org"
        )
    with clock.frozen_at(LATE_EVENING + dt.timedelta(minutes=10)):
        services.case_add_note(case=case, actor=boss, text=ENGLISH_NOTE, public=True)

    for width, viewport in (("1280", DESKTOP), ("360", {"width": 360, "height": 800})):
        page = open_page(new_context(viewport=viewport, locale="en-US"))
        page.goto(f"{site}/console/login/")
        sign_in(page, "ray")
        page.goto(f"{site}/console/?queue=all")
        row = " ".join(page.locator(f"tr:has-text('{case.reference}')").inner_text().split())
        assert "Dec. 9, 2026" in row and "Dec. 12" in row and "Dec. 10" not in row, row
        screenshot(page, f"console-list-mountain-time-{width}")
        page.goto(f"{site}" + reverse("console:case", args=[case.city.slug, case.number]))
        details = " ".join(page.locator("table.details").inner_text().split())
        assert "Dec. 9, 2026, 11:30 p.m." in details and "Dec. 12, 2026" in details, details
        timeline = " ".join(page.locator("ol.events").inner_text().split())
        assert "Dec. 9, 2026, 11:40 p.m." in timeline and "Dec. 10" not in timeline, timeline
        assert language_of(page, SPANISH_DESCRIPTION) == "es"
        assert language_of(page, ENGLISH_NOTE) == "en"
        screenshot(page, f"console-case-mountain-time-{width}")
        assert page.errors == []

        spanish = open_page(new_context(viewport=viewport, locale="es", extra_http_headers={"Accept-Language": "es"}))
        spanish.goto(f"{site}/track/{case.tracking_token}/")
        facts = " ".join(spanish.locator("dl.facts").inner_text().split())
        assert "9 dic 2026" in facts and "10 dic" not in facts, facts
        history = " ".join(spanish.locator("ol.timeline").inner_text().split())
        assert "9 dic 2026, 23:40" in history, history
        assert language_of(spanish, ENGLISH_NOTE) == "en"
        assert language_of(spanish, SPANISH_DESCRIPTION) == "es"  # the page's own
        screenshot(spanish, f"tracking-mountain-time-es-{width}")
        assert spanish.errors == []
