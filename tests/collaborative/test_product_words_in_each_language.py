"""The sentences the product writes on a case's timeline (a hand-off's "Raytown now handles
this report…", who acted: "Resident") read in each reader's language: the Spanish
reporter's email, the Spanish tracking page and console, whatever language the staff member
who acted was using. What people typed (a refusal's reason) is shown as typed. Events stored
before, with the sentence already translated, read in the reader's language too."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape

from civicdesk.accounts.models import Role, User
from civicdesk.cases import event_words, services, transfers
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.services import case_follow
from civicdesk.tenants.models import City
from tests.cases.images import halves
from tests.conftest import INSIDE
from tests.outbox_harness import Received

pytestmark = pytest.mark.django_db

SPANISH_HAND_OFF = "Ahora Raytown atiende este reporte, como {new} (antes era {old})."
ENGLISH_HAND_OFF = "Raytown now handles this report, as {new} (it was {old}). Contact Raytown about it."


@pytest.fixture
def people(staff: Any) -> dict[str, User]:
    return {
        "ind_supervisor": staff("independence", Role.SUPERVISOR),
        "rt_supervisor": staff("raytown", Role.SUPERVISOR),
        "rt_worker": staff("raytown", Role.WORKER),
    }


@pytest.fixture
def case(pothole: dict[str, ServiceType]) -> ServiceRequest:
    """A report made in Spanish on the portal, with a photo, and an English follower."""
    lat, lng = INSIDE["independence"]
    with translation.override("es"):
        case = services.case_create(
            service_type=pothole["independence"],
            lat=lat,
            lng=lng,
            description="Bache en la línea de la ciudad",
            reporter_email="rosa@example.org",
            notify_reporter=True,
            language="es",
        )
        photo = io.BytesIO()
        halves(80, 60).save(photo, format="JPEG")
        photo.seek(0)
        services.case_add_photo(
            case=case, actor=None, upload=photo, filename="bache.jpg", actor_label=event_words.RESIDENT
        )
    case_follow(case=case, email="ned@example.org", language="en")
    return case


def hand_off(case: ServiceRequest, people: dict[str, User], cities: dict[str, City], *, staff_language: str) -> str:
    """Independence asks Raytown to take the case and Raytown accepts, its staff working
    in ``staff_language``; the case's old reference."""
    old = case.reference
    with translation.override(staff_language):
        transfer = transfers.case_transfer(
            case=case, actor=people["ind_supervisor"], to_city=cities["raytown"], reason="Raytown maintains this road"
        )
        transfers.case_transfer_accept(transfer=transfer, actor=people["rt_supervisor"])
    return old


def html_of(message: Received) -> str:
    body = message.message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


@pytest.mark.parametrize("staff_language", ["en", "es"])
def test_the_hand_off_email_reads_in_each_recipients_language_whatever_the_staffs(
    case: ServiceRequest,
    people: dict[str, User],
    cities: dict[str, City],
    smtp_inbox: Callable[[], list[Received]],
    staff_language: str,
) -> None:
    smtp_inbox()  # the acknowledgement is not what this test reads
    old = hand_off(case, people, cities, staff_language=staff_language)
    case.refresh_from_db()
    told = {m.to: m for m in smtp_inbox() if m.to in ("rosa@example.org", "ned@example.org")}
    assert set(told) == {"rosa@example.org", "ned@example.org"}

    # Plain text is wrapped: the words are read as a mail program shows them, spaces joined.
    spanish = told["rosa@example.org"]
    for body in (" ".join(spanish.text().split()), " ".join(html_of(spanish).split())):
        assert SPANISH_HAND_OFF.format(new=case.reference, old=old) in body
        assert "now handles" not in body and "Contact Raytown" not in body
    english = told["ned@example.org"]
    for body in (" ".join(english.text().split()), " ".join(html_of(english).split())):
        assert ENGLISH_HAND_OFF.format(new=case.reference, old=old) in body
        assert "atiende" not in body

    # The event keeps the English sentence, whoever wrote it: the audit log reads one language.
    event = case.events.get(kind=EventKind.TRANSFERRED)
    assert event.text == ENGLISH_HAND_OFF.format(new=case.reference, old=old)


