"""Every form sent back with mistakes tells them the one way (civicdesk/core/forms.py): the
title starts with "Error: ", a summary at the top (focused by portal.js) links each mistake to
its box, and the box is aria-invalid and described by its message. The staff sign-in (a wrong
password is a mistake of the whole form, in the summary too), the report pages' period and a
resident following a report, in English and Spanish; the case page's hand-off, placing a case
and the confidential reporter's code have theirs beside their own tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pages.form_errors_html import assert_told_as_every_form, read_error_page

pytestmark = pytest.mark.django_db

LOGIN = "/console/login/"


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "Please enter a correct username and password."), ("es", "Por favor, introduzca un nombre de usuario")],
)
def test_a_wrong_password_is_summed_up_linked_to_the_username_and_marks_both_boxes(
    client: Any, independence: Any, make_staff: Any, language: str, says: str
) -> None:
    make_staff(independence, username="rita")
    response = client.post(LOGIN, {"username": "rita", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    told = assert_told_as_every_form(html, field="id_username", says=says)
    assert told.invalid["id_password"] == ["login-error"] and says in told.described("id_password")
    # The summary has the focus: the username box no longer takes it.
    assert "autofocus" not in html


def test_an_empty_sign_in_names_each_box_and_a_first_visit_has_no_summary(
    client: Any, independence: Any, make_staff: Any
) -> None:
    first = read_error_page(client.get(LOGIN).content.decode())
    assert not first.summary_id and not first.invalid and not first.title.startswith("Error")
    told = assert_told_as_every_form(
        client.post(LOGIN, {"username": "", "password": ""}).content.decode(),
        field="id_username",
        says="This field is required.",
    )
    assert set(told.links) == {"id_username", "id_password"} and set(told.invalid) == {"id_username", "id_password"}
    assert "Username: This field is required." in told.summary_text
    assert told.invalid["id_username"] == ["id_username_error"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_mistyped_report_period_is_summed_up_and_linked_to_its_day(
    client: Any, independence: Any, language: str
) -> None:
    for url in ("/independence/reports/service-requests/", "/independence/reports/operations/"):
        response = client.get(url, {"from": "2026-13-01", "to": "2026-01-31"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        says = "Enter a date as YYYY-MM-DD" if language == "en" else "Escriba la fecha como AAAA-MM-DD"
        assert_told_as_every_form(response.content.decode(), field="id_from", says=says)
        # A period that does not hold together is a mistake of the whole form, linked to its start.
        backwards = read_error_page(client.get(url, {"from": "2026-02-01", "to": "2026-01-31"}).content.decode())
        assert backwards.links == ["id_from"] and backwards.title.startswith("Error: ")


@pytest.mark.parametrize("language", ["en", "es"])
def test_following_a_report_with_a_wrong_email_is_summed_up_and_linked_to_the_box(
    client: Any, report: Any, language: str
) -> None:
    case = report()
    response = client.post(
        f"/independence/requests/{case.number}/follow/", {"follow_email": "nope"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    says = "nope is not an email address." if language == "en" else "nope no es una dirección de correo electrónico."
    told = assert_told_as_every_form(response.content.decode(), field="id_follow_email", says=says)
    assert told.invalid["id_follow_email"] == ["id_follow_email_error"]
    heading = "You are not following this report yet." if language == "en" else "Todavía no sigue este reporte."
    assert heading in told.summary_text
