"""On a phone the case page's due date, expected closing and timeline keep each date on one line:
"Median Dec. 10, 2026; 8 in 10 by Dec. 12, 2026" folded as "8 in 10 by Dec." over "12, 2026",
a date a worker reads at a glance cut in two. Every width of the usual phones, in English and
Spanish ("Mediana 10 dic 2026; 8 de cada 10 antes del 12 dic 2026"), an estimate and a
type's target alike; a timeline entry's date ("Dec. 7, 2026") and time ("3:04 p.m.") are each one
line too, the line free to end between them (at 200 % text the whole moment is wider than a phone)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.cases.services import case_create
from civicdesk.expected import selectors
from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot, sign_in
from tests.conftest import INSIDE
from tests.expected.helpers import trained_city

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (320, 340, 360, 375, 390, 412)

# Each date found in the cells, with how many lines its letters are on.
DATES_AND_THEIR_LINES = """cells => cells.flatMap(cell => {
  const found = [];
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.data.matchAll(/[A-Z][a-z]{2,3}\\.? \\d{1,2}, \\d{4}|\\d{1,2} [a-z]{3}\\.? \\d{4}/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      found.push([m[0], tops.size]);
    }
  }
  return found;
})"""


# Each element's words, with how many lines they are on.
LINES_OF_EACH = """elements => elements.map(el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
  return [el.textContent, tops.size];
})"""


@pytest.fixture(autouse=True)
def _no_cached_models() -> Iterator[None]:
    selectors.forget_models()  # the live server's thread shares this process's loaded models
    yield
    selectors.forget_models()


def test_the_due_date_and_the_expected_dates_are_each_on_one_line_on_a_phone(
    new_context: Callable[..., Any], site: str, independence: City, make_service_type: Any, make_staff: Any
) -> None:
    make_staff(independence, Role.SUPERVISOR, username="sue")
    types = trained_city(independence, make_service_type, now=timezone.now())
    graffiti = make_service_type(independence, "graffiti", name="Graffiti", target_days=7)
    lat, lng = INSIDE["independence"]
    estimated, by_target = (
        case_create(service_type=t, lat=lat, lng=lng, description="Big oak across the lane")
        for t in (types["tree"], graffiti)
    )
    cut = []
    for language in ("en", "es"):
        page = open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))
        page.goto("/console/")
        sign_in(page, "sue")
        for case in (estimated, by_target):
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 780})
                page.goto(f"/console/cases/{independence.slug}/{case.number}/")
                found = page.eval_on_selector_all("tr:has(+ tr.expected) td, tr.expected td", DATES_AND_THEIR_LINES)
                assert len(found) >= 2, found  # the due date and at least one expected date
                cut += [(language, width, case.number, date) for date, lines in found if lines != 1]
                # A timeline entry's date ("Dec. 7, 2026") and its time ("3:04 p.m.") are each one
                # line as well; the line may end between them, as the text at 200 % needs.
                moments = page.eval_on_selector_all(".event-head time .one-line", LINES_OF_EACH)
                assert len(moments) >= 2, "the timeline has its entries, each a date and a time"
                cut += [(language, width, case.number, moment) for moment, lines in moments if lines != 1]
                if width == 360:
                    screenshot(page, f"case-dates-{language}-{case.number}-360")
        assert page.errors == []
    assert cut == []
