"""Django's own admin pages tell a mistake as the other forms do: its sign-in and its
generic add and change pages (a type and its inline questions). After a failed send a
keyboard or screen-reader user lands on the one summary (document.activeElement), whose link
takes them to the box, and the box is aria-invalid and described by text that exists; the
title starts with "Error: ", in English and Spanish. Each page is screenshotted at 360 and
1280 px; the admin's own pages keep their one summary."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.catalog.models import ServiceAttribute
from tests.browser.conftest import PASSWORD, open_page, screenshot
from tests.browser.test_form_errors import ERRORS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAYS = {
    "en": {
        "sign_in": "Please enter the correct username and password",
        "signed_out": "You are not signed in. Please check:",
        "saved": "Nothing was saved yet. Please check:",
        "required": "This field is required.",
        "filter": "A filter was left out of the list. Please check:",
        "backwards": "The end date is before the start date.",
    },
    "es": {
        "sign_in": "Por favor introduzca el nombre de usuario y la clave correctos",
        "signed_out": "No ha iniciado sesión. Por favor, revise:",
        "saved": "Todavía no se guardó nada. Por favor, revise:",
        "required": "Este campo es obligatorio.",
        "filter": "Se omitió un filtro de la lista. Por favor, revise:",
        "backwards": "La fecha final es anterior a la fecha inicial.",
    },
}


def _page(new_context: Any, language: str) -> Any:
    return open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))


def _both_widths(page: Any, name: str) -> None:
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def _admin_sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("#login-form input[type=submit]")


def _one_summary_focused(page: Any, *, heading: str) -> dict[str, Any]:
    expect(page.locator("[data-error-summary]")).to_have_count(1)
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary h2")).to_have_text(heading)
    found = page.evaluate(ERRORS)
    assert found["title"].startswith("Error: "), found["title"]
    assert found["missing"] == [], found["missing"]
    return dict(found)


def _link_goes_to(page: Any, box: str) -> None:
    link = page.locator(f"#error-summary a[href='#{box}']")
    expect(link).to_have_count(1)
    link.click()
    expect(page.locator(f"[id='{box}']")).to_be_focused()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_wrong_password_on_the_admin_sign_in_lands_on_the_summary_linked_to_the_username(
    new_context: Any, independence: Any, make_staff: Any, language: str
) -> None:
    make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ada")
    page = _page(new_context, language)
    page.goto("/admin/login/?next=/admin/")
    _admin_sign_in(page, "ada", "not-her-password")
    says = SAYS[language]
    found = _one_summary_focused(page, heading=says["signed_out"])
    expect(page.locator("#error-summary")).to_contain_text(says["sign_in"])
    for box in ("id_username", "id_password"):
        assert says["sign_in"] in found["invalid"][box], found["invalid"]
    # Django's own note gives way to the summary: the message is shown once.
    expect(page.locator("p.errornote")).to_be_hidden()
    _both_widths(page, f"admin-sign-in-wrong-password-{language}")
    _link_goes_to(page, "id_username")
    assert page.input_value("#id_username") == "ada"
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form input[type=submit]")
    assert "/admin/login/" not in page.url
    assert page.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_type_saved_with_mistakes_in_the_admin_lands_on_the_summary_of_its_and_its_questions_boxes(
    new_context: Any, trash: Any, make_staff: Any, language: str
) -> None:
    make_staff(trash.city, Role.CITY_ADMIN, is_staff=True, username="ada")
    ServiceAttribute.objects.create(service_type=trash, code="size", question="How big is it?", order=1)
    page = _page(new_context, language)
    page.goto(f"/admin/login/?next=/admin/catalog/servicetype/{trash.pk}/change/")
    _admin_sign_in(page, "ada")
    page.fill("#id_name", "")
    page.fill("#id_attributes-0-question", "")
    page.fill("#id_keywords", "couch, mattress")
    with page.expect_navigation():
        page.click("input[name=_save]")
    says = SAYS[language]
    found = _one_summary_focused(page, heading=says["saved"])
    assert says["required"] in found["invalid"]["id_name"], found["invalid"]
    assert says["required"] in found["invalid"]["id_attributes-0-question"], found["invalid"]
    expect(page.locator("#error-summary a[href='#id_attributes-0-question']")).to_contain_text("1: ")
    expect(page.locator("p.errornote")).to_be_hidden()
    _both_widths(page, f"admin-change-form-errors-{language}")
    _link_goes_to(page, "id_attributes-0-question")
    _link_goes_to(page, "id_name")
    assert page.input_value("#id_keywords") == "couch, mattress"  # what was typed is kept
    assert page.errors == []


def test_an_admin_page_of_its_own_keeps_its_one_summary(new_context: Any, independence: Any, make_staff: Any) -> None:
    make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ada")
    page = _page(new_context, "en")
    page.goto("/admin/login/?next=/admin/tenants/district/import/")
    _admin_sign_in(page, "ada")
    page.fill("#id_name_property", "")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    with page.expect_navigation():
        page.click("#content-main form input[type=submit]")
    _one_summary_focused(page, heading="No district was imported yet. Please check:")
    assert page.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_passwords_that_do_not_match_land_on_the_summary_linked_to_the_second_box(
    new_context: Any, independence: Any, make_staff: Any, language: str
) -> None:
    make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ada")
    worker = make_staff(independence, Role.WORKER, username="wes")
    page = _page(new_context, language)
    page.goto(f"/admin/login/?next=/admin/accounts/user/{worker.pk}/password/")
    _admin_sign_in(page, "ada")
    page.fill("#id_password1", "a-long-new-password")
    page.fill("#id_password2", "a-different-password")
    with page.expect_navigation():
        page.click("input[type=submit].default, input[type=submit] >> nth=0")
    found = _one_summary_focused(page, heading=SAYS[language]["saved"])
    assert "id_password2" in found["invalid"] and found["invalid"]["id_password2"], found["invalid"]
    expect(page.locator("p.errornote")).to_be_hidden()
    _both_widths(page, f"admin-set-password-errors-{language}")
    _link_goes_to(page, "id_password2")
    # One's own password, with a wrong old one.
    page.goto("/admin/password_change/")
    page.fill("#id_old_password", "not-it")
    page.fill("#id_new_password1", "a-long-new-password")
    page.fill("#id_new_password2", "a-long-new-password")
    with page.expect_navigation():
        page.click("input[type=submit]")
    found = _one_summary_focused(page, heading=SAYS[language]["saved"])
    assert found["invalid"]["id_old_password"], found["invalid"]
    _link_goes_to(page, "id_old_password")
    assert page.errors == []
