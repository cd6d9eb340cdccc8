"""WCAG 3.1.2 Language of Parts in a resident's HTML emails, as on the pages: in an email
written in Spanish, what the city typed in English (a type with no Spanish name, a
department, a district) is inside <span lang="en">, so a screen reader reading the email in
Spanish switches to English for it, and so is what a person typed in English (a resident's
description, a note: its language told from its words); nothing else is, and a type's Spanish
name is not marked. The email is in the resident's language, whatever the language of the case or of
whoever made the change; its <html lang> says which. The plain-text part has no markup.
An email in English marks nothing. Read from a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.services import email_ingest
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AreaKind, AreaSubscription
from civicdesk.notifications.services import case_follow
from civicdesk.tenants.models import City, District
from civicdesk.tenants.selectors import district_at
from tests.conftest import INSIDE
from tests.intake.mail import RESIDENT, plain, raw
from tests.portal.test_language_of_parts import texts

pytestmark = pytest.mark.django_db

DEPARTMENT = "CD-NEIGHBORHOOD SERVICES"  # the trash type's department (tests/conftest.py)
TRASH = "Trash/Rubbish"  # a type with no Spanish name
DISTRICT = "Council District 1"
SOFA = "A sofa dumped on the curb"  # the reports' description (tests/conftest.py), in English


@pytest.fixture
def district(independence: City) -> District:
    """The demo's district at the reports' pin, named as a city names one."""
    lat, lng = INSIDE["independence"]
    found = district_at(city=independence, lat=lat, lng=lng)
    assert found is not None
    named = District.objects.defer("boundary").get(pk=found.pk)
    named.name = DISTRICT
    named.save(update_fields=["name", "updated_at"])
    return named


@pytest.fixture
def pothole(independence: City, trash: ServiceType, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(independence, "pothole", name="Pothole", name_es="Bache", department=trash.department)


@pytest.fixture
def supervisor(independence: City, trash: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.SUPERVISOR, department=trash.department, email="sue@independence.test")


def html(received: Any) -> str:
    return str(received.message.get_body(preferencelist=("html",)).get_content())


def read_in_english(received: Any) -> list[str]:
    """Every text of the HTML part read in English, in order (the <html lang> counts)."""
    return [text for text, lang in texts(html(received), page="") if lang == "en"]


def spanish(received: Any, *, english: list[str]) -> None:
    """An email in Spanish whose only English texts are ``english``, each in a span of its own."""
    body = html(received)
    assert '<html lang="es">' in body
    assert read_in_english(received) == english, received.message["Subject"]
    for text in english:
        assert f'<span lang="en">{text}</span>' in body, text
    # The plain-text part is text: nothing is marked there.
    assert "<span" not in received.text() and "lang=" not in received.text()


def english(received: Any) -> None:
    body = html(received)
    assert '<html lang="en">' in body
    assert "lang=" not in body.replace('<html lang="en">', "")
    assert [lang for _text, lang in texts(body, page="")] == ["en"] * len(texts(body, page=""))


def test_a_spanish_reporters_and_followers_emails_mark_the_citys_english(
    report: Any, district: District, supervisor: User, smtp_inbox: Any
) -> None:
    case = report(notify_reporter=True, language="es", reporter_name="Ana")
    assert case.district_id == district.pk and case.department.name == DEPARTMENT
    case_follow(case=case, email="vecina@example.org", language="es")
    services.case_add_note(case=case, actor=supervisor, text="La cuadrilla va en camino", public=True)
    services.case_close(case=case, actor=supervisor, note="Reparado")
    services.case_reopen(case=case, actor=supervisor, reason="Volvió a aparecer.")
    received = smtp_inbox()
    to_ana = [m for m in received if m.to == "resident@example.org"]
    to_vecina = [m for m in received if m.to == "vecina@example.org"]
    assert [str(m.message["Subject"]).split("] ")[1].split(":")[0] for m in to_ana] == [
        "Recibimos su reporte",
        "Novedades sobre su reporte",
        "Su reporte está cerrado",
        "Se reabrió su reporte",
    ]
    acknowledgement, update, closing, reopening = to_ana
    # The acknowledgement names the type and the department the city typed, and quotes the
    # resident's description, which they wrote in English.
    spanish(acknowledgement, english=[TRASH, DEPARTMENT, SOFA])
    assert f'<td><span lang="en">{TRASH}</span></td>' in html(acknowledgement)
    assert f'<td><span lang="en">{DEPARTMENT}</span></td>' in html(acknowledgement)
    for message in (update, closing, reopening, *to_vecina):
        spanish(message, english=[TRASH])
        assert f'(<span lang="en">{TRASH}</span>)' in html(message)
    assert len(to_vecina) == 3  # the update, the closing, the reopening
    # Staff's emails are in the site's language: nothing in them is marked.
    for message in received:
        if message.to not in ("resident@example.org", "vecina@example.org"):
            english(message)


def test_a_types_spanish_name_is_not_marked(report: Any, pothole: ServiceType, smtp_inbox: Any) -> None:
    report(service_type=pothole, language="es")
    [acknowledgement] = [m for m in smtp_inbox() if m.to == "resident@example.org"]
    spanish(acknowledgement, english=[DEPARTMENT, SOFA])
    assert "<td>Bache</td>" in html(acknowledgement)
    assert ("Bache", "es") in texts(html(acknowledgement), page="")


def test_the_email_is_in_the_readers_language_not_the_cases(
    report: Any, district: District, supervisor: User, smtp_inbox: Any
) -> None:
    """An English reporter's case followed by a Spanish speaker: each reads their own."""
    case = report(notify_reporter=True, language="en")
    case_follow(case=case, email="vecina@example.org", language="es")
    smtp_inbox()
    services.case_add_note(case=case, actor=supervisor, text="Crew on the way", public=True)
    mail = {m.to: m for m in smtp_inbox()}
    english(mail["resident@example.org"])
    # The note is the supervisor's English: marked so in the Spanish email only.
    spanish(mail["vecina@example.org"], english=[TRASH, "Crew on the way"])


