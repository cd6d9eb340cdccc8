"""The IMAP adapter: read a hosted mailbox, turn each new message into a case, and only
then mark it done.

The order is the whole point. A message is marked \\Seen (or moved to the "Processed"
folder) only after ``email_ingest`` has committed its case; a poller that dies in between
leaves the message unseen, and the next poll feeds it again — which the Message-ID record
turns into a no-op. Nothing is lost and nothing is made twice.

One process reads every mailbox the settings name (``configured_mailboxes``: the shared
``INTAKE_IMAP_URL`` and each city's ``INTAKE_IMAP_URL_<SLUG>``), in turn (``MailboxRounds``):
a mailbox that cannot be read — a wrong password, a server down — is logged under its city
and tried again later and later (its own back-off), while the others are read on time.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections

from civicdesk.intake.models import Outcome
from civicdesk.intake.oauth2 import (
    AccessTokens,
    OAuth2Client,
    TokenRefused,
    imap_refusal_hint,
    is_loopback,
    sasl_detail,
    xoauth2_string,
)
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
    # Set: sign in with an OAuth 2.0 access token (AUTHENTICATE XOAUTH2), not the password.
    oauth2: OAuth2Client | None = None

    def __str__(self) -> str:  # never the password
        scheme = "imaps" if self.use_ssl else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


OAUTH2_PARAMETERS = (
    "token_url",
    "client_id",
    "client_secret",
    "scope",
    "refresh_token",
    "client_certificate",
    "client_certificate_password",
    "service_account_key",
)
# How an app proves who it is: exactly one of these.
OAUTH2_CREDENTIALS = ("client_secret", "client_certificate", "service_account_key")


def parse_imap_url(url: str) -> Mailbox:
    """``imap://user:password@host:143/INBOX`` or ``imaps://…:993/…``; the user and the
    password are percent-encoded (``@`` in a user name is ``%40``).

    OAuth 2.0 instead of a password (docs/email-intake.md): no password, and
    ``?auth=oauth2&token_url=…&client_id=…&client_secret=…`` with ``scope=…`` (Microsoft's
    client credentials) or ``refresh_token=…`` (Google), each percent-encoded like the
    password; or ``client_certificate=/path`` instead of ``client_secret`` (a Microsoft Entra
    app's certificate), or ``service_account_key=/path`` alone (a Google service account with
    domain-wide delegation, acting as the URL's user)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ImproperlyConfigured(
            f"INTAKE_IMAP_URL must look like imap://user:password@host:143/INBOX, not {_without_secrets(parts)!r}"
        )
    use_ssl = parts.scheme == "imaps"
    return Mailbox(
        host=parts.hostname,
        port=parts.port or (993 if use_ssl else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        use_ssl=use_ssl,
        oauth2=_oauth2_client(parts.query, has_password=parts.password is not None, user=unquote(parts.username or "")),
    )


def _without_secrets(parts: SplitResult) -> str:
    """A URL as an error may repeat it: no password, no query (an OAuth 2.0 URL's secrets)."""
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{parts.path}" + ("?…" if parts.query else "")


def _oauth2_client(query: str, *, has_password: bool, user: str) -> OAuth2Client | None:
    """The ``?auth=oauth2&…`` part of a mailbox URL; None for a password mailbox. The
    messages never repeat a value: they may be secrets, or the paths of key files."""
    given = {name: values[-1].strip() for name, values in parse_qs(query, keep_blank_values=True).items()}
    unknown = sorted(set(given) - {"auth", *OAUTH2_PARAMETERS})
    if unknown:
        raise ImproperlyConfigured(
            f"the mailbox URL has unknown parameters ({', '.join(unknown)}); it takes auth=password or auth=oauth2 "
            f"and, for oauth2, {', '.join(OAUTH2_PARAMETERS)}"
        )
    auth = given.pop("auth", "password").lower() or "password"
    if auth not in ("password", "oauth2"):
        raise ImproperlyConfigured("the mailbox URL's auth must be password or oauth2")
    if auth == "password":
        if given:
            raise ImproperlyConfigured(
                f"the mailbox URL has {', '.join(sorted(given))} but no auth=oauth2: add it, or leave them out"
            )
        return None
    if has_password:
        raise ImproperlyConfigured(
            "an auth=oauth2 mailbox URL has no password (imaps://user@host/INBOX?auth=oauth2&…): "
            "the app's secret goes in client_secret"
        )
    given = {name: value for name, value in given.items() if value}
    credentials = [name for name in OAUTH2_CREDENTIALS if name in given]
    if len(credentials) > 1:
        raise ImproperlyConfigured(
            f"the auth=oauth2 mailbox URL has {' and '.join(credentials)}: give one of them, the app's client "
            "secret, its certificate, or a Google service account's key"
        )
    credential = credentials[0] if credentials else "client_secret"
    if "client_certificate_password" in given and credential != "client_certificate":
        raise ImproperlyConfigured("the mailbox URL has client_certificate_password but no client_certificate")
    missing = [] if "token_url" in given else ["token_url"]
    if credential == "service_account_key":
        for name, why in (
            ("client_id", "the service account's key file names it"),
            ("refresh_token", "the service account acts as the URL's user without one"),
        ):
            if name in given:
                raise ImproperlyConfigured(f"a service_account_key mailbox URL has no {name}: {why}")
        if "@" not in user:
            raise ImproperlyConfigured(
                "a service account acts as the mailbox's user: the URL's user must be the mailbox's address "
                "(imaps://311%40city.example@imap.gmail.com:993/INBOX?…)"
            )
    else:
        missing += [] if "client_id" in given else ["client_id"]
        if credential not in given and "refresh_token" not in given:
            missing.append(f"{credential} (or client_certificate, or service_account_key)")
        if credential == "client_certificate" and "refresh_token" in given:
            raise ImproperlyConfigured(
                "the mailbox URL has client_certificate and refresh_token: a certificate signs in as the app "
                "(Microsoft); leave out refresh_token"
            )
        if "refresh_token" not in given and "scope" not in given:
            missing.append("scope")
    if missing:
        raise ImproperlyConfigured(
            f"the auth=oauth2 mailbox URL needs {', '.join(missing)} (Microsoft: client_secret or client_certificate, "
            "and scope=https://outlook.office365.com/.default; Google: client_secret and refresh_token, "
            "or service_account_key)"
        )
    for name in ("client_certificate", "service_account_key"):
        if name in given and not os.path.isabs(given[name]):
            raise ImproperlyConfigured(
                f"the mailbox URL's {name} must be a file's full path (/etc/civicdesk/…), not one relative to "
                "the directory the poller happens to start in"
            )
    token_url = urlsplit(given["token_url"])
    if not (token_url.scheme == "https" or (token_url.scheme == "http" and is_loopback(token_url.hostname or ""))):
        raise ImproperlyConfigured(
            "the mailbox URL's token_url must be an https:// address (the app's credentials go there)"
        )
    subject = user if credential == "service_account_key" else ""
    return OAuth2Client(**{name: given.get(name, "") for name in OAUTH2_PARAMETERS}, subject=subject)


def sends_in_clear_safely(host: str, peer: str | None) -> bool:
    """Whether a password or token may be sent over an unencrypted connection to ``host``:
    only when it goes no further than this machine, its loopback (``localhost``, 127.0.0.1,
    ::1). ``peer`` is the address the connection really reached, when known: a name that
    resolves to loopback is as safe, and a loopback-looking name that reached elsewhere is not."""
    return is_loopback(peer) if peer else is_loopback(host)


def _peer(conn: imaplib.IMAP4) -> str | None:
    try:
        return str(conn.sock.getpeername()[0])
    except (AttributeError, OSError, IndexError):
        return None


class LoginRefused(imaplib.IMAP4.error):
    """The mailbox's server refused our user name and password: a setting to fix, not a
    server to wait for."""

    def __init__(self, mailbox: str, error: Exception) -> None:
        detail = error.args[0] if error.args else error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        super().__init__(f"the server refused the user name and password: {detail}")


class UnencryptedSignInRefused(LoginRefused):
    """We would not sign in: the connection to the mailbox's server is not encrypted (an
    ``imap://`` URL, and the server offers no STARTTLS) and the server is not this machine,
    so the password or access token would cross the network readable by anyone on the way.
    Nothing was sent; a setting to fix (``imaps://``), not a server to wait for."""

    def __init__(self, message: str) -> None:
        imaplib.IMAP4.error.__init__(self, message)


class OAuth2SignInRefused(LoginRefused):
    """The app's OAuth 2.0 sign-in was refused — by the token endpoint (a wrong secret, a
    revoked refresh token) or by the mail server, even with a new token. The message says
    what to check, for which mailbox."""

    def __init__(self, message: str) -> None:
        imaplib.IMAP4.error.__init__(self, message)


def possessive(name: str) -> str:
    """A name with 's (Lee's Summit's), or ' after an s (Blue Springs')."""
    return name + ("'" if name.endswith("s") else "'s")


def _xoauth2_answers(user: str, token: str, challenges: list[bytes]) -> Callable[[bytes], bytes]:
    """imaplib's answerer for XOAUTH2: the credentials first; after a refusal the server
    sends its reason (kept in ``challenges``) and waits for an empty answer."""

    def answer(challenge: bytes) -> bytes:
        challenges.append(challenge)
        return xoauth2_string(user, token) if len(challenges) == 1 else b""

    return answer


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
        # One mailbox's tokens, kept from poll to poll while they are valid.
        self.tokens = (
            AccessTokens(mailbox.oauth2, mailbox_label=self.label, timeout=timeout) if mailbox.oauth2 else None
        )

    @property
    def label(self) -> str:
        """The mailbox in an administrator's words: "Lee's Summit's mailbox"."""
        if self.default_city is not None:
            return f"{possessive(self.default_city.name)} mailbox"
        return f"the mailbox {self.mailbox.user}"

    def _open(self) -> imaplib.IMAP4:
        """A connection ready for the credentials: TLS from the start (``imaps://``), or
        upgraded with STARTTLS (``imap://``). Without either, only to this machine's loopback:
        to any other server the password or token would go over the network in clear (a
        server that offers no STARTTLS, or someone on the way who strips it from its answer),
        so nothing is sent and ``UnencryptedSignInRefused`` says what to change."""
        box = self.mailbox
        if box.use_ssl:
            return imaplib.IMAP4_SSL(box.host, box.port, ssl_context=ssl.create_default_context(), timeout=self.timeout)
        conn = imaplib.IMAP4(box.host, box.port, timeout=self.timeout)
        try:
            if "STARTTLS" in conn.capabilities:
                # A STARTTLS the server refuses, or whose certificate does not check out, raises
                # here: nothing has been sent yet.
                conn.starttls(ssl.create_default_context())
            elif not sends_in_clear_safely(box.host, _peer(conn)):
                raise UnencryptedSignInRefused(self._unencrypted_refusal())
        except BaseException:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.shutdown()
            raise
        return conn

    def _unencrypted_refusal(self) -> str:
        box = self.mailbox
        secret = "access token" if box.oauth2 is not None else "password"
        encrypted = Mailbox(box.host, 993, box.user, "", box.folder, use_ssl=True)
        return (
            f"{box.host} offers no STARTTLS on port {box.port}: the {secret} of {self.label} would cross the "
            f"network unencrypted, so it was not sent. Use TLS: change the mailbox's URL to "
            f"{encrypted}{'?…' if box.oauth2 is not None else ''} (imaps://, port 993), or turn on STARTTLS "
            f"at the mail server"
        )

    def _connect(self) -> imaplib.IMAP4:
        if self.tokens is not None:
            return self._sign_in_with_token(self.tokens)
        box = self.mailbox
        conn = self._open()
        try:
            conn.login(box.user, box.password)
        except imaplib.IMAP4.error as exc:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()
            raise LoginRefused(str(box), exc) from exc
        return conn

    def _sign_in_with_token(self, tokens: AccessTokens) -> imaplib.IMAP4:
        """``AUTHENTICATE XOAUTH2`` with the token held; refused, once more with a new token
        (the old one may have been revoked, or expired early); refused again, an error that
        says what to check. Nothing of the mailbox is read before this succeeds."""
        box = self.mailbox
        said = ""
        for renew in (False, True):
            try:
                token = tokens.get(renew=renew)
            except TokenRefused as exc:
                raise OAuth2SignInRefused(str(exc)) from exc
            conn = self._open()
            challenges: list[bytes] = []
            try:
                conn.authenticate("XOAUTH2", _xoauth2_answers(box.user, token, challenges))
                return conn
            except imaplib.IMAP4.abort:
                with contextlib.suppress(imaplib.IMAP4.error, OSError):
                    conn.shutdown()
                raise
            except imaplib.IMAP4.error as exc:
                detail = exc.args[0] if exc.args else exc
                said = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
                extra = sasl_detail(challenges[-1]) if len(challenges) > 1 else ""
                said += f"; {extra}" if extra else ""
                with contextlib.suppress(imaplib.IMAP4.error, OSError):
                    conn.logout()
        tokens.forget()
        assert box.oauth2 is not None
        raise OAuth2SignInRefused(
            f"{box.host} refused the access token {box.oauth2.provider} issued for {self.label} ({box.user}), "
            f"a new one too: {imap_refusal_hint(box.host, box.oauth2)} (the server said: {said})"
        )

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


# --- every configured mailbox, in one process -------------------------------------------------
CITY_SETTING_PREFIX = "INTAKE_IMAP_URL_"


def city_setting_name(slug: str) -> str:
    """The environment variable holding a city's mailbox: ``INTAKE_IMAP_URL_LEES_SUMMIT``
    for the city ``lees-summit``."""
    return CITY_SETTING_PREFIX + slug.upper().replace("-", "_")


@dataclass(frozen=True)
class ConfiguredMailbox:
    """A mailbox to read: ``name`` is what the logs call it (the city's slug, or
    ``INTAKE_IMAP_URL`` for the shared mailbox); ``city`` gets the mail whose headers name
    no city's address (None: the shared mailbox, where each message goes by its address)."""

    name: str
    mailbox: Mailbox
    city: City | None


def configured_mailboxes(*, city: City | None = None) -> tuple[list[ConfiguredMailbox], list[str]]:
    """The mailboxes the settings name, and what is wrong with the settings, in the
    operator's words (a variable naming no city, a URL that is not a mailbox's).

    ``INTAKE_IMAP_URL``: a mailbox for any city, each message going to the city whose
    address it was sent to. ``INTAKE_IMAP_URL_<SLUG>`` (``settings.INTAKE_IMAP_CITY_URLS``):
    that city's own mailbox. With ``city``, that city's mailbox only.
    """
    found: list[ConfiguredMailbox] = []
    problems: list[str] = []
    by_suffix = {city_setting_name(c.slug)[len(CITY_SETTING_PREFIX) :]: c for c in City.objects.order_by("slug")}
    if city is None and settings.INTAKE_IMAP_URL:
        try:
            found.append(ConfiguredMailbox("INTAKE_IMAP_URL", parse_imap_url(settings.INTAKE_IMAP_URL), None))
        except ImproperlyConfigured as exc:
            problems.append(f"INTAKE_IMAP_URL: {exc}")
    for suffix, url in sorted(settings.INTAKE_IMAP_CITY_URLS.items()):
        name = CITY_SETTING_PREFIX + suffix
        owner = by_suffix.get(suffix.upper())
        if owner is None:
            if city is None:
                known = ", ".join(city_setting_name(c.slug) for c in by_suffix.values()) or "none yet"
                slug = suffix.lower().replace("_", "-")
                problems.append(
                    f"{name} names no city; the cities' settings are {known}. "
                    f"Its mail is read once a city with the slug {slug} exists."
                )
            continue
        if city is not None and owner.pk != city.pk:
            continue
        try:
            found.append(ConfiguredMailbox(owner.slug, parse_imap_url(url), owner))
        except ImproperlyConfigured as exc:
            problems.append(f"{name}: {exc}")
    return found, problems


def _extra(box: ConfiguredMailbox) -> dict[str, str]:
    """A mailbox's fields in the JSON logs."""
    return {"city": box.name, "mailbox": str(box.mailbox)}


@dataclass
class _Turn:
    configured: ConfiguredMailbox
    poller: MailboxPoller
    failures: int = 0  # in a row
    due: float = 0.0  # on the rounds' clock


class MailboxRounds:
    """Reads several mailboxes in turn, each every ``interval`` seconds, in one process.

    A mailbox that cannot be read is the only one held up: its failure is logged under its
    name (with ``extra`` city and mailbox, for JSON logs) and it is tried again after the
    interval, then twice it, four times… up to ``backoff_max``; the others are read on time.
    Once it answers again, the log says so and it is back to every ``interval``.
    """

    def __init__(
        self,
        mailboxes: Sequence[ConfiguredMailbox],
        *,
        interval: float,
        backoff_max: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 60,
    ) -> None:
        self.interval = interval
        self.backoff_max = max(
            settings.INTAKE_IMAP_BACKOFF_MAX_SECONDS if backoff_max is None else backoff_max, interval
        )
        self.clock = clock
        self.timeout = timeout
        self.turns = [self._turn(box) for box in mailboxes]

    def _turn(self, box: ConfiguredMailbox) -> _Turn:
        return _Turn(box, MailboxPoller(box.mailbox, default_city=box.city, timeout=self.timeout))

    def read_from_now_on(self, mailboxes: Sequence[ConfiguredMailbox]) -> list[ConfiguredMailbox]:
        """Read these mailboxes from now on: one already read keeps its turn (its back-off,
        its tokens), one new here (its city was created meanwhile) is read at once, one no
        longer among them is left. Returns the new ones."""
        before = {turn.configured: turn for turn in self.turns}
        self.turns = [before.get(box) or self._turn(box) for box in mailboxes]
        return [box for box in mailboxes if box not in before]

    def delay_after(self, failures: int) -> float:
        """Seconds before the next try of a mailbox that failed ``failures`` times in a row."""
        return float(min(self.interval * 2 ** min(failures - 1, 32), self.backoff_max))

    def poll_due(self, stop: threading.Event | None = None) -> list[tuple[ConfiguredMailbox, PollReport | Exception]]:
        """Read each mailbox whose time has come, one after the other: what each poll did,
        or why it could not read its mailbox."""
        now = self.clock()
        done: list[tuple[ConfiguredMailbox, PollReport | Exception]] = []
        for turn in self.turns:
            if stop is not None and stop.is_set():
                break
            if turn.due <= now:
                done.append((turn.configured, self._poll(turn)))
        return done

    def _poll(self, turn: _Turn) -> PollReport | Exception:
        name, box = turn.configured.name, turn.configured.mailbox
        extra = _extra(turn.configured)
        try:
            report = turn.poller.poll_once()
        except Exception as exc:  # one mailbox's trouble, whatever it is, never stops the others
            turn.failures += 1
            delay = self.delay_after(turn.failures)
            turn.due = self.clock() + delay
            args = (name, str(box), exc, turn.failures, delay)
            if isinstance(exc, LoginRefused):
                log.error("%s: cannot read %s: %s (failure %d in a row; next try in %g s)", *args, extra=extra)
            elif isinstance(exc, (imaplib.IMAP4.error, OSError)):
                log.warning("%s: cannot read %s: %s (failure %d in a row; next try in %g s)", *args, extra=extra)
            else:
                log.exception("%s: reading %s failed: %s (failure %d in a row; next try in %g s)", *args, extra=extra)
            return exc
        finally:
            close_old_connections()
        if turn.failures:
            log.info("%s: %s can be read again, after %d failures", name, box, turn.failures, extra=extra)
        turn.failures = 0
        turn.due = self.clock() + self.interval
        if report.fetched:
            log.info("%s: %s: %s", name, box, report, extra=extra)
        return report

    def run(self, *, stop: threading.Event, mailboxes: Callable[[], Sequence[ConfiguredMailbox]] | None = None) -> None:
        """Poll until ``stop`` is set. With ``mailboxes``, ask it every ``interval`` which
        mailboxes to read (``configured_mailboxes``: a city created since the start has its
        setting's mailbox read without a restart), and with none to read, wait: a poller that
        stopped would take down the processes started beside it (``make serve-prod``)."""
        recheck = self.clock() + self.interval
        while not stop.is_set():
            self.poll_due(stop)
            if mailboxes is None and not self.turns:
                return
            wake = min((t.due for t in self.turns), default=recheck)
            stop.wait(max(0.0, (wake if mailboxes is None else min(wake, recheck)) - self.clock()))
            if mailboxes is not None and not stop.is_set() and self.clock() >= recheck:
                recheck = self.clock() + self.interval
                self._read_again(mailboxes)

    def _read_again(self, mailboxes: Callable[[], Sequence[ConfiguredMailbox]]) -> None:
        before = [turn.configured for turn in self.turns]
        try:
            wanted = mailboxes()
        except Exception as exc:  # the database away for a moment: keep reading the same mailboxes
            log.warning("cannot check which mailboxes to read (%s); reading the same ones for now", exc)
            return
        finally:
            close_old_connections()
        for box in self.read_from_now_on(wanted):
            log.info("%s: %s is read from now on", box.name, box.mailbox, extra=_extra(box))
        for box in before:
            if box not in wanted:
                log.warning("%s: %s is no longer read", box.name, box.mailbox, extra=_extra(box))
