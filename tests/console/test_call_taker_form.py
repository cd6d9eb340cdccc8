"""The call taker's console: what it opens on, the types the new-case form offers, the
"updates" box that promises emails only with an email, a second call about a case already
on file kept on that case, and a form that an Enter in a field never saves."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from civicdesk.accounts.models import Role
from civicdesk.cases import event_words, services
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest
from civicdesk.core.errors import PermissionDenied
from civicdesk.notifications.models import CaseFollower
from tests.conftest import INSIDE
from tests.console.test_new_case_duplicates_bulk import NEW, _submit_buttons, caller_form, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def triage(independence, make_service_type):
    """Email intake's triage type, as the catalogue ships it (no department)."""
    return make_service_type(
        independence, settings.INTAKE_TRIAGE_SERVICE_CODE, name="Needs triage", group="General", department=None
    )


@pytest.fixture
def other(independence, make_service_type):
    return make_service_type(independence, "other", name="Other / not sure", group="General", department=None)


# --- where the console opens ---------------------------------------------------------------


def test_a_call_taker_signing_in_lands_on_the_new_case_form(client, call_taker, supervisor):
    signed = client.post(
        reverse("console:login") + "?next=/console/",
        {"username": call_taker.username, "password": "a-long-test-password"},
    )
    assert signed.status_code == 302 and signed["Location"] == NEW
    client.logout()
    plain = client.post(reverse("console:login"), {"username": call_taker.username, "password": "a-long-test-password"})
    assert plain["Location"] == NEW
    client.logout()
    # Another page asked for is where they go; a supervisor starts at the case list.
    overdue = client.post(
        reverse("console:login") + "?next=/console/overdue/",
        {"username": call_taker.username, "password": "a-long-test-password"},
    )
    assert overdue["Location"] == "/console/overdue/"
    client.logout()
    boss = client.post(reverse("console:login"), {"username": supervisor.username, "password": "a-long-test-password"})
    assert boss["Location"] == reverse("console:home")


def test_a_call_takers_case_list_opens_on_every_case_of_the_city_not_an_empty_mine(
    signed_in, call_taker, worker, report
):
    case = report()
    page = signed_in(call_taker).get(reverse("console:home"))
    body = page.content.decode()
    assert re.search(r'href="\?queue=all" aria-current="page"', body), "All of my city is the queue shown"
    assert case.reference in body
    # The search box keeps that queue (the filters' "Queue" choice, a phone's tabs), and
    # "Mine" is still a click away.
    assert re.search(r'<select id="queue-pick" name="queue">.*?<option value="all" selected>', body, re.S)
    assert 'href="?queue=mine"' in body
    searched = signed_in(call_taker).get(reverse("console:home"), {"q": case.reference})
    assert case.reference in searched.content.decode()
    # Workers, who are given cases, still start at their own (a supervisor at their
    # department's: tests/console/test_landing_queue.py).
    theirs = signed_in(worker).get(reverse("console:home")).content.decode()
    assert re.search(r'href="\?queue=mine" aria-current="page"', theirs)


# --- the types offered -----------------------------------------------------------------------


def test_the_new_case_form_offers_no_triage_type_but_keeps_other_not_sure(
    signed_in, call_taker, pothole, triage, other
):
    client = signed_in(call_taker)
    body = client.get(NEW).content.decode()
    assert f'<option value="{pothole.pk}">Pothole</option>' in body
    assert f'<option value="{other.pk}">Other / not sure</option>' in body
    assert "Needs triage" not in body
    refused = client.post(NEW, caller_form(triage))
    assert refused.status_code == 400 and not ServiceRequest.objects.exists()
    # The case list still filters by it: staff find what email intake left there.
    listed = client.get(reverse("console:home")).content.decode()
    assert f'<option value="{triage.pk}">Needs triage</option>' in listed


# --- updates go by email ---------------------------------------------------------------------


def test_updates_are_not_promised_by_default_and_the_form_says_they_go_by_email(signed_in, call_taker):
    body = signed_in(call_taker).get(NEW).content.decode()
    box = re.search(r'<input[^>]*name="notify_reporter"[^>]*>', body).group(0)
    assert "checked" not in box
    assert 'aria-describedby="notify-help"' in box
    assert "Updates go by email only" in body


def test_updates_ticked_without_an_email_are_refused_beside_the_box_and_nothing_is_saved(
    signed_in, call_taker, pothole
):
    response = signed_in(call_taker).post(
        NEW, caller_form(pothole, reporter_email="", notify_reporter="on", confirm="1")
    )
    body = response.content.decode()
    assert response.status_code == 400 and not ServiceRequest.objects.exists()
    said = "Updates go by email: ask the caller for an email, or uncheck “Email the caller each update”."
    assert said in body
    # Beside the box too, with the id the box's aria-describedby names.
    assert f'<span class="error field-error" id="id_notify_reporter_error">{said}</span>' in body.replace("&quot;", '"')
    assert 'aria-describedby="notify-help id_notify_reporter_error"' in body
    assert '<a href="#id_notify_reporter">' in body
    # What was typed is kept.
    assert "Carla Caller" in body and "816-555-0101" in body


def test_a_phone_only_caller_is_saved_without_updates_and_one_with_an_email_with_them(signed_in, call_taker, pothole):
    client = signed_in(call_taker)
    phone_only = client.post(NEW, caller_form(pothole, reporter_email="", notify_reporter=""))
    assert phone_only.status_code == 302
    emailed = client.post(NEW, caller_form(pothole, confirm="1"))
    assert emailed.status_code == 302
    first, second = ServiceRequest.objects.order_by("number")
    assert (first.reporter_email, first.notify_reporter) == ("", False)
    assert (second.reporter_email, second.notify_reporter) == ("carla@example.org", True)


