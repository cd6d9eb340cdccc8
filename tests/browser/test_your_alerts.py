"""A resident with two alerts asks for the link to them on the alerts page, opens it from the
email (read from a real SMTP server on loopback), widens the circle around 18891 Meadow Ln
from ¼ to ½ mile and stops the whole-city alert, with the keyboard, on a 360-px phone, in
English and in Spanish. Screenshots of the form asking for the link, its answer, the list,
the change form and a link cut short, at 360 and 1280 px."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AreaKind, AreaSubscription
from civicdesk.tenants.models import City
from tests.browser.conftest import axe_violations, open_page, screenshot
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAT, LNG = INSIDE["independence"]
PHONE_360 = {"width": 360, "height": 800}
DESK = {"width": 1280, "height": 900}

WORDS = {
    "en": {
        "answer": "If neighbor@example.org has alerts in Independence, we have emailed a link to them.",
        "subject": "Your alerts from Independence 311",
        "heading": "Your alerts in Independence",
        "circle": "New reports within ¼ mile of 18891 Meadow Ln",
        "city": "New reports in Independence",
        "change": "Change your alerts",
        "saved": "Saved: you will get alerts of new reports within ½ mile of 18891 Meadow Ln.",
        "stopped": "Stopped: no more alerts of new reports in Independence.",
        "left": "neighbor@example.org has 1 alert here.",
        "refused": "This link does not open alerts in Independence.",
    },
    "es": {
        "answer": "Si neighbor@example.org tiene alertas en Independence, le enviamos un enlace a ellas por correo.",
        "subject": "Sus alertas de Independence 311",
        "heading": "Sus alertas en Independence",
        "circle": "Reportes nuevos a menos de ¼ milla de 18891 Meadow Ln",
        "city": "Reportes nuevos en Independence",
        "change": "Cambiar sus alertas",
        "saved": "Guardado: recibirá alertas de reportes nuevos a menos de ½ milla de 18891 Meadow Ln.",
        "stopped": "Detenidas: no más alertas de reportes nuevos en Independence.",
        "left": "neighbor@example.org tiene 1 alerta aquí.",
        "refused": "Este enlace no abre alertas en Independence.",
    },
}


def at_both_widths(page: Any, name: str) -> None:
    """Screenshots at 1280 and 360 px (left at 360); at 360 nothing scrolls sideways."""
    page.set_viewport_size(DESK)
    page.wait_for_timeout(200)
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE_360)
    page.wait_for_timeout(200)  # a map follows its new size
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    screenshot(page, f"{name}-360")


def said(page: Any, selector: str) -> str:
    return " ".join(page.inner_text(selector).split())


def press(page: Any, selector: str) -> None:
    """Move the keyboard's focus to ``selector`` and press Enter, waiting for the next page."""
    page.focus(selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_resident_opens_the_link_from_the_email_widens_a_circle_and_stops_an_alert(
    new_context: Any, meadow_ln: City, smtp_inbox: Any, language: str
) -> None:
    words = WORDS[language]
    circle = alert_services.subscription_create(
        email="neighbor@example.org",
        city=meadow_ln,
        area=AreaKind.RADIUS,
        lat=LAT,
        lng=LNG,
        radius_m=402,
        address="18891 Meadow Ln",
        language=language,
    )
    whole = alert_services.subscription_create(email="neighbor@example.org", city=meadow_ln, language=language)
    for subscription in (circle, whole):
        alert_services.subscription_confirm(token=subscription.confirm_token)
    assert AreaSubscription.objects.get(pk=circle.pk).address == "18891 Meadow Ln"
    smtp_inbox()  # the confirmations

    page = open_page(new_context(viewport=PHONE_360, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/alerts/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    at_both_widths(page, f"your-alerts-link-form-{language}")
    page.focus("#id_link-email")
    page.keyboard.type("neighbor@example.org")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert said(page, "main p[role=status]") == words["answer"]
    at_both_widths(page, f"your-alerts-link-sent-{language}")

    [email] = smtp_inbox()
    assert email.to == "neighbor@example.org" and email.message["Subject"] == words["subject"]
    [link] = re.findall(r"https?://\S+/independence/alerts/yours/\S+/", email.text())
    html = email.message.get_body(preferencelist=("html",)).get_content()
    assert f'href="{link}"' in html

    page.goto(link)
    assert said(page, "h1") == words["heading"]
    headings = [" ".join(h.split()) for h in page.locator("main h2[id^=alert-]").all_inner_texts()]
    assert headings == [words["circle"], words["city"]]
    at_both_widths(page, f"your-alerts-{language}")
    assert axe_violations(page) == []

    # Change the circle: the form shows it as it is, pin and all.
    press(page, f"a[href$='/{circle.pk}/change/']")
    assert said(page, "h1") == words["change"]
    assert page.input_value("#id_address") == "18891 Meadow Ln"
    assert page.input_value("#id_radius_m") == "402"
    assert page.is_checked("input[name=area][value=radius]")
    page.wait_for_selector("#alert-map .leaflet-overlay-pane path", state="attached")  # the pin
    page.focus("#id_radius_m")
    page.select_option("#id_radius_m", "805")
    at_both_widths(page, f"your-alert-change-{language}")
    assert axe_violations(page) == []
    press(page, "main form button[type=submit]")

    assert said(page, "ul.messages") == words["saved"]
    changed = AreaSubscription.objects.get(pk=circle.pk)
    assert changed.radius_m == 805 and changed.confirmed_at is not None and changed.address == "18891 Meadow Ln"

    # Stop the whole city's alert.
    press(page, f"button[name=stop][value='{whole.pk}']")
    assert said(page, "ul.messages") == words["stopped"]
    assert words["left"] in said(page, "main")
    assert not AreaSubscription.objects.get(pk=whole.pk).active
    assert AreaSubscription.objects.get(pk=circle.pk).active
    at_both_widths(page, f"your-alerts-after-{language}")

    # A link cut short when it was copied opens nothing, and offers a new one.
    page.goto(link[:-6] + "/")
    assert said(page, "main p").startswith(words["refused"])
    at_both_widths(page, f"your-alerts-refused-{language}")
    assert axe_violations(page) == []
    assert page.errors == []
