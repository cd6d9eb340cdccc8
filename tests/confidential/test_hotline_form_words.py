"""The report form, once the hotline is chosen, promises only what the hotline does
(docs/confidential.md): no tracking link, a notice "there is a reply" that says nothing of the
report; and its confidentiality notice comes right under the problem type, before the
reporter is asked where or what."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

TRACKING = "With an email address we send you a tracking link"
UPDATES = "Email me when the city updates this report"
HOTLINE_HELP = "these emails never say what was written: read the replies with your access code"


def test_the_hotline_form_promises_no_tracking_link_and_puts_its_notice_before_the_map(client, hotline):
    html = client.get(f"/independence/report/?service_type={hotline.pk}").content.decode()
    assert TRACKING not in html and UPDATES not in html
    assert HOTLINE_HELP in html and "Email me when there is a reply" in html
    notice, where, details = (html.index(s) for s in ("This report is confidential.", 'id="where"', "id_description"))
    assert notice < where < details


def test_a_hotline_form_shown_again_with_a_mistake_keeps_the_hotlines_words(client, hotline):
    response = client.post("/independence/report/", {"service_type": hotline.pk, "description": ""})
    html = response.content.decode()
    assert response.status_code == 400 and "Describe what you are reporting." in html
    assert TRACKING not in html and UPDATES not in html and HOTLINE_HELP in html


def test_an_ordinary_problem_keeps_the_tracking_link_and_no_notice(client, hotline, make_service_type, independence):
    pothole = make_service_type(independence, "pothole", name="Pothole")
    html = client.get(f"/independence/report/?service_type={pothole.pk}").content.decode()
    assert TRACKING in html and UPDATES in html
    assert "This report is confidential." not in html and HOTLINE_HELP not in html


def test_choosing_a_type_swaps_in_the_notice_and_the_contact_words_with_its_questions(
    client, hotline, make_service_type, independence
):
    html = client.get("/report/questions/", {"service_type": hotline.pk}).content.decode()
    assert 'id="type-notice" hx-swap-oob="true"' in html and "This report is confidential." in html
    assert 'id="contact-help" hx-swap-oob="true"' in html and HOTLINE_HELP in html
    assert 'id="id_notify_reporter_label" hx-swap-oob="true">Email me when there is a reply<' in html
    pothole = make_service_type(independence, "pothole", name="Pothole")
    html = client.get("/report/questions/", {"service_type": pothole.pk}).content.decode()
    assert 'id="type-notice" hx-swap-oob="true"></div>' in html  # the notice goes away
    assert TRACKING in html and f">{UPDATES}<" in html
