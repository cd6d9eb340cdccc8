"""Delivering the outbox.

A message is claimed with one conditional UPDATE (pending and due → sending), so two
workers never send the same row; the claim is released as sent, or back to pending with
a backoff, or dead after the last attempt. A worker killed while holding a claim leaves the
row in "sending": the sweeper puts it back once the claim is older than
OUTBOX_CLAIM_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicdesk.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait before attempt ``attempts + 1``: doubling, capped."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    return int(min(settings.OUTBOX_BACKOFF_MAX_SECONDS, base * (2 ** max(0, attempts - 1))))


def schedule_delivery(message_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Queue a delivery task for the message (harmless if one is queued already)."""
    from civicdesk.notifications.tasks import deliver_outbox_message

    OutboxMessage.objects.filter(pk=message_id).update(enqueued_at=timezone.now())
    task = deliver_outbox_message.using(run_after=run_after) if run_after else deliver_outbox_message
    task.enqueue(message_id)


def _claim(message_id: int, claimant: str) -> bool:
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(status=OutboxStatus.SENDING, claimed_at=now, claimed_by=claimant)
    return claimed == 1


def _build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={"Message-ID": message.message_id, "Auto-Submitted": "auto-generated"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def deliver(message_id: int) -> str:
    """Try to send one outbox message now. Returns its status afterwards."""
    claimant = worker_name()
    if not _claim(message_id, claimant):
        return OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True).first() or "missing"
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        connection = get_connection(fail_silently=False)
        connection.send_messages([_build_email(message)])
    except Exception as exc:  # any failure of the mail server or network: retry later
        return _record_failure(message, claimant, exc)
    OutboxMessage.objects.filter(pk=message.pk, claimed_by=claimant).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return OutboxStatus.SENT


def _record_failure(message: OutboxMessage, claimant: str, exc: Exception) -> str:
    attempts = message.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        status, next_at = OutboxStatus.DEAD, timezone.now()
        log.error("outbox message %s given up after %s attempts: %s", message.pk, attempts, error)
    else:
        status = OutboxStatus.PENDING
        next_at = timezone.now() + dt.timedelta(seconds=backoff_seconds(attempts))
        log.warning("outbox message %s failed (attempt %s), next try %s: %s", message.pk, attempts, next_at, error)
    OutboxMessage.objects.filter(pk=message.pk, claimed_by=claimant).update(
        status=status, attempts=attempts, next_attempt_at=next_at, last_error=error, claimed_at=None, claimed_by=""
    )
    if status == OutboxStatus.PENDING:
        transaction.on_commit(lambda: schedule_delivery(message.pk, run_after=next_at))
    return status


def sweep() -> dict[str, int]:
    """Recover what dead workers left and queue what is due but not queued.

    Safe to run from any number of processes at once: every step is a conditional update
    and the delivery task itself claims before sending.
    """
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    released = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=stale).update(
        status=OutboxStatus.PENDING,
        next_attempt_at=now,
        enqueued_at=None,
        claimed_at=None,
        claimed_by="",
        last_error="The worker sending this message stopped; it will be tried again.",
    )
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        schedule_delivery(pk)
    return {"released": released, "queued": len(due)}


def deliver_due_now() -> int:
    """Send every due message in this process (tests, and `manage.py outbox_sweeper --send`)."""
    sent = 0
    for pk in OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True):
        if deliver(pk) == OutboxStatus.SENT:
            sent += 1
    return sent
