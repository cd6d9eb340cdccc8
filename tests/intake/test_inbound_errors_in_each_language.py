"""Why an inbound message was ignored or failed, in the admin's list of inbound messages,
reads in the administrator's language: stored in English (the catalog's words with their
values), written again in Spanish for a Spanish-reading city administrator. Rows stored
before, when a failure was kept as Python wrote it ("ValidationError: {…}"), read the same
way, with no data migration. What a mail program or the database wrote stays as written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.intake.models import InboundMessage, Outcome
from civicdesk.intake.services import IngestFailed, email_ingest
from civicdesk.tenants.models import City
from tests.intake.conftest import triage_code
from tests.intake.mail import CITY_ADDRESS, plain, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_admin(independence: City, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.CITY_ADMIN, is_staff=True, email="ada@independence.test")


@pytest.fixture
def operator(db: Any) -> User:
    """Who sees every inbound message, those that reached no city too."""
    return User.objects.create_superuser(username="operator", email="ops@example.org", password="a-long-test-password")


def inbound_list(user: User, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("admin:intake_inboundmessage_changelist"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def inbound_page(user: User, message: InboundMessage, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("admin:intake_inboundmessage_change", args=[message.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def error_of(subject: str) -> str:
    return InboundMessage.objects.get(subject=subject).error


def test_why_messages_were_ignored_or_failed_reads_in_spanish_and_is_stored_in_english(
    catalogue: dict[str, ServiceType], independence: City, operator: User, city_admin: User, settings: Any
) -> None:
    settings.INTAKE_MAX_ATTEMPTS = 1
    email_ingest(raw=raw(plain("I am away until Monday.", subject="Out of office", Auto_Submitted="auto-replied")))
    email_ingest(raw=raw(plain("Weekly news", subject="Newsletter", Precedence="bulk")))
    email_ingest(raw=raw(plain("Undeliverable", subject="Bounce", sender="MAILER-DAEMON@example.net")))
    email_ingest(raw=raw(plain("Our own words", subject="Loop", sender=CITY_ADDRESS)))
    # A city that switched its triage type off: the message fails, and is left for staff.
    ServiceType.objects.create(city=independence, code=triage_code(), name="Needs triage", active=False)
    with pytest.raises(IngestFailed):
        email_ingest(raw=raw(plain("Something is wrong somewhere", subject="help")))

    # Stored in English, as the log and the operators' tools read it.
    assert error_of("Out of office") == "Auto-Submitted: auto-replied"
    assert error_of("Newsletter") == "Precedence: bulk"
    assert error_of("Bounce") == "sent by MAILER-DAEMON@example.net"
    assert error_of("Loop") == "sent from one of our own addresses"
    assert error_of("help") == "Could not be processed: Needs triage is no longer offered."
    assert InboundMessage.objects.get(subject="help").outcome == Outcome.GAVE_UP

    spanish = inbound_list(operator, "es")
    for words in (
        "encabezado Auto-Submitted: auto-replied",
        "encabezado Precedence: bulk",
        "enviado por MAILER-DAEMON@example.net",
        "enviado desde una de nuestras propias direcciones",
        "No se pudo procesar: Needs triage ya no se ofrece.",
    ):
        assert escape(words) in spanish, words
    assert "no longer offered" not in spanish and "our own addresses" not in spanish

    english = inbound_list(operator, "en")
    for subject in ("Out of office", "Newsletter", "Bounce", "Loop", "help"):
        assert escape(error_of(subject)) in english, subject
    assert "No se pudo procesar" not in english

    # The city's administrator sees the failure too: it is recorded with the city it was sent to.
    failed = InboundMessage.objects.get(subject="help")
    assert failed.city == independence
    assert escape("No se pudo procesar: Needs triage ya no se ofrece.") in inbound_list(city_admin, "es")

    # The message's own page says the same.
    assert escape("No se pudo procesar: Needs triage ya no se ofrece.") in inbound_page(operator, failed, "es")
    assert escape("Could not be processed: Needs triage is no longer offered.") in inbound_page(operator, failed, "en")


@pytest.mark.parametrize(
    ("stored", "english", "spanish"),
    [
        # A failure as Python wrote it: a refusal of the product's, as a dict or a list.
        (
            "ValidationError: {'service_type': ['Needs triage is no longer offered.']}",
            "Could not be processed: Needs triage is no longer offered.",
            "No se pudo procesar: Needs triage ya no se ofrece.",
        ),
        (
            "ValidationError: ['Needs triage ya no se ofrece.']",
            "Could not be processed: Needs triage is no longer offered.",
            "No se pudo procesar: Needs triage ya no se ofrece.",
        ),
        # The database's own words are kept as it wrote them.
        (
            "OperationalError: database is locked",
            "Could not be processed: OperationalError: database is locked",
            "No se pudo procesar: OperationalError: database is locked",
        ),
        ("X-Autoreply header", "X-Autoreply header", "encabezado X-Autoreply"),
        ("empty Return-Path (a delivery report)", None, "Return-Path vacío (un informe de entrega)"),
        ("a delivery or read report", None, "un informe de entrega o de lectura"),
        # Not the intake's words: shown as stored.
        ("Something a person wrote", None, "Something a person wrote"),
    ],
)
def test_errors_stored_before_read_in_each_language(
    independence: City, city_admin: User, stored: str, english: str | None, spanish: str
) -> None:
    InboundMessage.objects.create(
        message_id="<old@example.org>",
        received_at=clock.now(),
        city=independence,
        outcome=Outcome.GAVE_UP,
        attempts=5,
        subject="old",
        error=stored,
    )

    assert escape(spanish) in inbound_list(city_admin, "es")
    assert escape(english or stored) in inbound_list(city_admin, "en")


def test_a_message_the_parser_gives_up_on_says_so_in_each_language(independence: City, city_admin: User) -> None:
    from civicdesk.intake import words

    stored = words.unreadable_stored(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"))
    assert stored.startswith("The message could not be read: UnicodeDecodeError: ")
    InboundMessage.objects.create(
        message_id="<unread@example.org>",
        received_at=clock.now(),
        city=independence,
        outcome=Outcome.FAILED,
        attempts=1,
        error=stored,
    )

    spanish = inbound_list(city_admin, "es")
    assert escape("No se pudo leer el mensaje: UnicodeDecodeError: ") in spanish
    assert escape(stored) in inbound_list(city_admin, "en")