# --- another call about a case on file -------------------------------------------------------


def test_a_caller_with_no_email_is_offered_to_record_the_call_on_the_similar_case(
    signed_in, call_taker, pothole, report
):
    lat, lng = INSIDE["independence"]
    existing = report(service_type=pothole, lat=lat + 0.0003, lng=lng)
    shown = signed_in(call_taker).post(NEW, caller_form(pothole, reporter_email="", notify_reporter=""))
    body = shown.content.decode()
    assert shown.status_code == 200 and ServiceRequest.objects.count() == 1
    assert f"Record this call on {existing.reference}" in body
    assert f'formaction="{url("case_call", existing)}"' in body
    assert "Add the caller as a follower" not in body
    # 0.0003° north is 33 m: staff read it in feet, as the residents do.
    assert "110\u00a0ft away" in body and " m away" not in body
    # With an email, following it is offered as before.
    followed = signed_in(call_taker).post(NEW, caller_form(pothole)).content.decode()
    assert f"Add the caller as a follower of {existing.reference}" in followed


def test_a_similar_case_on_the_callers_point_is_at_the_same_point_not_0_ft_away(signed_in, call_taker, pothole, report):
    lat, lng = INSIDE["independence"]
    existing = report(service_type=pothole, lat=lat, lng=lng)
    for language, words in (("en", "at the same point"), ("es", "en el mismo punto")):
        body = (
            signed_in(call_taker)
            .post(NEW, caller_form(pothole, reporter_email="", notify_reporter=""), HTTP_ACCEPT_LANGUAGE=language)
            .content.decode()
        )
        item = body.split(f">{existing.reference}</a>")[1].split("</li>")[0]
        assert f" · {words} · " in item, language
        assert "0\u00a0ft" not in item and "0\u00a0pies" not in item


def test_recording_the_call_adds_an_internal_note_with_who_called_and_makes_no_case(
    signed_in, call_taker, pothole, report, outbox
):
    lat, lng = INSIDE["independence"]
    existing = report(service_type=pothole, lat=lat + 0.0003, lng=lng, reporter_email="first@example.org")
    outbox()
    sent_before = len(outbox())
    form = caller_form(pothole, reporter_email="", notify_reporter="", description="It is getting deeper", call="1")
    response = signed_in(call_taker).post(url("case_call", existing), form)
    assert response.status_code == 302 and response["Location"] == url("case", existing)
    assert ServiceRequest.objects.count() == 1
    note = CaseEvent.objects.filter(case=existing, kind=EventKind.INTERNAL_NOTE).get()
    assert note.text == "Another call about this: Carla Caller, 816-555-0101. The caller said: It is getting deeper"
    assert not note.is_public and note.actor == call_taker
    assert not CaseFollower.objects.exists()
    assert len(outbox()) == sent_before  # an internal note: the first reporter is not emailed
    page = signed_in(call_taker).get(url("case", existing)).content.decode()
    assert f"The call is recorded on {existing.reference}" in page
    assert "Another call about this: Carla Caller, 816-555-0101." in page


def test_a_call_with_no_name_or_phone_is_recorded_too_and_read_in_spanish(call_taker, pothole, report):
    case = report(service_type=pothole)
    event = services.case_record_call(case=case, actor=call_taker)
    assert event.text == "Another call about this, from a caller who gave no name or phone."
    with translation.override("es"):
        assert event_words.shown_text(event.kind, event.text) != event.text
        named = services.case_record_call(case=case, actor=call_taker, name="Ana", said="Sigue ahí")
        shown = event_words.shown_text(named.kind, named.text)
    assert named.text == "Another call about this: Ana. The caller said: Sigue ahí"
    assert "Ana" in shown and "Sigue ahí" in shown and "Another call" not in shown


def test_a_very_long_description_is_cut_to_fit_the_note(call_taker, pothole, report):
    case = report(service_type=pothole)
    event = services.case_record_call(case=case, actor=call_taker, phone="816-555-0101", said="x" * 10_000)
    assert len(event.text) == 10_000 and event.text.endswith("x…")


def test_only_staff_who_may_note_the_case_record_a_call(client, pothole, report, make_staff, raytown):
    case = report(service_type=pothole)
    other_city = make_staff(raytown, Role.CALL_TAKER)
    client.force_login(other_city)
    response = client.post(url("case_call", case), {"reporter_name": "Mallory"})
    assert response.status_code == 404
    assert not CaseEvent.objects.filter(kind=EventKind.INTERNAL_NOTE).exists()
    with pytest.raises(PermissionDenied):
        services.case_record_call(case=case, actor=other_city, name="Mallory")


# --- Enter in a field ------------------------------------------------------------------------


def test_the_address_script_is_loaded_once(signed_in, call_taker):
    body = signed_in(call_taker).get(NEW).content.decode()
    assert body.count("civicdesk/address.js") == 1


def test_enter_in_a_field_of_the_new_case_form_submits_nothing(signed_in, call_taker, pothole, report):
    """A browser's Enter in a one-line field clicks the form's first submit button; a disabled
    one means Enter does nothing. The case is saved by its own button only, even without
    JavaScript (the address box's Enter, a caller's phone number, a similar case's buttons)."""
    lat, lng = INSIDE["independence"]
    report(service_type=pothole, lat=lat + 0.0005, lng=lng)
    client = signed_in(call_taker)
    for response in (client.get(NEW), client.post(NEW, caller_form(pothole))):
        first, *rest = _submit_buttons(response.content.decode(), "new-case-form")
        assert "disabled" in first and first.get("formaction") is None and first.get("name") is None, first
        assert rest and all("disabled" not in b for b in rest)
