"""A confidential report through the portal: no pin, no contact details needed, a notice,
an access code shown once instead of a tracking link; the code (and only the code) opens
the replies and a form to add information; guessing codes is slowed down; no network
address or browser details are kept anywhere."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core import mail

from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest
from civicdesk.notifications import confidential
from civicdesk.notifications.models import ConfidentialAccess

pytestmark = pytest.mark.django_db

CODE = re.compile(r'id="access-code">([A-Z0-9-]+)<')
ADDRESS, AGENT = "203.0.113.77", "SecretBrowser/9.9 (device-id ZX-4411)"


def _report(client, hotline, **extra):
    form = {"service_type": hotline.pk, "description": "The contractor bills for hours never worked", **extra}
    return client.post("/independence/report/", form, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)


def _code(response) -> str:
    found = CODE.search(response.content.decode())
    assert found, response.content.decode()[:2000]
    return found.group(1)


def test_the_form_says_the_report_is_confidential_when_the_hotline_is_chosen(client, hotline):
    html = client.get("/report/questions/", {"service_type": hotline.pk}).content.decode()
    assert "This report is confidential." in html and "no map pin is needed" in html


def test_an_anonymous_report_without_a_pin_gets_an_access_code_and_no_tracking_link(client, hotline, outbox):
    response = _report(client, hotline)
    assert response.status_code == 200
    code = _code(response)
    case = ServiceRequest.objects.get(service_type=hotline)
    html = response.content.decode()
    assert case.lat is None and case.reporter_email == "" and case.reporter_name == ""
    assert case.tracking_token not in html and case.reference not in html and "/track/" not in html
    assert "no-store" in response["Cache-Control"]  # the code is shown once and never kept by a cache
    # Only a digest of the code is kept.
    access = ConfidentialAccess.objects.get(case=case)
    assert code.replace("-", "") not in access.code_digest and len(access.code_digest) == 64
    assert confidential.confidential_case_by_code(code) == case
    # Nobody to acknowledge: the only email is the fraud unit's, and it holds no content.
    sent = outbox()
    assert [m.to for m in sent] == [["fraud-unit@independence.test"]]
    assert "bills for hours" not in sent[0].body and case.tracking_token not in sent[0].body


def test_a_reporter_who_gives_an_email_is_told_a_report_was_received_without_its_content(client, hotline, outbox):
    response = _report(client, hotline, reporter_email="whistle@example.org", reporter_name="Wanda Whistle")
    code = _code(response)
    case = ServiceRequest.objects.get(service_type=hotline)
    receipt = next(m for m in outbox() if m.to == ["whistle@example.org"])
    text = receipt.body + receipt.alternatives[0][0] + receipt.subject
    assert "We received your report" in text and "/confidential/" in text
    for secret in ("bills for hours", case.reference, case.tracking_token, code, "Wanda", "/track/"):
        assert secret not in text


def test_a_report_sent_twice_makes_one_case_and_never_shows_a_second_code(client, hotline):
    token = "6f1c3b1e-0c55-4c3f-9a57-3e0f4b3c2a11"
    first = _report(client, hotline, client_token=token)
    again = _report(client, hotline, client_token=token)
    assert ServiceRequest.objects.filter(service_type=hotline).count() == 1
    assert _code(first) and not CODE.search(again.content.decode())
    assert "already been received" in again.content.decode()


def test_a_confidential_report_still_needs_a_description(client, hotline):
    response = client.post("/independence/report/", {"service_type": hotline.pk})
    assert response.status_code == 400
    assert "Describe what you are reporting." in response.content.decode()
    assert not ServiceRequest.objects.filter(service_type=hotline).exists()


def test_the_access_code_shows_the_replies_but_not_internal_notes_nor_the_case_number(client, tip, investigator):
    case = tip()
    code = confidential.confidential_access_issue(case=case)
    services.case_add_note(case=case, actor=investigator, text="Thank you, we opened a file.", public=True)
    services.case_add_note(case=case, actor=investigator, text="Suspect: J. Doe at Acme", public=False)
    response = client.post("/confidential/", {"code": code.lower().replace("-", " ")})
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Thank you, we opened a file." in html and "bills for hours never worked" in html
    assert "J. Doe" not in html and case.reference not in html and investigator.username not in html


def test_the_reporter_adds_information_with_the_code_and_the_investigators_are_told(client, tip, outbox):
    case = tip(reporter_email="")
    code = confidential.confidential_access_issue(case=case)
    outbox()
    mail.outbox.clear()
    response = client.post("/confidential/", {"code": code, "information": "He also uses a second company."})
    assert response.status_code == 200 and "your information was added" in response.content.decode()
    event = CaseEvent.objects.filter(case=case).last()
    assert event is not None
    assert (event.kind, event.actor, event.actor_label, event.is_public) == (
        EventKind.PUBLIC_NOTE,
        None,
        "Reporter",
        True,
    )
    assert event.text == "He also uses a second company."
    told = outbox()
    assert [m.to for m in told] == [["fraud-unit@independence.test"]]
    assert "second company" not in told[0].body


def test_an_empty_addition_is_refused_in_words_and_nothing_is_added(client, tip):
    case = tip()
    code = confidential.confidential_access_issue(case=case)
    before = case.events.count()
    response = client.post("/confidential/", {"code": code, "information": "   "})
    assert response.status_code == 400 and "This cannot be empty." in response.content.decode()
    assert case.events.count() == before


def test_a_wrong_code_opens_nothing_and_adds_nothing(client, tip):
    case = tip()
    confidential.confidential_access_issue(case=case)
    before = case.events.count()
    response = client.post("/confidential/", {"code": "AAAAA-BBBBB-CCCCC-DDDDD", "information": "spam"})
    assert response.status_code == 400 and "does not open any report" in response.content.decode()
    assert case.events.count() == before
    assert client.post("/confidential/", {"code": ""}).status_code == 400


def test_after_too_many_wrong_codes_even_the_right_one_must_wait(client, tip):
    code = confidential.confidential_access_issue(case=tip())
    for _ in range(confidential.MAX_FAILURES):
        assert client.post("/confidential/", {"code": "WRONG-CODE"}, REMOTE_ADDR=ADDRESS).status_code == 400
    blocked = client.post("/confidential/", {"code": code}, REMOTE_ADDR=ADDRESS)
    assert blocked.status_code == 429 and "Too many wrong codes" in blocked.content.decode()
    # A new session from the same address is slowed down too: the address counts.
    from django.test import Client

    assert Client().post("/confidential/", {"code": code}, REMOTE_ADDR=ADDRESS).status_code == 429
    # Another caller is not.
    assert Client().post("/confidential/", {"code": code}, REMOTE_ADDR="198.51.100.4").status_code == 200


def test_the_wrong_code_counts_are_forgotten_after_the_window(client, tip, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    code = confidential.confidential_access_issue(case=tip())
    for _ in range(confidential.MAX_FAILURES):
        client.post("/confidential/", {"code": "WRONG"}, REMOTE_ADDR=ADDRESS)
    later = timezone.now() + confidential.WINDOW + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.post("/confidential/", {"code": code}, REMOTE_ADDR=ADDRESS).status_code == 200


def test_no_model_a_portal_report_is_stored_in_has_a_field_for_a_network_address_or_a_browser():
    # Open311 submissions keep an app's device_id, but Open311 never takes a confidential type.
    suspicious = re.compile(r"(^|_)(ip|ip_address|remote_addr|user_agent|agent|device)(_|$)")
    for model in apps.get_models():
        if model._meta.app_label not in {"cases", "portal", "notifications", "sessions", "accounts", "intake"}:
            continue
        for field in model._meta.get_fields():
            assert not suspicious.search(field.name), f"{model.__name__}.{field.name}"


def test_no_saved_row_holds_the_reporters_address_or_browser(client, hotline, tip):
    code = _code(
        _report(
            client, hotline, reporter_email="whistle@example.org", client_token="0b7ad9f6-3f5b-4a7c-9d57-7d2c1f0e9e10"
        )
    )
    client.post("/confidential/", {"code": code, "information": "more"}, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    client.post("/confidential/", {"code": "WRONG"}, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    for model in apps.get_models():
        for row in model._default_manager.all().values_list():
            text = repr(row)
            assert ADDRESS not in text and "SecretBrowser" not in text and "ZX-4411" not in text, model.__name__
