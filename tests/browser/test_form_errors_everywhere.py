"""The forms that test_form_errors.py did not reach tell a mistake the same way after a failed
submit: the staff sign-in (a wrong password, a mistake of the whole form, is in the summary
too), placing a case on the map, the case page's hand-off to another city, refusing a hand-off
and the confidential reporter's code. A keyboard or screen-reader user lands on the summary
(document.activeElement), which links to the box, and the box is aria-invalid and described
by text that exists; the title starts with "Error: ", in English and Spanish."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel
from civicdesk.cases.transfers import case_transfer
from tests.browser.conftest import open_page, sign_in
from tests.browser.test_form_errors import ERRORS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = {"en": {"summary": "You are not signed in."}, "es": {"summary": "No ha iniciado sesión."}}


def _page(new_context: Any, language: str = "en") -> Any:
    return open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))


def _send_unchecked(page: Any, button: str) -> None:
    """Submit as a browser without its own checks would (novalidate): the server's answer."""
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    with page.expect_navigation():
        page.click(button)


def _lands_on_the_summary(page: Any, *, summary: str, box: str, says: str) -> dict[str, Any]:
    found = page.evaluate(ERRORS)
    assert found["focused"] == summary, found
    assert found["title"].startswith("Error: "), found["title"]
    assert found["missing"] == [], found["missing"]
    assert says in found["invalid"][box], found["invalid"]
    link = page.locator(f"[id='{summary}'][data-error-summary] a[href='#{box}']")
    expect(link).to_have_count(1)
    expect(page.locator(f"[id='{summary}']")).to_contain_text(says)
    link.click()
    expect(page.locator(f"[id='{box}']")).to_be_focused()
    assert page.errors == []
    return dict(found)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_wrong_password_lands_on_the_summary_linked_to_the_username(
    new_context: Any, independence: Any, make_staff: Any, language: str
) -> None:
    make_staff(independence, Role.WORKER, username="wanda")
    page = _page(new_context, language)
    page.goto("/console/login/")
    sign_in(page, "wanda", password="not-her-password")
    says = "Please enter a correct username" if language == "en" else "Por favor, introduzca un nombre de usuario"
    found = _lands_on_the_summary(page, summary="error-summary", box="id_username", says=says)
    assert says in found["invalid"]["id_password"]
    expect(page.locator("#error-summary h2")).to_contain_text(LANGUAGES[language]["summary"])
    # Signed in on the second try, from the box the summary led to.
    page.fill("#id_password", "a-long-test-password")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert "/console/login/" not in page.url


@pytest.mark.parametrize(
    ("language", "says"), [("en", "is not a number of degrees"), ("es", "no es un número de grados")]
)
def test_placing_a_case_at_words_lands_on_the_summary_linked_to_the_latitude(
    new_context: Any, report: Any, trash: Any, make_staff: Any, language: str, says: str
) -> None:
    make_staff(trash.city, Role.WORKER, department=trash.department, username="will")
    case = report(lat=None, lng=None, address="77 Nowhere Ln", channel=Channel.PHONE, reporter_email="")
    page = _page(new_context, language)
    page.goto(f"/console/login/?next=/console/cases/independence/{case.number}/place/")
    sign_in(page, "will")
    page.fill("#place-lat", "abc")
    page.fill("#place-lng", "-94.3")
    _send_unchecked(page, "form.new-case button[type=submit]")
    _lands_on_the_summary(page, summary="error-summary", box="place-lat", says=says)
    assert page.input_value("#place-lat") == "abc"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_hand_off_without_a_reason_lands_on_the_summary_linked_to_the_reason(
    new_context: Any, report: Any, independence: Any, raytown: Any, make_staff: Any, language: str
) -> None:
    make_staff(independence, Role.SUPERVISOR, username="sue")
    case = report()
    page = _page(new_context, language)
    page.goto(f"/console/login/?next=/console/cases/independence/{case.number}/")
    sign_in(page, "sue")
    page.select_option("#transfer-to_city", str(raytown.pk))
    _send_unchecked(page, "form[action$='/transfer/'] button[type=submit]")
    says = "Say why the case is not your city" if language == "en" else "Explique por qué el caso no es de su ciudad"
    _lands_on_the_summary(page, summary="case-answer", box="transfer-reason", says=says)
    # The city chosen is kept.
    assert page.input_value("#transfer-to_city") == str(raytown.pk)


