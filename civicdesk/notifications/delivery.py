"""Delivering the outbox.

A message is claimed with one conditional UPDATE (pending and due → sending, attempts + 1),
so two workers, or two queued tasks for the same row, never send it twice; the claim ends
as sent, or back to pending with a backoff, or dead after the last attempt. A worker killed
while holding a claim leaves the row in "sending": the sweeper puts it back once the claim
is older than OUTBOX_CLAIM_TIMEOUT_SECONDS.

Counting the attempt when the row is claimed, not when it fails, means a message that
kills its worker every time (or a worker that keeps dying) still ends as dead after
OUTBOX_MAX_ATTEMPTS instead of looping for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import socket
import uuid
from collections.abc import Sequence
from typing import TypedDict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F, Q
from django.utils import timezone

from civicdesk.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

STALE_CLAIM_ERROR = "The worker sending this message stopped before it finished; it will be tried again."
STALE_CLAIM_GIVEN_UP = "The worker sending this message stopped during the last allowed attempt."


class SweepResult(TypedDict):
    released: int
    given_up: int
    queued: int


def claim_token() -> str:
    """Who holds a claim: host and process for the operator, plus a random part so a claim
    that was released and taken again is never mistaken for the old one."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[-100:]


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait after failed attempt number ``attempts``: the base, then doubling,
    capped at OUTBOX_BACKOFF_MAX_SECONDS."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    cap = settings.OUTBOX_BACKOFF_MAX_SECONDS
    exponent = min(max(0, attempts - 1), 62)  # 2**62 seconds is past any cap; avoids huge ints
    return int(min(cap, base * (2**exponent)))


def schedule_delivery(
    message_id: int, *, run_after: dt.datetime | None = None, marked: dt.datetime | None = None
) -> None:
    """Queue a delivery task for the message, to run at ``run_after`` (default: now).

    Harmless if a task for it is queued already: the task claims the row before sending.
    ``enqueued_at`` records when the queued task is due, so the sweeper can tell a task
    that is merely waiting for its backoff from one a dead worker lost. ``marked``: the row
    was written with ``enqueued_at`` = ``marked`` already (a new message), so it is not
    written again.
    """
    from civicdesk.notifications.tasks import deliver_outbox_message

    if marked is not None:
        due = marked
    else:
        due = run_after or timezone.now()
        OutboxMessage.objects.filter(pk=message_id).update(enqueued_at=due)
    task = deliver_outbox_message.using(run_after=run_after) if run_after else deliver_outbox_message
    try:
        task.enqueue(message_id)
    except Exception:
        # Not queued after all: let the sweeper queue it on its next round.
        OutboxMessage.objects.filter(pk=message_id, enqueued_at=due).update(enqueued_at=None)
        raise


def schedule_deliveries(messages: Sequence[tuple[int, dt.datetime]]) -> None:
    """Queue one delivery task for new messages written together, each (id, the
    ``enqueued_at`` it was written with): one task, sent over one connection
    (``deliver_all``). A single message is queued as ``schedule_delivery`` queues it."""
    from civicdesk.notifications.tasks import deliver_outbox_messages

    if len(messages) <= 1:
        for message_id, marked in messages:
            schedule_delivery(message_id, marked=marked)
        return
    try:
        deliver_outbox_messages.enqueue([message_id for message_id, _marked in messages])
    except Exception:
        # Not queued after all: let the sweeper queue them on its next round.
        for message_id, marked in messages:
            OutboxMessage.objects.filter(pk=message_id, enqueued_at=marked).update(enqueued_at=None)
        raise


def _claim(message_id: int, claimant: str) -> bool:
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now).update(
        status=OutboxStatus.SENDING, claimed_at=now, claimed_by=claimant, attempts=F("attempts") + 1
    )
    return claimed == 1


