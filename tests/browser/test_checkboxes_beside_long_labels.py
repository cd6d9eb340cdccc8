"""A checkbox beside a label long enough to wrap keeps its size on a 360-px phone: the alerts
page's problem types and the console's "Public" box for photos are laid out as flex rows, where
a box would otherwise shrink to a few pixels beside two lines of text."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel
from civicdesk.cases.services import case_create
from tests.browser.conftest import open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}
LONG_NAME = "Tree limbs touching power lines, cable lines or other overhead wires"

# Each checkbox's rendered width and the height of the label beside it, against the size the
# stylesheet gives every checkbox (1.2rem) and the label's own line height.
BOXES = """sel => [...document.querySelectorAll(sel)].map(box => {
  const label = box.closest('label') || document.querySelector(`label[for="${box.id}"]`);
  const style = getComputedStyle(label);
  return {label: label.textContent.trim(), width: box.getBoundingClientRect().width,
          height: box.getBoundingClientRect().height,
          lines: Math.round(label.getBoundingClientRect().height / parseFloat(style.lineHeight)),
          rem: parseFloat(getComputedStyle(document.documentElement).fontSize) * 1.2};
})"""


def _squeezed(page: Any, selector: str) -> tuple[list[dict[str, Any]], list[str]]:
    boxes = page.evaluate(BOXES, selector)
    assert boxes, f"no checkbox matches {selector}"
    return boxes, [
        f"{b['label']!r}: {b['width']:.1f}x{b['height']:.1f} px, not {b['rem']:.1f}"
        for b in boxes
        if abs(b["width"] - b["rem"]) > 0.5 or abs(b["height"] - b["rem"]) > 0.5
    ]


def test_the_alerts_pages_problem_boxes_keep_their_size_beside_a_name_on_two_lines(
    new_context: Any, catalogue: Any, make_service_type: Any, independence: Any
) -> None:
    make_service_type(independence, "limbs", name=LONG_NAME, group="Trees")
    page = open_page(new_context(viewport=PHONE_360))
    page.goto("/independence/alerts/")

    boxes, squeezed = _squeezed(page, ".type-group input[type=checkbox]")
    screenshot(page, "alerts-long-type-name-360")
    (long_one,) = [b for b in boxes if b["label"] == LONG_NAME]
    assert long_one["lines"] >= 2, "the long name should wrap on a 360-px screen"
    assert squeezed == []
    assert page.errors == []


def test_the_console_photos_public_box_keeps_its_size_on_a_phone(
    new_context: Any, catalogue: Any, make_staff: Any, independence: Any
) -> None:
    pothole = catalogue["independence"]["pothole"]
    worker = make_staff(independence, Role.WORKER, department=pothole.department, username="walt")
    lat, lng = INSIDE["independence"]
    case = case_create(
        service_type=pothole,
        description="Pothole by the school gate",
        lat=lat,
        lng=lng,
        channel=Channel.PHONE,
        attributes={"size": "large"},
        actor=worker,
    )
    page = open_page(new_context(viewport=PHONE_360))
    page.goto(f"/console/cases/independence/{case.number}/")
    sign_in(page, "walt")
    page.wait_for_selector("#photo-files")

    boxes, squeezed = _squeezed(page, "label.check input[type=checkbox]")
    screenshot(page, "console-case-photo-box-360")
    assert any(b["lines"] >= 2 for b in boxes), "the box's label should wrap on a 360-px screen"
    assert squeezed == []
    assert page.errors == []
