"""Adding a staff member in the admin: the email address is asked beside the username, and a
worker added without one is sent back to the one summary (focused), its link taking the
keyboard to the email box, with what was typed kept; with an address the account is saved.
Screenshotted at 360 and 1280 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role, User
from tests.browser.test_form_errors_admin import (
    SAYS,
    _admin_sign_in,
    _both_widths,
    _link_goes_to,
    _one_summary_focused,
    _page,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_worker_added_without_an_email_is_asked_for_one_and_saved_with_it(
    new_context: Any, independence: Any, make_staff: Any, language: str
) -> None:
    make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ada")
    page = _page(new_context, language)
    page.goto("/admin/login/?next=/admin/accounts/user/add/")
    _admin_sign_in(page, "ada")
    boxes = page.locator("#id_username, #id_email, #id_password1")
    expect(boxes).to_have_count(3)
    assert [box.get_attribute("id") for box in boxes.all()] == ["id_username", "id_email", "id_password1"]
    _both_widths(page, f"admin-add-staff-{language}")

    page.fill("#id_username", "pat-lee")
    page.fill("#id_first_name", "Pat")
    page.fill("#id_password1", "moss-lantern-harbor-42")
    page.fill("#id_password2", "moss-lantern-harbor-42")
    page.select_option("#id_role", Role.WORKER.value)
    with page.expect_navigation():
        page.click("input[type=submit][name=_save]")
    found = _one_summary_focused(page, heading=SAYS[language]["saved"])
    assert found["invalid"].get("id_email"), found["invalid"]
    expect(page.locator("#id_username")).to_have_value("pat-lee")
    expect(page.locator("#id_first_name")).to_have_value("Pat")
    expect(page.locator("#id_role")).to_have_value(Role.WORKER.value)
    expect(page.locator("#id_email_error")).to_contain_text(
        "Enter an email address" if language == "en" else "Escriba una dirección de correo electrónico"
    )
    _both_widths(page, f"admin-add-staff-no-email-{language}")
    _link_goes_to(page, "id_email")

    page.fill("#id_email", "pat.lee@independence.test")
    page.fill("#id_password1", "moss-lantern-harbor-42")
    page.fill("#id_password2", "moss-lantern-harbor-42")
    with page.expect_navigation():
        page.click("input[type=submit][name=_save]")
    assert User.objects.get(username="pat-lee").email == "pat.lee@independence.test"
    assert page.errors == []
