"""Residents' and staff's HTML emails read on a phone, in Chromium: a case number is never
broken after its hyphen ("IND-" at one line's end, "1004" on the next), a table's label
("When", "Se envió a") stands on one line at the top of its value, not halfway down a
value of four lines, and nothing is wider than the screen. The emails are the ones the
outbox delivers to a real SMTP server on loopback, in English and in Spanish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications import services as notification_services
from civicdesk.notifications.models import AreaKind
from civicdesk.tenants.models import City
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = (320, 360, 390)

# Where each occurrence of the case number falls (how many lines it takes), and each table
# row's label: its text, its lines, the top of its first line and of its value's.
MEASURE = """(reference) => {
  const lines = (range) => new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  const firstTop = (node) => {
    const range = document.createRange(); range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    return rects.length ? Math.round(rects[0].top) : null;
  };
  const found = {references: [], labels: [], width: document.documentElement.scrollWidth};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (let at = node.data.indexOf(reference); at >= 0; at = node.data.indexOf(reference, at + 1)) {
      const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + reference.length);
      found.references.push(lines(range));
    }
  }
  for (const row of document.querySelectorAll("tr")) {
    const label = row.querySelector("th"), value = row.querySelector("td");
    if (!label || !value) continue;
    const range = document.createRange(); range.selectNodeContents(label);
    found.labels.push([label.textContent.trim(), lines(range), firstTop(label), firstTop(value)]);
  }
  return found;
}"""


@pytest.fixture
def pothole(independence: City, trash: ServiceType, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(
        independence, "pothole", name="Pothole", name_es="Bache", department=trash.department, target_days=3
    )


def every_email(
    report: Any, pothole: ServiceType, independence: City, worker: User, smtp_inbox: Any
) -> tuple[list[Any], list[str]]:
    """An acknowledgement, an assignment, an update, a closing and a reopening, to the
    reporter, a follower, an area alert's subscriber and the staff, in both languages; and
    the cases' numbers."""
    lat, lng = INSIDE["independence"]
    references = []
    for language in ("en", "es"):
        subscription = notification_services.subscription_create(
            email=f"alerts-{language}@example.org",
            city=independence,
            area=AreaKind.RADIUS,
            lat=lat,
            lng=lng,
            radius_m=500,
            on="both",
            language=language,
        )
        notification_services.subscription_confirm(token=subscription.confirm_token)
        case = report(
            service_type=pothole,
            address="223 N Memorial Dr",
            description="Deep pothole near the bus stop.\nCars swerve around it.",
            reporter_email=f"reporter-{language}@example.org",
            reporter_name="Ana García",
            language=language,
        )
        references.append(case.reference)
        notification_services.case_follow(case=case, email=f"follower-{language}@example.org", language=language)
        services.case_assign(case=case, actor=worker, assignee=worker, note="Please look at it today.")
        services.case_add_note(case=case, actor=worker, text="A crew is scheduled for Tuesday.", public=True)
        services.case_close(case=case, actor=worker, note="We filled the pothole.")
        services.case_reopen(case=case, actor=worker, reason="It opened again after the rain.")
    received = smtp_inbox()
    assert len(received) > 20
    return received, references


def test_case_numbers_and_table_labels_read_whole_on_a_phone(
    browser: Any,
    report: Any,
    pothole: ServiceType,
    independence: City,
    make_staff: Callable[..., User],
    smtp_inbox: Any,
) -> None:
    worker = make_staff(independence, Role.SUPERVISOR, department=pothole.department, email="will@independence.test")
    received, references = every_email(report, pothole, independence, worker, smtp_inbox)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    references_seen = labels_seen = 0
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 700})
        try:
            for number, message in enumerate(received):
                html = str(message.message.get_body(preferencelist=("html",)).get_content())
                page.set_content(html)
                # Every email but an alert's confirmation is about a case.
                named = [reference for reference in references if reference in html]
                reference = named[0] if named else references[0]
                found = page.evaluate(MEASURE, reference)
                what = f"{message.message['Subject']} to {message.to} at {width} px"
                if width == 360:
                    page.screenshot(path=str(SCREENSHOTS / f"email-{number:02d}-{width}.png"), full_page=True)
                assert found["width"] <= width, f"{what}: {found['width']} px wide"
                assert found["references"] or "alerts/confirm/" in html, f"{what}: no case number in it"
                assert found["references"] == [1] * len(found["references"]), f"{what}: {reference} broken"
                references_seen += len(found["references"])
                for label, lines, label_top, value_top in found["labels"]:
                    assert lines == 1, f"{what}: the label {label!r} takes {lines} lines"
                    assert label_top == value_top, f"{what}: {label!r} is not at the top of its value"
                    labels_seen += 1
        finally:
            page.close()
    assert references_seen > 3 * (len(received) - 2) and labels_seen > 3 * 20
