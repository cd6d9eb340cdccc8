"""The console's new case on a desk, in Spanish: the caller's four boxes side by side (name,
email, phone, language for the emails) stand on one line, though two of their labels take two
lines ("Correo electrónico de quien llama"), and stay on it when one of them is sent back with
a mistake written above its box."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.accounts.models import Role
from tests.browser.conftest import DESKTOP, open_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CALLER_BOXES = ["#id_reporter_name", "#id_reporter_email", "#id_reporter_phone", "#id_language"]

# Each box's top and bottom, and how many lines the label for it takes.
BOXES = """ids => ids.map(sel => {
  const box = document.querySelector(sel), label = document.querySelector(`label[for="${box.id}"]`);
  const r = box.getBoundingClientRect();
  return {box: sel, top: r.top, bottom: r.bottom,
          lines: Math.round(label.getBoundingClientRect().height / parseFloat(getComputedStyle(label).lineHeight))};
})"""


def _misaligned(page: Any) -> tuple[list[dict[str, Any]], list[str]]:
    boxes = page.evaluate(BOXES, CALLER_BOXES)
    first = boxes[0]
    return boxes, [
        f"{b['box']} spans {b['top']:.1f}–{b['bottom']:.1f}, {first['box']} {first['top']:.1f}–{first['bottom']:.1f}"
        for b in boxes[1:]
        if abs(b["bottom"] - first["bottom"]) > 0.5
    ]


def test_the_callers_boxes_stand_on_one_line_in_spanish_though_some_labels_wrap(
    new_context: Any, site: str, catalogue: Any, make_staff: Any, independence: Any
) -> None:
    make_staff(independence, Role.CALL_TAKER, username="carla")
    context = new_context(viewport=DESKTOP)
    context.add_cookies([{"name": "django_language", "value": "es", "url": site}])
    page = open_page(context)
    page.goto("/console/new/")
    sign_in(page, "carla")
    page.wait_for_url("**/console/new/")
    assert page.get_attribute("html", "lang") == "es"

    boxes, misaligned = _misaligned(page)
    screenshot(page, "console-new-case-caller-es-1280")
    assert {b["lines"] for b in boxes} == {1, 2}, f"the labels should take one line and two: {boxes}"
    assert misaligned == []

    # Sent back with a mistake in the email: its message is above its box, the boxes still line up.
    page.fill("#id_reporter_email", "not an address")
    page.eval_on_selector("#new-case-form", "f => { f.noValidate = true; }")  # the server's answer, not the browser's
    page.get_by_role("button", name="Guardar el caso").click()
    page.wait_for_selector("#id_reporter_email[aria-invalid=true]")
    _, misaligned = _misaligned(page)
    screenshot(page, "console-new-case-caller-error-es-1280")
    assert misaligned == []
    assert page.errors == []