def test_an_english_reporters_emails_mark_nothing(report: Any, supervisor: User, smtp_inbox: Any) -> None:
    case = report(notify_reporter=True, language="en")
    services.case_add_note(case=case, actor=supervisor, text="Crew on the way", public=True)
    services.case_close(case=case, actor=supervisor, note="Done")
    to_resident = [m for m in smtp_inbox() if m.to == "resident@example.org"]
    assert len(to_resident) == 3
    for message in to_resident:
        english(message)
        assert TRASH in html(message)


def _subscribe(city: City, email: str, language: str, **area: Any) -> AreaSubscription:
    subscription = alert_services.subscription_create(email=email, city=city, on="both", language=language, **area)
    alert_services.subscription_confirm(token=subscription.confirm_token)
    return subscription


def test_area_alerts_and_their_confirmation_mark_the_type_and_the_district(
    independence: City, trash: ServiceType, district: District, supervisor: User, smtp_inbox: Any
) -> None:
    lat, lng = INSIDE["independence"]
    _subscribe(independence, "distrito@example.org", "es", area=AreaKind.DISTRICT, district=district)
    _subscribe(independence, "circulo@example.org", "es", area=AreaKind.RADIUS, lat=lat, lng=lng, radius_m=500)
    _subscribe(independence, "district@example.org", "en", area=AreaKind.DISTRICT, district=district)
    confirmations = {m.to: m for m in smtp_inbox()}
    # "… en esta zona: <strong>Council District 1, Independence</strong>": the city's name is a
    # proper name; a circle is described in the product's words, in Spanish.
    spanish(confirmations["distrito@example.org"], english=[DISTRICT])
    assert f'<strong><span lang="en">{DISTRICT}</span>, Independence</strong>' in html(
        confirmations["distrito@example.org"]
    )
    spanish(confirmations["circulo@example.org"], english=[])
    english(confirmations["district@example.org"])

    case = services.case_create(
        service_type=trash, lat=lat, lng=lng, description="Sofa", reporter_email="e@example.org"
    )
    services.case_close(case=case, actor=supervisor, note="Picked up")
    alerts = [m for m in smtp_inbox() if m.to.endswith("@example.org") and m.to != "e@example.org"]
    by_reader: dict[str, list[Any]] = {}
    for message in alerts:
        by_reader.setdefault(message.to, []).append(message)
    assert {reader: len(got) for reader, got in by_reader.items()} == {
        "distrito@example.org": 2,
        "circulo@example.org": 2,
        "district@example.org": 2,
    }
    for new_or_closed in by_reader["distrito@example.org"]:
        # The area in the first sentence, the type, the district after the place.
        spanish(new_or_closed, english=[DISTRICT, TRASH, DISTRICT])
        assert f'<td><span lang="en">{TRASH}</span></td>' in html(new_or_closed)
    for new_or_closed in by_reader["circulo@example.org"]:
        spanish(new_or_closed, english=[TRASH, DISTRICT])
        assert f'(<span lang="en">{DISTRICT}</span>)</td>' in html(new_or_closed)
    for new_or_closed in by_reader["district@example.org"]:
        english(new_or_closed)


def test_an_emailed_report_in_spanish_is_acknowledged_with_the_citys_english_marked(
    independence: City, trash: ServiceType, smtp_inbox: Any
) -> None:
    trash.keywords = "basura"
    trash.save(update_fields=["keywords"])
    message = plain(
        "Hay basura tirada frente al número 1234 S Noland Rd desde hace dos semanas.",
        subject="Basura en la calle",
        Content_Language="es",
    )
    case = email_ingest(raw=raw(message)).case
    assert case is not None and case.language == "es" and case.service_type_id == trash.pk
    [acknowledgement] = [m for m in smtp_inbox() if m.to == RESIDENT]
    spanish(acknowledgement, english=[TRASH, DEPARTMENT])


def test_the_alert_pages_mark_the_district_of_the_area_too(
    client: Client, independence: City, district: District
) -> None:
    subscription = alert_services.subscription_create(
        email="distrito@example.org", city=independence, area=AreaKind.DISTRICT, district=district, language="es"
    )
    client.cookies["django_language"] = "es"
    for name, token in (
        ("portal:alert-confirm", subscription.confirm_token),
        ("portal:alert-unsubscribe", subscription.unsubscribe_token),
    ):
        page = client.get(reverse(name, kwargs={"token": token})).content.decode()
        assert f'<span lang="en">{DISTRICT}</span>, Independence' in page, name
        # Read in English: the district, the language chooser's "English" and the phone's button for it.
        in_english = sorted(text for text, lang in texts(page, page="") if lang == "en")
        assert in_english == [DISTRICT, "English", "English"], name
