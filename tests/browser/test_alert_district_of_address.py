"""A resident on a phone who wants alerts of their council district but does not know which it
is types their address on the alerts form: the page says "18891 Meadow Ln is in District 2",
and, as a pin put on the map ticks "Around a point", the address's district is chosen and "A
council district" ticked, the live region saying so ("Alerts of District 2 chosen; you can
choose the whole city or a distance instead"). In English with the keyboard alone, and the
whole flow in Spanish to the confirmation page and email. A resident who chose the kind of area
by hand keeps it: the district is only offered, with a button "Alerts of District 2"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from shapely.geometry import Point, shape

from civicdesk.notifications import alerts as alert_rules
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AreaKind, AreaSubscription
from civicdesk.tenants.models import City, District
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot, type_address
from tests.browser.test_alerts_address import _tab_to
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 740}


def district_of_meadow_ln(city: City) -> District:
    lat, lng = INSIDE["independence"]
    (district,) = [
        d for d in city.districts.filter(retired_on__isnull=True) if shape(d.boundary).covers(Point(lng, lat))
    ]
    return district


def open_form(new_context: Any, language: str = "en") -> Any:
    page = open_page(new_context(viewport=PHONE_360, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/alerts/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    return page


def choose_address(page: Any) -> None:
    """Type part of the address in the box and choose it from the list, with the keyboard."""
    _tab_to(page, "#id_address")
    type_address(page, "18891 mead")
    page.wait_for_selector("#id_address-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")


def at_both_widths(page: Any, name: str) -> None:
    """Screenshots at 360 and 1280 px; at 360 nothing scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    screenshot(page, f"{name}-360")
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(200)  # the map follows its new size
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE_360)
    page.wait_for_timeout(200)


def test_an_address_typed_ticks_its_district_and_says_so(new_context: Any, meadow_ln: City) -> None:
    district = district_of_meadow_ln(meadow_ln)
    name = district.name
    page = open_form(new_context)
    assert page.input_value("#id_district") == ""
    assert page.is_checked("input[name=area][value=city]")

    _tab_to(page, "#id_email")
    page.keyboard.type("cal@example.org")
    choose_address(page)

    said = page.locator("#alert-district span")
    expect(said).to_have_text(
        f"18891 Meadow Ln is in {name}. Alerts of {name} chosen; you can choose the whole city or a distance instead."
    )
    assert page.get_attribute("#alert-district", "role") == "status"
    expect(page.locator("input[name=area][value=district]")).to_be_checked()
    assert page.input_value("#id_district") == str(district.pk)
    expect(page.locator("#alert-district button")).to_have_count(0)  # nothing left to offer
    # Not a circle: the pin's line names the place, not "Alerts within ¼ mile of …".
    expect(page.locator("#pin-address")).to_have_text("Near 18891 Meadow Ln")
    assert axe_violations(page) == []
    at_both_widths(page, "alerts-district-ticked-en")

    # A distance instead, chosen by hand: "Around a point", and the district is offered again.
    _tab_to(page, "#id_radius_m")
    page.keyboard.press("ArrowDown")  # ¼ mile -> ½ mile
    expect(page.locator("input[name=area][value=radius]")).to_be_checked()
    expect(page.locator("#pin-address")).to_have_text("Alerts within ½ mile of 18891 Meadow Ln")
    expect(said).to_have_text(f"18891 Meadow Ln is in {name}.")
    offer = page.locator("#alert-district button")
    expect(offer).to_have_text(f"Alerts of {name}")

    # The offer taken: the district again, the focus on its list.
    _tab_to(page, "#alert-district button")
    page.keyboard.press("Enter")
    expect(page.locator("input[name=area][value=district]")).to_be_checked()
    assert page.evaluate("document.activeElement.id") == "id_district"
    expect(offer).to_have_count(0)
    expect(said).to_have_text(f"18891 Meadow Ln is in {name}.")

    _tab_to(page, "#alert-form button[type=submit]", limit=120)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Almost done: we sent an email to cal@example.org." in page.inner_text("main")
    alert = AreaSubscription.objects.get(email="cal@example.org")
    assert (alert.area, alert.district_id) == (AreaKind.DISTRICT, district.pk)
    assert page.errors == []


