"""Delivering the outbox: claims, retries with backoff, giving up, and the sweeper.

Failures are real: the SMTP backend is pointed at a loopback port where nothing listens,
or at a real aiosmtpd server that refuses the recipient."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from civicdesk.notifications import delivery
from civicdesk.notifications.delivery import backoff_seconds, deliver, sweep
from civicdesk.notifications.models import OutboxMessage, OutboxStatus
from civicdesk.notifications.outbox import outbox_enqueue

pytestmark = pytest.mark.django_db


def smtp_at(port: int):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
    )


def write(recipient: str = "resident@example.org") -> OutboxMessage:
    message = outbox_enqueue(
        kind="test", recipient=recipient, subject="Hello", body_text="Body", body_html="<p>Body</p>"
    )
    assert message is not None
    return message


def make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


@override_settings(OUTBOX_BACKOFF_BASE_SECONDS=30, OUTBOX_BACKOFF_MAX_SECONDS=600)
def test_backoff_doubles_after_each_failure_up_to_the_cap():
    assert [backoff_seconds(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 600, 600]
    assert backoff_seconds(1000) == 600


@override_settings(OUTBOX_BACKOFF_BASE_SECONDS=30, OUTBOX_MAX_ATTEMPTS=5)
def test_a_failed_attempt_keeps_the_message_pending_with_the_error_and_a_later_retry(closed_port):
    message = write()
    before = timezone.now()
    with smtp_at(closed_port):
        assert deliver(message.pk) == OutboxStatus.PENDING
    message.refresh_from_db()
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.claimed_by == "" and message.claimed_at is None
    assert before + dt.timedelta(seconds=29) < message.next_attempt_at < timezone.now() + dt.timedelta(seconds=31)
    # The retry is queued to run when the backoff ends.
    assert message.enqueued_at == message.next_attempt_at
    # Not due yet: a duplicate task that runs early sends nothing and changes nothing.
    with smtp_at(closed_port):
        assert deliver(message.pk) == OutboxStatus.PENDING
    message.refresh_from_db()
    assert message.attempts == 1

    make_due(message)
    with smtp_at(closed_port):
        deliver(message.pk)
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at > timezone.now() + dt.timedelta(seconds=59)


@override_settings(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_BACKOFF_BASE_SECONDS=1)
def test_a_message_is_given_up_after_the_last_attempt_with_its_error_kept(closed_port):
    message = write()
    statuses = []
    with smtp_at(closed_port):
        for _ in range(3):
            make_due(message)
            statuses.append(deliver(message.pk))
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.DEAD]
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 3
    assert "ConnectionRefusedError" in message.last_error
    # Dead is final: further tasks or sweeps leave it alone.
    make_due(message)
    assert deliver(message.pk) == OutboxStatus.DEAD
    assert sweep()["queued"] == 0


def test_two_deliveries_of_one_row_send_it_once():
    message = write()
    assert deliver(message.pk) == OutboxStatus.SENT
    assert deliver(message.pk) == OutboxStatus.SENT
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.extra_headers["Message-ID"] == message.message_id
    message.refresh_from_db()
    assert message.attempts == 1 and message.sent_at is not None and message.last_error == ""


def test_a_row_claimed_by_another_worker_is_not_sent_again():
    message = write()
    assert delivery._claim(message.pk, "other-host:1:abc")
    assert deliver(message.pk) == OutboxStatus.SENDING
    assert mail.outbox == []


def test_an_unknown_row_is_reported_missing():
    assert deliver(987654) == "missing"


@override_settings(OUTBOX_CLAIM_TIMEOUT_SECONDS=300, OUTBOX_MAX_ATTEMPTS=5)
def test_the_sweeper_releases_stale_claims_and_leaves_fresh_ones():
    stale, fresh = write("a@example.org"), write("b@example.org")
    assert delivery._claim(stale.pk, "dead-worker:1:x")
    assert delivery._claim(fresh.pk, "live-worker:2:y")
    OutboxMessage.objects.filter(pk=stale.pk).update(claimed_at=timezone.now() - dt.timedelta(seconds=301))
    result = sweep()
    assert result == {"released": 1, "given_up": 0, "queued": 1}
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == OutboxStatus.PENDING and stale.claimed_by == "" and stale.attempts == 1
    assert "stopped" in stale.last_error
    assert stale.enqueued_at is not None  # queued again in the same sweep
    assert fresh.status == OutboxStatus.SENDING and fresh.claimed_by == "live-worker:2:y"
    # The released row is delivered by the next task, once.
    assert deliver(stale.pk) == OutboxStatus.SENT
    assert [m.to for m in mail.outbox] == [["a@example.org"]]


@override_settings(OUTBOX_CLAIM_TIMEOUT_SECONDS=300, OUTBOX_MAX_ATTEMPTS=2)
def test_a_stale_claim_on_the_last_attempt_is_given_up_not_retried_for_ever():
    message = write()
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=1)
    assert delivery._claim(message.pk, "dead-worker:1:x")
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - dt.timedelta(seconds=400))
    assert sweep() == {"released": 0, "given_up": 1, "queued": 0}
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and message.attempts == 2 and message.last_error


@override_settings(OUTBOX_CLAIM_TIMEOUT_SECONDS=300)
def test_the_sweeper_queues_due_messages_not_queued_recently_and_leaves_the_rest():
    never, long_ago, recent, waiting = (write(f"{n}@example.org") for n in ("never", "long", "recent", "waiting"))
    now = timezone.now()
    OutboxMessage.objects.filter(pk=never.pk).update(enqueued_at=None)
    OutboxMessage.objects.filter(pk=long_ago.pk).update(enqueued_at=now - dt.timedelta(seconds=600))
    OutboxMessage.objects.filter(pk=recent.pk).update(enqueued_at=now - dt.timedelta(seconds=10))
    OutboxMessage.objects.filter(pk=waiting.pk).update(enqueued_at=None, next_attempt_at=now + dt.timedelta(hours=1))
    assert sweep()["queued"] == 2
    requeued = set(OutboxMessage.objects.filter(enqueued_at__gte=now).values_list("recipient", flat=True))
    assert requeued == {"never@example.org", "long@example.org"}


class Refusing:
    """An SMTP server that has no such mailbox for anyone."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such mailbox"


class Recording:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def test_a_refused_recipient_is_given_up_at_once_not_retried_for_hours(free_port):
    controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port)
    controller.start()
    try:
        message = write("nobody@example.org")
        with smtp_at(controller.port):
            assert deliver(message.pk) == OutboxStatus.DEAD
    finally:
        controller.stop()
    message.refresh_from_db()
    assert message.attempts == 1
    assert "550" in message.last_error and "No such mailbox" in message.last_error


def test_a_message_reaches_a_real_smtp_server_with_its_stable_message_id(free_port):
    handler = Recording()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port)
    controller.start()
    try:
        message = write()
        with smtp_at(controller.port):
            assert deliver(message.pk) == OutboxStatus.SENT
    finally:
        controller.stop()
    [received] = handler.messages
    assert received["Message-ID"] == message.message_id
    assert received["To"] == "resident@example.org"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.is_multipart()
