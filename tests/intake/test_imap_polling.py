"""Polling a real IMAP mailbox (Debian's Dovecot on loopback): each message becomes a case,
and is marked done only after its case is committed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from civicdesk.cases.models import EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.imap import MailboxPoller, parse_imap_url
from civicdesk.intake.models import InboundMessage, Outcome
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City
from tests.intake.conftest import triage_code
from tests.intake.mail import RESIDENT, html_only, plain, raw, with_photos
from tests.intake.servers import Dovecot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()),
        reason="Debian's dovecot-imapd is not installed (scripts/bootstrap.sh installs it)",
    ),
]


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def poller(server: Dovecot, **kw: Any) -> MailboxPoller:
    return MailboxPoller(parse_imap_url(server.url), timeout=10, **kw)


class Crash(BaseException):
    """The poller dying at the worst moment (BaseException: nothing in it catches this)."""


def test_each_unseen_message_becomes_a_case_and_is_then_marked_seen(
    dovecot: Dovecot, catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    dovecot.deliver(raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole")))
    dovecot.deliver(raw(html_only("<p>The <i>street light</i> is out at 300 W Maple Ave</p>", subject="Light")))
    dovecot.deliver(raw(with_photos("Trash piled up at 1200 N Main St", subject="trash")))
    dovecot.deliver(raw(plain("Please come and look, it is terrible.", subject="Help")))
    dovecot.deliver(raw(plain("I am away until Monday.", subject="Out of office", Auto_Submitted="auto-replied")))

    report = poller(dovecot).poll_once()

    assert report.fetched == 5
    assert report.outcomes == {Outcome.CREATED: 4, Outcome.IGNORED: 1}
    by_type = {c.service_type.code: c for c in ServiceRequest.objects.all()}
    assert set(by_type) == {"pothole", "street-light-out", "trash", triage_code()}
    assert by_type["trash"].photos.count() == 2
    assert by_type[triage_code()].department is None
    assert all(r"\Seen" in flags for flags in dovecot.flags())
    acknowledgements = [m for m in outbox() if m.to == [RESIDENT]]
    assert len(acknowledgements) == 4  # the out-of-office got nothing back


def test_a_reply_to_a_notification_arriving_in_the_mailbox_becomes_a_note_on_that_case(
    dovecot: Dovecot, catalogue: dict[str, ServiceType]
) -> None:
    dovecot.deliver(raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole")))
    poller(dovecot).poll_once()
    case = ServiceRequest.objects.get()
    ack = OutboxMessage.objects.get(case=case, recipient=RESIDENT)
    dovecot.deliver(
        raw(
            with_photos(
                "Now two cars have hit it.\n\n-----Original Message-----\nFrom: Independence 311\n",
                subject=f"RE: {ack.subject}",
                In_Reply_To=ack.message_id,
            )
        )
    )

    report = poller(dovecot).poll_once()

    assert report.outcomes == {Outcome.NOTE: 1}
    assert ServiceRequest.objects.count() == 1
    assert case.events.get(kind=EventKind.PUBLIC_NOTE).text == "Now two cars have hit it."
    assert case.photos.count() == 2


def test_handled_messages_move_to_the_processed_folder_when_the_mailbox_has_one(
    dovecot: Dovecot, catalogue: dict[str, ServiceType]
) -> None:
    dovecot.create_folder("Processed")
    dovecot.deliver(raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole")))

    poller(dovecot).poll_once()

    assert dovecot.flags("INBOX") == []
    assert [r"\Seen" in f for f in dovecot.flags("Processed")] == [True]


def test_a_poller_that_dies_after_the_commit_but_before_flagging_makes_nothing_twice_on_the_next_poll(
    dovecot: Dovecot, catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    dovecot.deliver(raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole")))

    def die(uid: str, result: Any) -> None:
        raise Crash

    with pytest.raises(Crash):
        poller(dovecot, on_committed=die).poll_once()
    assert ServiceRequest.objects.count() == 1  # committed
    assert dovecot.flags() == [set()]  # but not marked: the message will come again

    report = poller(dovecot).poll_once()

    assert report.fetched == 1 and report.duplicates == 1 and report.outcomes == {}
    assert ServiceRequest.objects.count() == 1
    assert len([m for m in outbox() if m.to == [RESIDENT]]) == 1
    assert dovecot.flags() == [{r"\Seen"}]


def test_a_message_that_fails_stays_unseen_while_the_others_go_on_and_is_flagged_for_staff_after_the_cap(
    dovecot: Dovecot, catalogue: dict[str, ServiceType], independence: City, settings: Any
) -> None:
    settings.INTAKE_MAX_ATTEMPTS = 2
    # A city that switched its triage type off cannot take unplaceable reports: those fail.
    ServiceType.objects.create(city=independence, code=triage_code(), name="Needs triage", active=False)
    dovecot.deliver(raw(plain("Something is wrong, please help.", subject="help")))
    dovecot.deliver(raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole")))

    first = poller(dovecot).poll_once()

    assert first.failed == 1 and first.outcomes == {Outcome.CREATED: 1}
    assert dovecot.flags() == [set(), {r"\Seen"}]
    assert InboundMessage.objects.get(outcome=Outcome.FAILED).attempts == 1

    second = poller(dovecot).poll_once()

    assert second.fetched == 1 and second.gave_up == 1
    assert dovecot.flags() == [{r"\Seen", r"\Flagged"}, {r"\Seen"}]
    record = InboundMessage.objects.get(subject="help")
    assert record.outcome == Outcome.GAVE_UP and "no longer offered" in record.error
    assert poller(dovecot).poll_once().fetched == 0


def test_the_poll_mailbox_command_polls_once_and_says_what_it_did(
    dovecot: Dovecot, catalogue: dict[str, ServiceType], capsys: Any
) -> None:
    dovecot.deliver(raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole")))

    call_command("poll_mailbox", "--once", url=dovecot.url)

    assert "1 message(s): 1 created" in capsys.readouterr().out
    assert ServiceRequest.objects.count() == 1


def test_mail_to_a_mailbox_that_belongs_to_one_city_goes_to_that_city_whatever_its_to_header_says(
    dovecot: Dovecot, catalogue: dict[str, ServiceType], independence: City
) -> None:
    dovecot.deliver(raw(plain("Deep pothole in front of 1234 S Noland Rd", to="potholes@alias.example")))

    report = poller(dovecot, default_city=independence).poll_once()

    assert report.outcomes == {Outcome.CREATED: 1}
    assert ServiceRequest.objects.get().city == independence