def _build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    # A city's emails carry their From (outbox.city_sender) with their other headers.
    headers = dict(message.headers or {})
    sender = headers.pop("From", "") or settings.DEFAULT_FROM_EMAIL
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=sender,
        to=[message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
        # The Message-ID is fixed when the row is written: a message sent again after a
        # crash carries the same id, so receivers can recognise the repeat.
        # Extra headers first: the Message-ID and Auto-Submitted are ours to fix.
        headers={**headers, "Message-ID": message.message_id, "Auto-Submitted": "auto-generated"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def deliver(message_id: int) -> str:
    """Try to send one outbox message now, if it is pending and due. Returns its status
    afterwards (or "missing"). Safe to call any number of times for the same row."""
    return deliver_all([message_id])[message_id]


def deliver_all(message_ids: Sequence[int]) -> dict[int, str]:
    """``deliver`` each message in turn, over one connection to the mail server (the emails
    of one change: a new case's acknowledgement and its department's). Returns each one's
    status afterwards. A failure is recorded against its own message only; the next one is
    sent over a new connection."""
    statuses: dict[int, str] = {}
    connection: BaseEmailBackend | None = None
    try:
        for message_id in message_ids:
            claimant = claim_token()
            if not _claim(message_id, claimant):
                statuses[message_id] = (
                    OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True).first() or "missing"
                )
                continue
            message = OutboxMessage.objects.get(pk=message_id)
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                    # Opened here, so send_messages leaves it open: the goodbye (QUIT) waits
                    # until "sent" is recorded, and a crash between the server's acceptance
                    # and the record (the one window that sends a message twice) is one
                    # database update long, not a round trip more.
                    connection.open()
                connection.send_messages([_build_email(message)])
            except Exception as exc:  # any failure of the mail server, the network or the message: recorded, not raised
                _close_quietly(connection)
                connection = None
                statuses[message_id] = _record_failure(message, claimant, exc)
                continue
            statuses[message_id] = _record_sent(message, claimant)
    finally:
        _close_quietly(connection)
    return statuses


def _close_quietly(connection: BaseEmailBackend | None) -> None:
    """Say goodbye to the mail server; the message's fate is already recorded, so a server
    that hangs up first changes nothing."""
    if connection is None:
        return
    try:
        connection.close()
    except Exception as exc:
        log.info("closing the mail connection failed (the message is already recorded): %s", exc)


def _record_sent(message: OutboxMessage, claimant: str) -> str:
    # Ours, or nobody else's any more (the sweeper released our slow claim and no worker
    # took it yet): either way the server has it, so say so and prevent a second copy.
    recorded = (
        OutboxMessage.objects.filter(pk=message.pk)
        .filter(Q(claimed_by=claimant) | ~Q(status__in=[OutboxStatus.SENDING, OutboxStatus.SENT]))
        .update(status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="", claimed_at=None)
    )
    if not recorded:
        log.warning(
            "outbox message %s was sent, but its claim had expired and another worker took it: "
            "the recipient may get it twice (same Message-ID %s)",
            message.pk,
            message.message_id,
        )
    else:
        log.info("outbox message %s (%s) sent to %s", message.pk, message.kind, message.recipient)
    return OutboxStatus.SENT


def is_permanent_failure(exc: BaseException) -> bool:
    """True when trying again cannot help: the server refused every recipient with a 5xx
    code (no such mailbox, domain does not exist). Server-wide refusals (authentication,
    sender address) are configuration problems an operator fixes, so they are retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    return False


def _record_failure(message: OutboxMessage, claimant: str, exc: Exception) -> str:
    attempts = message.attempts  # counted when the row was claimed
    error = f"{type(exc).__name__}: {exc}"[:2000]
    now = timezone.now()
    if is_permanent_failure(exc) or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        status, next_at = OutboxStatus.DEAD, now
        log.error("outbox message %s given up after %s attempt(s): %s", message.pk, attempts, error)
    else:
        status = OutboxStatus.PENDING
        next_at = now + dt.timedelta(seconds=backoff_seconds(attempts))
        log.warning("outbox message %s failed (attempt %s), next try at %s: %s", message.pk, attempts, next_at, error)
    recorded = OutboxMessage.objects.filter(pk=message.pk, claimed_by=claimant).update(
        status=status,
        next_attempt_at=next_at,
        last_error=error,
        enqueued_at=None,
        claimed_at=None,
        claimed_by="",
    )
    if recorded and status == OutboxStatus.PENDING:
        try:
            schedule_delivery(message.pk, run_after=next_at)
        except Exception:
            log.exception("outbox message %s: could not queue the retry; the sweeper will", message.pk)
    return status


def sweep() -> SweepResult:
    """Recover what dead workers left and queue what is due but not queued.

    - a claim older than OUTBOX_CLAIM_TIMEOUT_SECONDS belongs to a worker that died (the
      task queue shows its task RUNNING for ever): the row goes back to pending, or to dead
      if that was its last allowed attempt;
    - a pending, due row whose task should have run more than that long ago is queued again.

    Safe to run from any number of processes at once: every step is a conditional update
    and the delivery task itself claims before sending.
    """
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    stale_claims = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=stale)
    given_up = stale_claims.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=OutboxStatus.DEAD, claimed_at=None, claimed_by="", last_error=STALE_CLAIM_GIVEN_UP
    )
    released = stale_claims.filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=OutboxStatus.PENDING,
        next_attempt_at=now,
        enqueued_at=None,
        claimed_at=None,
        claimed_by="",
        last_error=STALE_CLAIM_ERROR,
    )
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )
    queued = 0
    for pk in due:
        try:
            schedule_delivery(pk)
            queued += 1
        except Exception:
            log.exception("outbox message %s: could not queue it; next sweep will try again", pk)
    if given_up:
        log.error("outbox sweep: %s message(s) given up after their worker died on the last attempt", given_up)
    return {"released": released, "given_up": given_up, "queued": queued}


def deliver_due_now() -> int:
    """Send every due message in this process (tests, and `manage.py outbox_sweeper --send`).
    Returns how many were sent."""
    sent = 0
    for pk in OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True):
        if deliver(pk) == OutboxStatus.SENT:
            sent += 1
    return sent
