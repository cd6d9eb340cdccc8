"""The operators' commands: outbox_sweeper and outbox_status."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from civicdesk.notifications.delivery import _claim
from civicdesk.notifications.models import OutboxMessage, OutboxStatus
from civicdesk.notifications.outbox import outbox_enqueue

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def write(recipient: str) -> OutboxMessage:
    message = outbox_enqueue(kind="case_created", recipient=recipient, subject="s", body_text="b")
    assert message is not None
    return message


@override_settings(OUTBOX_CLAIM_TIMEOUT_SECONDS=60)
def test_one_sweep_releases_an_abandoned_claim_and_says_what_it_did():
    message = write("a@example.org")
    _claim(message.pk, "gone:1:x")
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=5))
    out = run("outbox_sweeper", "--once")
    assert "released 1 abandoned claim(s), gave up 0, queued 1 message(s)" in out
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING


def test_one_sweep_with_send_delivers_what_is_due(mailoutbox):
    write("a@example.org")
    out = run("outbox_sweeper", "--once", "--send")
    assert "sent 1" in out
    assert [m.to for m in mailoutbox] == [["a@example.org"]]


def test_the_interval_must_be_a_positive_number():
    with pytest.raises(CommandError, match="more than 0"):
        call_command("outbox_sweeper", "--once", "--interval", "0")


def test_status_counts_messages_per_status_and_shows_the_oldest_waiting():
    first = write("first@example.org")
    OutboxMessage.objects.filter(pk=first.pk).update(attempts=2, last_error="ConnectionRefusedError: nobody home")
    write("second@example.org")
    sent = write("sent@example.org")
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT, sent_at=timezone.now())
    out = run("outbox_status")
    counts = {status: int(n) for status, n in re.findall(r"\b(pending|sending|sent|dead)\s+(\d+)$", out, re.M)}
    assert counts == {"pending": 2, "sending": 0, "sent": 1, "dead": 0}
    assert f"oldest waiting: #{first.pk} case_created to first@example.org" in out
    assert "2 attempt(s)" in out
    assert "last error: ConnectionRefusedError: nobody home" in out


def test_status_says_so_when_nothing_is_waiting():
    assert "nothing is waiting" in run("outbox_status")
