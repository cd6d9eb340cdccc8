"""A resident sets an alert by typing an address and choosing it from the list, in English
and in Spanish: the confirmation email (read from a real SMTP server on loopback) and the
pages that start and stop the alerts name that address, "within ¼ mile of 18891 Meadow Ln"
("a menos de ¼ milla de 18891 Meadow Ln"), not "the point you chose on the map".
Screenshots of the form and the pages at 360 and 1280 px."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.notifications.models import AreaSubscription
from civicdesk.tenants.models import City
from tests.browser.conftest import axe_violations, open_page, screenshot, type_address
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAT, LNG = INSIDE["independence"]
PHONE_360 = {"width": 360, "height": 800}
DESK = {"width": 1280, "height": 900}

WORDS = {
    "en": {
        "area": "within ¼ mile of 18891 Meadow Ln",
        "asked": "Send neighbor@example.org emails about new reports within ¼ mile of 18891 Meadow Ln?",
        "confirmed": "Confirmed: neighbor@example.org will get alerts of reports within ¼ mile of 18891 Meadow Ln.",
        "button": "Yes, start the alerts",
    },
    "es": {
        "area": "a menos de ¼ milla de 18891 Meadow Ln",
        "asked": "¿Enviar a neighbor@example.org correos sobre reportes nuevos a menos de ¼ milla de 18891 Meadow Ln?",
        "confirmed": (
            "Confirmado: neighbor@example.org recibirá alertas de reportes a menos de ¼ milla de 18891 Meadow Ln."
        ),
        "button": "Sí, activar las alertas",
    },
}


def at_both_widths(page: Any, name: str) -> None:
    """Screenshots of the page as it is at 360 and at 1280 px; at 360 nothing scrolls sideways."""
    page.set_viewport_size(PHONE_360)
    page.wait_for_timeout(200)  # the map follows its new size
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    screenshot(page, f"{name}-360")
    page.set_viewport_size(DESK)
    page.wait_for_timeout(200)
    screenshot(page, f"{name}-1280")


def choose_address(page: Any, typed: str) -> None:
    page.fill("#id_address", "")
    type_address(page, typed, box=page.locator("#id_address"), delay=30)
    page.wait_for_selector("#id_address-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_alert_set_by_typing_an_address_is_named_by_it_in_its_email_and_pages(
    new_context: Any, meadow_ln: City, smtp_inbox: Any, language: str
) -> None:
    words = WORDS[language]
    page = open_page(new_context(viewport=DESK, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/alerts/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    page.fill("#id_email", "neighbor@example.org")
    # A circle: chosen by hand, so the address's district is not ticked over it.
    page.check("input[name=area][value=radius]")
    choose_address(page, "18891 mead")
    assert page.input_value("#id_address") == "18891 Meadow Ln"
    assert "18891 Meadow Ln" in page.inner_text("#pin-address")
    at_both_widths(page, f"alert-form-address-{language}")

    page.click("main form button[type=submit]")
    page.wait_for_selector("p.success[role=status]")
    subscription = AreaSubscription.objects.get()
    assert subscription.address == "18891 Meadow Ln"

    [confirmation] = smtp_inbox()
    assert confirmation.to == "neighbor@example.org"
    text = " ".join(confirmation.text().split())
    assert words["area"] in text, text
    assert "the point you chose" not in text and "punto que eligió" not in text
    link = re.search(r"https?://\S+/alerts/confirm/\S+/", confirmation.text())
    assert link, confirmation.text()

    # The page the link opens asks about the alert by its address, and says so once confirmed.
    page.goto(link.group(0))
    assert " ".join(page.inner_text("main p").split()) == words["asked"]
    at_both_widths(page, f"alert-confirm-ask-{language}")
    assert axe_violations(page) == []
    page.click(f"main form button:has-text('{words['button']}')")
    page.wait_for_selector("main p[role=status]")
    assert " ".join(page.inner_text("main p[role=status]").split()) == words["confirmed"]
    # The address is the link to the point on a map.
    assert page.inner_text("main p[role=status] a") == "18891 Meadow Ln"
    assert "openstreetmap.org/?mlat=" in (page.get_attribute("main p[role=status] a", "href") or "")
    at_both_widths(page, f"alert-confirmed-{language}")
    assert page.errors == []
