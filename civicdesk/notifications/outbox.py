"""Writing to the outbox. Delivery lives in notifications.delivery."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicdesk.notifications.models import OutboxMessage

if TYPE_CHECKING:
    from civicdesk.tenants.models import City

_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("civicdesk_notifications_off", default=False)


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Write no notifications inside this block (history imports, the demo's past)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def is_suppressed() -> bool:
    """True inside ``suppressed()``."""
    return _suppressed.get()


def new_message_id() -> str:
    """A globally unique Message-ID on the sender's domain, fixed for the life of the row."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "civicdesk.localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def city_sender(city: City) -> str:
    """The From of a city's emails: "<City> 311", at DEFAULT_FROM_EMAIL's address (only the
    name is the city's, so replies, bounces and the Message-ID domain stay as configured).
    Written unencoded; the mail library encodes it when the message is built."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return str(Address(display_name=f"{city.name} 311", addr_spec=address))


@dataclass(frozen=True)
class Email:
    """One email to write to the outbox (``outbox_enqueue``'s arguments)."""

    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str = ""
    reply_to: str = ""
    case_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # The From header ("Independence 311 <no-reply@…>"); empty: DEFAULT_FROM_EMAIL.
    sender: str = ""


def outbox_enqueue(
    *,
    kind: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    reply_to: str = "",
    case_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMessage | None:
    """Write one email to the outbox, in the caller's transaction; it is handed to the worker
    once that transaction commits. Returns None (and writes nothing) inside ``suppressed()``
    or without a recipient. ``headers`` are extra mail headers (List-Unsubscribe…)."""
    written = outbox_enqueue_all(
        [Email(kind, recipient, subject, body_text, body_html, reply_to, case_id, dict(headers or {}))]
    )
    return written[0] if written else None


def outbox_enqueue_all(emails: Sequence[Email]) -> list[OutboxMessage]:
    """Write several emails to the outbox with one statement (``outbox_enqueue`` for each,
    leaving out those without a recipient). Returns the rows written."""
    if is_suppressed():
        return []
    now = timezone.now()
    rows = [
        OutboxMessage(
            kind=email.kind,
            recipient=recipient,
            # A line break in a subject is refused by the mail library at sending time, which
            # would turn a harmless name into a message that can never go out.
            subject=" ".join(email.subject.split())[:300],
            body_text=email.body_text,
            body_html=email.body_html,
            reply_to=email.reply_to,
            case_id=email.case_id,
            headers={**email.headers, "From": email.sender} if email.sender else dict(email.headers),
            message_id=new_message_id(),
            next_attempt_at=now,
            # Its task is queued as soon as this transaction commits: the row says so from the
            # start (schedule_delivery need not write it again; one query less per email). If
            # the task cannot be queued the mark is taken back and the sweeper queues it on its
            # next round; if the process dies in between, once the mark is
            # OUTBOX_CLAIM_TIMEOUT_SECONDS old.
            enqueued_at=now,
        )
        for email in emails
        if (recipient := (email.recipient or "").strip())
    ]
    if not rows:
        return []
    OutboxMessage.objects.bulk_create(rows)  # the ids come back (PostgreSQL, SQLite ≥ 3.35)
    if transaction.get_connection().in_atomic_block:
        batch = _batch_of_this_transaction()
        for row in rows:
            batch.add(row.pk, now)
    else:
        # Committed already: handed over at once (robust, as below).
        handed = [(row.pk, now) for row in rows]
        transaction.on_commit(lambda: _hand_over(handed), robust=True)
    return rows


def _hand_over(messages: list[tuple[int, dt.datetime]]) -> None:
    from civicdesk.notifications.delivery import schedule_deliveries

    schedule_deliveries(messages)


class _Batch:
    """The messages written in one transaction, handed to the worker together once it
    commits: one task for them all, which sends them over one connection."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, dt.datetime]] = []

    def add(self, message_id: int, marked: dt.datetime) -> None:
        self.messages.append((message_id, marked))

    def __call__(self) -> None:
        messages, self.messages = self.messages, []
        _hand_over(messages)


_BATCH = "_civicdesk_outbox_batch"


def _batch_of_this_transaction() -> _Batch:
    """The batch the current transaction's messages join, handed over when it commits.

    Kept on the connection while its callback is still waiting for the commit; once that
    callback has run (or was dropped: a savepoint rolled back, with the messages written
    inside it), the next message starts a new batch. Inside a transaction only."""
    connection = transaction.get_connection()
    batch = getattr(connection, _BATCH, None)
    if batch is None or not any(entry[1] is batch for entry in connection.run_on_commit):
        batch = _Batch()
        setattr(connection, _BATCH, batch)
        # robust: the change that caused the email is committed; failing to queue the task
        # must not turn it into an error page. The rows are kept and the sweeper queues them.
        transaction.on_commit(batch, robust=True)
    return batch
