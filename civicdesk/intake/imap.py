"""The IMAP adapter: read a hosted mailbox, turn each new message into a case, and only
then mark it done.

The order is the whole point. A message is marked \\Seen (or moved to the "Processed"
folder) only after ``email_ingest`` has committed its case; a poller that dies in between
leaves the message unseen, and the next poll feeds it again — which the Message-ID record
turns into a no-op. Nothing is lost and nothing is made twice.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections

from civicdesk.intake.models import Outcome
from civicdesk.intake.services import IngestFailed, IngestResult, email_ingest
from civicdesk.tenants.models import City

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    use_ssl: bool = False

    def __str__(self) -> str:  # never the password
        scheme = "imaps" if self.use_ssl else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str) -> Mailbox:
    """``imap://user:password@host:143/INBOX`` or ``imaps://…:993/…``; the user and the
    password are percent-encoded (``@`` in a user name is ``%40``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ImproperlyConfigured(f"INTAKE_IMAP_URL must look like imap://user:password@host:143/INBOX, not {url!r}")
    use_ssl = parts.scheme == "imaps"
    return Mailbox(
        host=parts.hostname,
        port=parts.port or (993 if use_ssl else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        use_ssl=use_ssl,
    )


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class PollReport:
    """What one poll did, by outcome."""

    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    failed: int = 0
    gave_up: int = 0

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def __str__(self) -> str:
        parts = [f"{n} {k}" for k, n in sorted(self.outcomes.items())]
        parts += [f"{self.duplicates} already done", f"{self.failed} failed (will retry)", f"{self.gave_up} given up"]
        return f"{self.fetched} message(s): " + ", ".join(parts)


class MailboxPoller:
    """Polls one mailbox. ``on_committed(uid, result)`` is called after a message's work
    is committed and before it is marked done — a place for metrics, and for tests to
    stop the poller at the most dangerous moment."""

    def __init__(
        self,
        mailbox: Mailbox,
        *,
        processed_folder: str | None = None,
        default_city: City | None = None,
        on_committed: Callable[[str, IngestResult], None] | None = None,
        timeout: float = 60,
    ) -> None:
        self.mailbox = mailbox
        self.processed_folder = settings.INTAKE_IMAP_PROCESSED_FOLDER if processed_folder is None else processed_folder
        self.default_city = default_city
        self.on_committed = on_committed
        self.timeout = timeout

    def _connect(self) -> imaplib.IMAP4:
        box = self.mailbox
        if box.use_ssl:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                box.host, box.port, ssl_context=ssl.create_default_context(), timeout=self.timeout
            )
        else:
            conn = imaplib.IMAP4(box.host, box.port, timeout=self.timeout)
            if "STARTTLS" in conn.capabilities:
                conn.starttls(ssl.create_default_context())
        conn.login(box.user, box.password)
        return conn

    @staticmethod
    def _capabilities(conn: imaplib.IMAP4) -> set[str]:
        # The server may announce more once logged in (MOVE, UIDPLUS): ask again.
        typ, data = conn.capability()
        if typ != "OK" or not data or not data[0]:
            return set(conn.capabilities)
        return set(data[0].decode("ascii", "replace").upper().split())

    def _folder_exists(self, conn: imaplib.IMAP4, name: str) -> bool:
        if not name:
            return False
        typ, data = conn.list('""', _quote(name))
        return typ == "OK" and any(item for item in data if item)

    def _mark_done(self, conn: imaplib.IMAP4, uid: str, *, move_to: str | None, capabilities: set[str]) -> None:
        conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
        if not move_to:
            return
        if "MOVE" in capabilities:
            conn.uid("MOVE", uid, _quote(move_to))
            return
        typ, _data = conn.uid("COPY", uid, _quote(move_to))
        if typ == "OK":
            conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
            if "UIDPLUS" in capabilities:
                conn.uid("EXPUNGE", uid)
            else:
                conn.expunge()

    def poll_once(self) -> PollReport:
        """Process every unseen message of the mailbox once."""
        report = PollReport()
        conn = self._connect()
        try:
            typ, _data = conn.select(_quote(self.mailbox.folder))
            if typ != "OK":
                raise imaplib.IMAP4.error(f"cannot open the folder {self.mailbox.folder}")
            capabilities = self._capabilities(conn)
            move_to = self.processed_folder if self._folder_exists(conn, self.processed_folder) else None
            typ, data = conn.uid("SEARCH", "UNSEEN")
            uids = [u.decode("ascii") for u in data[0].split()] if typ == "OK" and data and data[0] else []
            for uid in uids:
                raw = self._fetch(conn, uid)
                if raw is None:
                    continue  # gone meanwhile (another client moved it)
                report.fetched += 1
                close_old_connections()
                try:
                    result = email_ingest(raw=raw, default_city=self.default_city)
                except IngestFailed as exc:
                    if exc.exhausted:
                        # Left in the mailbox, flagged for a person, and no longer retried.
                        report.gave_up += 1
                        conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Flagged)")
                        log.error("gave up on email %s after %s attempts: %s", exc.message_id, exc.attempts, exc)
                    else:
                        report.failed += 1
                    continue
                if self.on_committed is not None:
                    self.on_committed(uid, result)
                if result.duplicate:
                    report.duplicates += 1
                else:
                    report.count(result.outcome)
                self._mark_done(
                    conn, uid, move_to=move_to if result.outcome != Outcome.GAVE_UP else None, capabilities=capabilities
                )
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()
        return report

    @staticmethod
    def _fetch(conn: imaplib.IMAP4, uid: str) -> bytes | None:
        # PEEK: reading a message must not mark it seen; only a committed case does.
        typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        if typ != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and re.search(rb"BODY\[\]", item[0]):
                return bytes(item[1])
        return None

    def run(self, *, interval: float, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; a mailbox that cannot be reached is tried again at
        the next interval, not fatal."""
        while not stop.is_set():
            try:
                report = self.poll_once()
                if report.fetched:
                    log.info("%s: %s", self.mailbox, report)
            except (imaplib.IMAP4.error, OSError) as exc:
                log.warning("cannot read %s: %s", self.mailbox, exc)
            finally:
                close_old_connections()
            stop.wait(interval)