def test_in_spanish_an_address_typed_sets_the_alert_of_its_district_to_the_confirmation(
    new_context: Any, meadow_ln: City, smtp_inbox: Any
) -> None:
    district = district_of_meadow_ln(meadow_ln)
    name = district.name
    page = open_form(new_context, "es")
    assert page.get_attribute("html", "lang") == "es"
    expect(page.locator("label[for=id_address]")).to_have_text("Dirección o lugar")

    _tab_to(page, "#id_email")
    page.keyboard.type("lucia@example.org")
    choose_address(page)

    said = page.locator("#alert-district span")
    expect(said).to_have_text(
        f"18891 Meadow Ln está en {name}. "
        f"Alertas de {name} elegidas; en su lugar puede elegir toda la ciudad o una distancia."
    )
    expect(page.locator("input[name=area][value=district]")).to_be_checked()
    assert page.input_value("#id_district") == str(district.pk)
    expect(page.locator("#alert-district button")).to_have_count(0)
    expect(page.locator("#pin-address")).to_have_text("Cerca de 18891 Meadow Ln")
    assert axe_violations(page) == []
    at_both_widths(page, "alerts-district-ticked-es")

    _tab_to(page, "#alert-form button[type=submit]", limit=120)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    sent = " ".join(page.inner_text("main p.success[role=status]").split())
    assert sent == (
        "Ya casi termina: enviamos un correo a lucia@example.org. "
        "Abra su enlace para activar las alertas; no se enviará nada hasta entonces."
    )
    alert = AreaSubscription.objects.get(email="lucia@example.org")
    assert (alert.area, alert.district_id, alert.language) == (AreaKind.DISTRICT, district.pk, "es")
    at_both_widths(page, "alerts-district-sent-es")

    [confirmation] = smtp_inbox()
    assert confirmation.to == "lucia@example.org"
    text = " ".join(confirmation.text().split())
    assert f"a lucia@example.org sobre reportes nuevos en esta área: {name}, Independence." in text, text
    [link] = re.findall(r"https?://\S+/alerts/confirm/\S+/", confirmation.text())

    # The link opens the page that starts the alerts, in Spanish, about the district.
    page.goto(link)
    asked = " ".join(page.inner_text("main p").split())
    assert asked == f"¿Enviar a lucia@example.org correos sobre reportes nuevos en {name}, Independence?"
    with page.expect_navigation():
        page.click("main form button:has-text('Sí, activar las alertas')")
    confirmed = " ".join(page.inner_text("main p[role=status]").split())
    assert confirmed == f"Confirmado: lucia@example.org recibirá alertas de {name}, Independence."
    assert AreaSubscription.objects.get(pk=alert.pk).confirmed_at is not None
    at_both_widths(page, "alerts-district-confirmed-es")
    assert page.errors == []


def test_a_resident_who_ticked_a_council_district_keeps_it_when_typing_the_address(
    new_context: Any, meadow_ln: City
) -> None:
    name = district_of_meadow_ln(meadow_ln).name
    page = open_form(new_context)
    page.check("input[name=area][value=district]")
    choose_address(page)
    # The empty list is filled in for them, and said so.
    expect(page.locator("#alert-district span")).to_have_text(
        f"18891 Meadow Ln is in {name}. Alerts of {name} chosen; you can choose the whole city or a distance instead."
    )
    expect(page.locator("input[name=area][value=district]")).to_be_checked()
    assert page.input_value("#id_district") != ""
    expect(page.locator("#alert-district button")).to_have_count(0)
    assert page.errors == []


@pytest.mark.parametrize("chosen", ["radius", "city"])
def test_an_area_chosen_by_hand_is_kept_and_the_district_only_offered(
    new_context: Any, meadow_ln: City, chosen: str
) -> None:
    name = district_of_meadow_ln(meadow_ln).name
    page = open_form(new_context)
    if chosen == "city":  # "The whole city" is ticked at first: the resident ticks it back
        page.check("input[name=area][value=district]")
    page.check(f"input[name=area][value={chosen}]")
    choose_address(page)

    said = page.locator("#alert-district span")
    expect(said).to_have_text(f"18891 Meadow Ln is in {name}.")
    expect(page.locator("#alert-district button")).to_have_text(f"Alerts of {name}")
    expect(page.locator(f"input[name=area][value={chosen}]")).to_be_checked()
    near = "Alerts within ¼ mile of 18891 Meadow Ln" if chosen == "radius" else "Near 18891 Meadow Ln"
    expect(page.locator("#pin-address")).to_have_text(near)
    assert page.errors == []


def test_a_pin_put_on_the_map_ticks_around_a_point_and_offers_the_district(new_context: Any, meadow_ln: City) -> None:
    name = district_of_meadow_ln(meadow_ln).name
    page = open_form(new_context)
    choose_address(page)
    expect(page.locator("input[name=area][value=district]")).to_be_checked()

    # The pin moved by hand on the map (the map is centred on the address): a point.
    page.click("#alert-map")
    expect(page.locator("input[name=area][value=radius]")).to_be_checked()
    expect(page.locator("#alert-district button")).to_have_text(f"Alerts of {name}")
    expect(page.locator("#alert-district span")).to_contain_text(f" is in {name}.")
    expect(page.locator("#pin-address")).to_contain_text("Alerts within ¼ mile of ")
    assert page.errors == []


def test_an_alert_being_changed_keeps_its_area_when_an_address_is_typed(new_context: Any, meadow_ln: City) -> None:
    name = district_of_meadow_ln(meadow_ln).name
    whole = alert_services.subscription_create(email="ann@example.org", city=meadow_ln, language="en")
    alert_services.subscription_confirm(token=whole.confirm_token)
    token = alert_rules.your_alerts_token(email="ann@example.org", city=meadow_ln)
    page = open_page(new_context(viewport=PHONE_360))
    page.goto(f"/independence/alerts/yours/{token}/{whole.pk}/change/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    assert page.is_checked("input[name=area][value=city]")
    choose_address(page)

    # The whole city was the resident's choice when they set it: offered, not ticked over it.
    expect(page.locator("#alert-district button")).to_have_text(f"Alerts of {name}")
    expect(page.locator("#alert-district span")).to_have_text(f"18891 Meadow Ln is in {name}.")
    expect(page.locator("input[name=area][value=city]")).to_be_checked()
    _tab_to(page, "#alert-form button[type=submit]", limit=120)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert AreaSubscription.objects.get(pk=whole.pk).area == AreaKind.CITY
    assert page.errors == []
