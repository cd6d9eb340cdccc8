"""The case page's "Back to …" at its longest, on a 360 px phone, in English and Spanish: the
list in the whole city, of a type and a district with long names, one status, one channel, a
long search, opening dates (across two years, then within this one) and a later page. The
city's words are shortened, none under 8 characters, then whole parts are left out and the
link says how many ("All of my city and 5 filters", "4 more filters"), the dates last: they
are kept whole, in a shorter form ("Dec 28, 2025 – Jan 3, 2026", "28/12/25–3/1/26", "Jan 1–3");
the page ("page 3", "página 3") is never shortened nor split across lines; the link takes at
most two lines; its title and accessible name are the words in full. Screenshots in
test-artifacts/screenshots/ (way-back-longest-…)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.catalog.models import ServiceType
from civicdesk.console.common import case_url
from civicdesk.console.views import _dates_forms
from civicdesk.tenants.models import City, District
from tests.browser.conftest import axe_violations, open_page, screenshot, sign_in
from tests.expected.helpers import insert_cases

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 740}
TYPE = "Overgrown vegetation obstructing the sidewalk or the street sign"
DISTRICT = "Northeast Historic Neighborhoods and the Truman Road Corridor"
SEARCH = "pothole in front of the blue house near the corner of Truman and Noland"
PAGE = {"en": "page\u00a03", "es": "página\u00a03"}
# What says how many parts are left out, as a part of its own.
LEFT_OUT = {"en": re.compile(r"^(\d+) more filters?$"), "es": re.compile(r"^(\d+) filtros? más$")}
# Or after the queue, when the dates are the only filter kept: "All of my city and 5 filters".
LEFT_OUT_AFTER_QUEUE = {"en": re.compile(r" and (\d+) filters?$"), "es": re.compile(r" y (\d+) filtros?$")}
# The list's parts besides the queue and the page: type, status, district, channel, search, dates.
FILTERS = 6
# How many lines a range of the link's text takes: the page's words, and the link itself.
LINES = """([link, words]) => {
  const lines = (range) => new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
  let page = null;
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(words);
    if (at >= 0) { page = document.createRange(); page.setStart(walker.currentNode, at); page.setEnd(walker.currentNode, at + words.length); }
  }
  const whole = document.createRange(); whole.selectNodeContents(link);
  return {page: page ? lines(page) : 0, link: lines(whole)};
}"""


def test_the_longest_way_back_takes_two_lines_on_a_phone_and_keeps_its_page_whole(
    new_context: Callable[..., Any],
    site: str,
    independence: City,
    make_department: Any,
    make_service_type: Callable[..., ServiceType],
    make_staff: Any,
) -> None:
    streets = make_department(independence, "Public Works - Streets", email="streets@independence.test")
    kind = make_service_type(independence, "vegetation", name=TYPE, group="Streets", department=streets)
    make_staff(independence, Role.SUPERVISOR, username="sue", department=streets)
    district = District.objects.filter(city=independence, retired_on__isnull=True).order_by("pk").first()
    if district is None:
        district = District.objects.create(city=independence, name="Ward", number=None, boundary=independence.boundary)
    district.name = DISTRICT
    district.save(update_fields=["name"])
    today = timezone.now().astimezone(independence.tz).date()
    year = today.year
    [case] = insert_cases(kind, [dt.datetime(year, 1, 2, 12, 0, tzinfo=independence.tz)], [None])
    # Opening dates across two years, and within this one: the dates are kept (in a shorter
    # form), the other filters left out first.
    for opened_from, opened_to in (
        (dt.date(year - 1, 12, 28), dt.date(year, 1, 3)),
        (dt.date(year, 1, 1), dt.date(year, 1, 3)),
    ):
        listed = (
            f"/console/?queue=all&service_type={kind.pk}&status=in_progress&district={district.pk}"
            f"&channel=open311&q={SEARCH.replace(' ', '+')}&opened_from={opened_from}&opened_to={opened_to}&page=3"
        )
        for language in ("en", "es"):
            with translation.override(language):
                dates = _dates_forms(opened_from, opened_to, today=today)
            page = open_page(
                new_context(viewport=PHONE_360, locale=language, extra_http_headers={"Accept-Language": language})
            )
            page.goto(listed)
            sign_in(page, "sue")
            page.wait_for_url(re.compile(r"opened_to="))
            page.goto(case_url(case))
            back = page.locator("p.back-to-list a")
            expect(back).to_be_visible()
            shown = back.inner_text()
            assert shown.endswith(" · " + PAGE[language]), shown
            # The words in full are its title and its accessible name, every part of the list in them.
            whole = back.get_attribute("title") or ""
            for words in (TYPE, DISTRICT, SEARCH, dates[0], PAGE[language]):
                assert words in whole, (words, whole)
            expect(back).to_have_accessible_name(whole)
            assert TYPE not in shown and DISTRICT not in shown and SEARCH not in shown, shown
            # Read as words: the dates whole in one of their forms; every other part shown whole
            # or cut to no fewer than 8 characters, the ones left out counted; the queue and the
            # page whole.
            queue, *kept, _page = shown.removeprefix("← ").split(" · ")
            assert any(form in kept for form in dates), (dates, shown)
            kept = [words for words in kept if words not in dates]
            counted = LEFT_OUT[language].match(kept.pop()) if kept else None
            counted = counted or LEFT_OUT_AFTER_QUEUE[language].search(queue)
            assert counted is not None, shown
            queue = queue.removesuffix(counted.group(0))
            assert whole.startswith(queue.strip()), shown
            for words in kept:
                assert not words.endswith("…") or len(words.strip("“”")) >= 8, shown
                assert words.removesuffix("…").removesuffix("…”") in whole, shown
            assert int(counted.group(1)) + len(kept) + 1 == FILTERS, shown
            measured = page.evaluate(LINES, [back.element_handle(), PAGE[language]])
            assert measured["page"] == 1, shown
            # Each date is on one line: never "Dec" over "28, 2025", nor "Jan 1–" over "3".
            dated = back.locator("span.one-line")
            expect(dated.first).to_be_visible()
            for date in dated.all():
                assert page.evaluate(LINES, [date.element_handle(), ""])["link"] == 1, (date.inner_text(), shown)
            assert measured["link"] <= 2, (language, shown)
            box = back.bounding_box()
            line = float(back.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)"))
            assert box["height"] <= line * 2 + 1, (language, shown)
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360
            screenshot(page, f"way-back-longest-{language}-360-from-{opened_from.year}")
            assert axe_violations(page) == []
            assert page.errors == []
