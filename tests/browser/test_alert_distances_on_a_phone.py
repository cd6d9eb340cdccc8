"""An alert's distance read on a 360 px phone, in English and Spanish: where "about 800 ft"
("aproximadamente 800 pies") reaches a line's end, the number and its unit go to the next line
together, never "800" at the end of one line and "ft" at the start of the next. Both in the
alerts' page that asks to confirm and in the confirmation email (as the outbox delivers it to a
real SMTP server). The browser's text size is stepped from 16 to 40 px (Chromium's setting, as a
resident sets it) for a few email addresses before the distance, so the distance meets a line's
end; the same sentence with ordinary spaces, laid out beside it, shows that one of those places
splits it."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.notifications import services as notification_services
from civicdesk.notifications.models import AreaKind
from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser]

PHONE_360 = {"width": 360, "height": 740}
UNITS = {"en": "ft", "es": "pies"}
# How many lines the number and its unit take: as shown, and with their no-break space an
# ordinary one, in a copy of the same paragraph laid out just after it (same width), then removed.
MEASURE = """([number, unit]) => {
  const lines = (range) => new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  const find = (root, words) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const at = walker.currentNode.data.indexOf(words);
      if (at >= 0) { const range = document.createRange(); range.setStart(walker.currentNode, at); range.setEnd(walker.currentNode, at + words.length); return range; }
    }
    return null;
  };
  const shown = find(document.body, number + "\\u00a0" + unit);
  if (!shown) return null;
  const block = shown.startContainer.parentElement.closest("p, li, td, h1, h2, div");
  const copy = block.cloneNode(true);
  const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) walker.currentNode.data = walker.currentNode.data.replaceAll("\\u00a0", " ");
  block.after(copy);
  const spaced = lines(find(copy, number + " " + unit));
  copy.remove();
  return {shown: lines(shown), spaced: spaced};
}"""


def _subscriptions(city: City, language: str) -> list[Any]:
    """A circle of 250 m ("about 800 ft") for addresses of 1 to 20 letters before the "@"."""
    lat, lng = INSIDE["independence"]
    return [
        notification_services.subscription_create(
            email=f"{'n' * length}@example.org",
            city=city,
            area=AreaKind.RADIUS,
            lat=lat,
            lng=lng,
            radius_m=250,
            language=language,
        )
        for length in range(1, 21)
    ]


def _check(found: list[dict[str, int] | None], where: str) -> None:
    assert None not in found, f"{where}: the distance is not in it with a no-break space"
    assert [f["shown"] for f in found if f] == [1] * len(found), f"{where}: number and unit split"
    # Some address puts the distance at a line's end: there, ordinary spaces would split it.
    assert any(f["spaced"] == 2 for f in found if f), f"{where}: the distance never reached a line's end"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_alerts_distance_keeps_number_and_unit_on_one_line(
    new_context: Any, independence: City, smtp_inbox: Any, language: str
) -> None:
    subscriptions = _subscriptions(independence, language)
    words = ["800", UNITS[language]]
    context = new_context(viewport=PHONE_360, locale=language, extra_http_headers={"Accept-Language": language})
    page = open_page(context)
    cdp = context.new_cdp_session(page)
    cdp.send("Page.enable")

    def measured_at_every_text_size(name: str) -> list[dict[str, int] | None]:
        sizes = []
        for size in range(16, 41, 2):
            cdp.send("Page.setFontSizes", {"fontSizes": {"standard": size, "fixed": 13}})
            sizes.append(page.evaluate(MEASURE, words))
            if sizes[-1] and sizes[-1]["spaced"] == 2:
                screenshot(page, f"alert-distance-{name}-at-a-lines-end-{language}-360")
        cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16, "fixed": 13}})
        return sizes

    # The page that asks to confirm: "Send nnn@example.org emails about new reports within about 800 ft of …?"
    found = []
    for subscription in subscriptions:
        page.goto(f"/alerts/confirm/{subscription.confirm_token}/")
        page.locator("main p").first.wait_for()
        found += measured_at_every_text_size("page")
    _check(found, "the alert's page")
    assert page.errors == []

    # The confirmation email: "… to email nnn@example.org about new reports in this area: within about 800 ft of …"
    received = [m for m in smtp_inbox() if m.to.endswith("@example.org")]
    assert len(received) == len(subscriptions)
    found = []
    for message in received:
        page.set_content(str(message.message.get_body(preferencelist=("html",)).get_content()))
        found += measured_at_every_text_size("email")
    _check(found, "the confirmation email")
