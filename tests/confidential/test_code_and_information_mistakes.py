"""The confidential reporter's two forms tell a mistake as every form does (civicdesk/core/
forms.py): "Error: " in the title, a summary at the top linked to the box, which is invalid
and described by the message; in English and Spanish."""

from __future__ import annotations

import pytest

from civicdesk.notifications import confidential
from tests.pages.form_errors_html import assert_told_as_every_form, read_error_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "That code does not open any report."), ("es", "Ese código no abre ningún reporte.")],
)
def test_a_wrong_code_is_summed_up_and_linked_to_the_code_box(client, hotline, language, says):
    response = client.post("/confidential/", {"code": "NOPE-NOPE"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    told = assert_told_as_every_form(response.content.decode(), field="id_code", says=says)
    assert told.invalid["id_code"] == ["code-error"]
    first = read_error_page(client.get("/confidential/").content.decode())
    assert not first.summary_id and not first.invalid and not first.title.startswith("Error")


def test_empty_information_is_summed_up_and_linked_to_its_box(client, tip):
    code = confidential.confidential_access_issue(case=tip())
    response = client.post("/confidential/", {"code": code, "information": "  "})
    assert response.status_code == 400
    told = read_error_page(response.content.decode())
    assert told.links == ["id_information"] and told.invalid["id_information"] == ["info-error"]
    assert told.texts["info-error"] and told.texts["info-error"] in told.summary_text
    assert told.title.startswith("Error: ")