def test_the_tracking_and_public_pages_show_the_hand_off_in_the_readers_language(
    client: Client, case: ServiceRequest, people: dict[str, User], cities: dict[str, City]
) -> None:
    old = hand_off(case, people, cities, staff_language="en")
    case.refresh_from_db()
    public = f"/{case.city.slug}/requests/{case.number}/"
    for url in (f"/track/{case.tracking_token}/", public):
        spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert escape(SPANISH_HAND_OFF.format(new=case.reference, old=old)) in spanish
        assert "now handles" not in spanish
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert escape(ENGLISH_HAND_OFF.format(new=case.reference, old=old)) in english


def console_timeline(client: Client, case: ServiceRequest, language: str) -> str:
    response = client.get(f"/console/cases/{case.city.slug}/{case.number}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="timeline-h"') :]


def test_the_console_timeline_names_the_resident_and_the_hand_off_in_the_pages_language(
    client: Client, case: ServiceRequest, people: dict[str, User], cities: dict[str, City]
) -> None:
    old = hand_off(case, people, cities, staff_language="en")
    case.refresh_from_db()
    client.force_login(people["rt_worker"])

    spanish = console_timeline(client, case, "es")
    assert "<strong>Reportado</strong> · Residente ·" in spanish
    assert "<strong>Foto añadida</strong> · Residente ·" in spanish
    assert "· Resident ·" not in spanish
    assert escape(SPANISH_HAND_OFF.format(new=case.reference, old=old)) in spanish

    english = console_timeline(client, case, "en")
    assert "<strong>Reported</strong> · Resident ·" in english
    assert "Residente" not in english
    assert escape(ENGLISH_HAND_OFF.format(new=case.reference, old=old)) in english


def test_a_refusal_reads_in_the_pages_language_with_the_reason_as_staff_typed_it(
    client: Client, case: ServiceRequest, people: dict[str, User], cities: dict[str, City]
) -> None:
    with translation.override("es"):
        transfer = transfers.case_transfer(
            case=case, actor=people["ind_supervisor"], to_city=cities["raytown"], reason="Not our road"
        )
        transfers.case_transfer_refuse(transfer=transfer, actor=people["rt_supervisor"], reason="Not our road")
    assert case.events.get(kind=EventKind.TRANSFER_REFUSED).text == "Raytown did not take the case: Not our road"
    client.force_login(people["ind_supervisor"])
    assert "Raytown no aceptó el caso: Not our road" in console_timeline(client, case, "es")
    assert "Raytown did not take the case: Not our road" in console_timeline(client, case, "en")


def test_events_stored_before_already_translated_read_in_the_readers_language(
    client: Client, case: ServiceRequest, people: dict[str, User]
) -> None:
    """Before, the sentence was written in the language of whoever acted, and stored so: a
    Spanish resident's photo stored "Residente", a Spanish hand-off its Spanish sentence."""
    with translation.override("es"):
        stored_in_spanish = translation.gettext(event_words.TRANSFERRED[0]) % {
            "city": "Raytown",
            "new": "RT-77",
            "old": "IND-55",
        }
    assert "atiende" in stored_in_spanish
    CaseEvent.objects.create(
        case=case, at=timezone.now(), kind=EventKind.TRANSFERRED, is_public=True, text=stored_in_spanish
    )
    CaseEvent.objects.create(case=case, at=timezone.now(), kind=EventKind.PHOTO_ADDED, actor_label="Residente")
    client.force_login(people["ind_supervisor"])
    english = console_timeline(client, case, "en")
    assert "<strong>Photo added</strong> · Resident ·" in english
    assert escape(ENGLISH_HAND_OFF.format(new="RT-77", old="IND-55")) in english
    assert "atiende" not in english and "Residente" not in english
    spanish = console_timeline(client, case, "es")
    assert escape(SPANISH_HAND_OFF.format(new="RT-77", old="IND-55")) in spanish
    english_page = client.get(f"/track/{case.tracking_token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert escape(ENGLISH_HAND_OFF.format(new="RT-77", old="IND-55")) in english_page


def test_staff_notes_are_shown_as_typed_even_when_they_read_like_a_product_sentence() -> None:
    with translation.override("es"):
        assert event_words.shown_text(EventKind.PUBLIC_NOTE, "Placed at the corner.") == "Placed at the corner."
        assert event_words.shown_text(EventKind.PLACED, "Placed at 1 Main St.") == "Ubicado en 1 Main St."
        assert (
            event_words.shown_text(EventKind.PLACED, "Placed at 1 Main St. The place is in Raytown.")
            == "Ubicado en 1 Main St. El lugar está en Raytown."
        )
        assert event_words.shown_actor("Orchard Street app") == "Orchard Street app"
        assert event_words.shown_actor("From email by a@example.org") != "From email by a@example.org"