def test_refusing_a_hand_off_without_a_reason_lands_on_the_summary_linked_to_the_reason(
    new_context: Any, report: Any, independence: Any, raytown: Any, make_staff: Any
) -> None:
    asker = make_staff(independence, Role.SUPERVISOR)
    make_staff(raytown, Role.SUPERVISOR, username="rae")
    transfer = case_transfer(case=report(), actor=asker, to_city=raytown, reason="Raytown's road")
    page = _page(new_context)
    page.goto("/console/login/?next=/console/transfers/")
    sign_in(page, "rae")
    _send_unchecked(page, f"form[action$='/{transfer.pk}/refuse/'] button[type=submit]")
    _lands_on_the_summary(page, summary="transfer-errors", box=f"reason-{transfer.pk}", says="Say why your city")


def test_a_wrong_confidential_code_lands_on_the_summary_linked_to_the_code(new_context: Any, independence: Any) -> None:
    page = _page(new_context)
    page.goto("/confidential/")
    page.fill("#id_code", "NOPE-NOPE")
    _send_unchecked(page, "form[action='/confidential/'] button[type=submit]")
    _lands_on_the_summary(page, summary="error-summary", box="id_code", says="That code does not open any report.")


def test_a_districts_file_refused_in_the_admin_lands_on_the_summary_linked_to_the_file(
    new_context: Any, independence: Any, make_staff: Any, tmp_path: Any
) -> None:
    make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ada")
    not_a_map = tmp_path / "districts.geojson"
    not_a_map.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    page = _page(new_context)
    page.goto("/admin/login/?next=/admin/tenants/district/import/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "a-long-test-password")
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.set_input_files("#id_file", str(not_a_map))
    _send_unchecked(page, "#content-main form input[type=submit]")
    found = page.evaluate(ERRORS)
    assert found["focused"] == "error-summary" and found["title"].startswith("Error: ") and found["missing"] == []
    expect(page.locator("#error-summary")).to_contain_text("The GeoJSON file holds no features.")
    link = page.locator("#error-summary a[href='#id_file']")
    expect(link).to_have_count(1)
    link.click()
    expect(page.locator("#id_file")).to_be_focused()
    # A required box left empty: marked invalid and described by its message.
    page.goto("/admin/tenants/district/import/")
    page.fill("#id_name_property", "")
    _send_unchecked(page, "#content-main form input[type=submit]")
    _lands_on_the_summary(page, summary="error-summary", box="id_name_property", says="This field is required.")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_mistyped_report_period_lands_on_the_summary_linked_to_its_day(
    new_context: Any, independence: Any, language: str
) -> None:
    page = _page(new_context, language)
    page.goto("/independence/reports/service-requests/?from=2026-13-01&to=2026-01-31")
    says = "Enter a date as YYYY-MM-DD" if language == "en" else "Escriba la fecha como AAAA-MM-DD"
    _lands_on_the_summary(page, summary="error-summary", box="id_from", says=says)


def test_following_a_report_with_a_wrong_email_lands_on_the_summary_linked_to_the_box(
    new_context: Any, report: Any
) -> None:
    case = report()
    page = _page(new_context)
    page.goto(f"/independence/requests/{case.number}/")
    page.fill("#id_follow_email", "nope")
    _send_unchecked(page, "section.follow button[type=submit]")
    _lands_on_the_summary(page, summary="error-summary", box="id_follow_email", says="nope is not an email address.")
