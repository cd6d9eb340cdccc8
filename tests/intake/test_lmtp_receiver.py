"""The LMTP receiver for cities with their own mail server, fed by a real LMTP client
(smtplib.LMTP) over loopback: 250 only after the case is committed, 550 for an address
that is no city's, 451 when the database is down so the sending server retries."""

from __future__ import annotations

import contextlib
import os
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.lmtp import LMTPController, lmtp_controller
from civicdesk.intake.models import InboundMessage, Outcome
from civicdesk.notifications.delivery import deliver_due_now
from tests import outbox_harness
from tests.conftest import REPO
from tests.intake.mail import CITY_ADDRESS, RESIDENT, plain, raw, with_photos
from tests.intake.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 20


@pytest.fixture
def receiver() -> Iterator[LMTPController]:
    controller = lmtp_controller(host="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
        controller.handler.close()


@contextlib.contextmanager
def lmtp_client(port: int) -> Iterator[smtplib.LMTP]:
    client = smtplib.LMTP("127.0.0.1", port, timeout=WAIT_SECONDS)
    try:
        yield client
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()


def send(port: int, message: bytes, to: str = CITY_ADDRESS) -> dict[str, Any]:
    with lmtp_client(port) as client:
        return client.sendmail(RESIDENT, [to], message)


def test_a_message_delivered_over_lmtp_is_a_committed_case_when_the_server_says_250(
    receiver: LMTPController, catalogue: dict[str, ServiceType]
) -> None:
    with lmtp_client(receiver.port) as client:
        client.ehlo_or_helo_if_needed()
        client.mail(RESIDENT)
        code, _ = client.rcpt(CITY_ADDRESS)
        assert code == 250
        code, reply = client.data(raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole")))

        # Read from this test's own database connection: the receiver's thread committed it.
        case = ServiceRequest.objects.get()
    assert code == 250 and case.reference.encode() in reply
    assert case.service_type.code == "pothole" and case.reporter_email == RESIDENT


def test_photos_sent_over_lmtp_become_the_cases_photos(
    receiver: LMTPController, catalogue: dict[str, ServiceType]
) -> None:
    assert send(receiver.port, raw(with_photos("Trash piled up at 1200 N Main St", subject="trash"))) == {}

    assert ServiceRequest.objects.get().photos.count() == 2


def test_a_spanish_email_delivered_over_lmtp_is_acknowledged_in_spanish_over_smtp(
    receiver: LMTPController, catalogue: dict[str, ServiceType], settings: Any
) -> None:
    with outbox_harness.smtp_servers() as smtp_server:
        server = smtp_server()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        spanish = plain(
            "Hay un bache enorme frente al número 1234 S Noland Rd. Por favor arréglenlo.",
            subject="Bache enorme en la calle Main",
        )

        assert send(receiver.port, raw(spanish)) == {}
        case = ServiceRequest.objects.get()
        deadline = time.monotonic() + WAIT_SECONDS
        while not (acks := [r for r in server.handler.snapshot() if r.to == RESIDENT]):
            deliver_due_now()
            assert time.monotonic() < deadline, "the acknowledgement never reached the SMTP server"
            time.sleep(0.1)

    assert case.language == "es"
    # A long non-ASCII subject is folded after "Subject:"; mail programs drop the fold's space.
    assert str(acks[0].message["Subject"]).strip().startswith(f"[{case.reference}] Recibimos su reporte")
    text = acks[0].text()
    assert "Gracias por su reporte a Independence" in text and "Thank you" not in text


def test_an_address_that_is_no_citys_is_refused_with_550_and_nothing_is_kept(
    receiver: LMTPController, catalogue: dict[str, ServiceType]
) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(
            receiver.port,
            raw(plain("Pothole at 1234 S Noland Rd", to="nobody@civicdesk.localhost")),
            to="nobody@civicdesk.localhost",
        )

    code, text = refused.value.recipients["nobody@civicdesk.localhost"]
    assert code == 550 and b"no city" in text
    assert ServiceRequest.objects.count() == 0 and InboundMessage.objects.count() == 0


def test_the_same_message_delivered_twice_over_lmtp_makes_one_case(
    receiver: LMTPController, catalogue: dict[str, ServiceType]
) -> None:
    message = raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole"))

    send(receiver.port, message)
    send(receiver.port, message)

    assert ServiceRequest.objects.count() == 1
    assert InboundMessage.objects.get().outcome == Outcome.CREATED


def test_an_automatic_reply_over_lmtp_is_accepted_and_ignored(
    receiver: LMTPController, catalogue: dict[str, ServiceType]
) -> None:
    send(receiver.port, raw(plain("Out of office", Auto_Submitted="auto-replied")))

    assert ServiceRequest.objects.count() == 0
    assert InboundMessage.objects.get().outcome == Outcome.IGNORED


def test_the_receiver_answers_451_when_the_database_is_unreachable_so_the_sending_server_retries(
    tmp_path: Any,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CIVICDESK_VAR_DIR": str(tmp_path),
        # A database that cannot be opened: what a database server that is down looks like.
        "DATABASE_URL": f"sqlite:///{tmp_path}/no-such-directory/db.sqlite3",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "lmtp_server", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                client = smtplib.LMTP("127.0.0.1", port, timeout=WAIT_SECONDS)
                break
            except OSError:
                assert process.poll() is None, "the LMTP server exited"
                assert time.monotonic() < deadline, "the LMTP server did not start"
                time.sleep(0.1)
        with contextlib.closing(client):
            client.ehlo_or_helo_if_needed()
            client.mail(RESIDENT)
            code, text = client.rcpt(CITY_ADDRESS)
        assert code == 451, text
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
