"""A mailbox's password or OAuth 2.0 access token never crosses the network unencrypted:
``imaps://``, or ``imap://`` with a STARTTLS that succeeds; without either the poller signs
in only to this machine's loopback. Debian's Dovecot (which offers no STARTTLS here) is
reached by loopback, where the mail comes in, and by this machine's other address, where
the poller refuses before saying anything of the credentials and tells the administrator
what to change."""

from __future__ import annotations

import contextlib
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.imap import sends_in_clear_safely
from civicdesk.intake.oauth2 import is_loopback
from civicdesk.tenants.models import City
from tests.intake.mail import plain, raw
from tests.intake.servers import USER, Dovecot, TokenEndpoint

CLIENT_ID, CLIENT_SECRET = "6731de76-14a6-49ae-97bc-6eba6914391e", "the-app-secret~value"
MICROSOFT_SCOPE = "https://outlook.office365.com/.default"


def other_address() -> str:
    """An IPv4 address of this machine that is not loopback (the one its traffic leaves
    by), or "" when it has none."""
    candidates: list[str] = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # UDP: only picks the route, sends nothing
        candidates.append(probe.getsockname()[0])
    with contextlib.suppress(OSError):
        candidates += [str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    return next((a for a in candidates if a and a != "0.0.0.0" and not is_loopback(a)), "")  # noqa: S104


OTHER_ADDRESS = other_address()


@pytest.mark.parametrize(
    ("host", "peer", "safe"),
    [
        ("127.0.0.1", None, True),
        ("127.0.1.1", None, True),
        ("localhost", None, True),
        ("LOCALHOST.", None, True),
        ("::1", None, True),
        ("::ffff:127.0.0.1", None, True),
        ("mail.independence.example", None, False),
        ("outlook.office365.com", None, False),
        ("localhost.example.com", None, False),
        ("127.0.0.1.nip.io", None, False),
        ("192.0.2.2", None, False),
        ("10.0.0.25", None, False),
        ("fd00::2", None, False),
        # The address the connection really reached decides: a name that leads to loopback
        # (a tunnel) stays on this machine; "localhost" that led elsewhere does not.
        ("mail.independence.example", "127.0.0.1", True),
        ("localhost", "192.0.2.2", False),
    ],
)
def test_credentials_go_in_clear_only_to_this_machines_loopback(host: str, peer: str | None, safe: bool) -> None:
    assert sends_in_clear_safely(host, peer) is safe


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot(also_on=OTHER_ADDRESS)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    server = TokenEndpoint()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def mailbox_url(how: str, dovecot: Dovecot, endpoint: TokenEndpoint, host: str) -> str:
    if how == "password":
        return dovecot.url_for(USER, host=host)
    return dovecot.oauth2_url(
        endpoint.url, host=host, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, scope=MICROSOFT_SCOPE
    )


def dovecot_saw(dovecot: Dovecot, text: str, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while text not in dovecot.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    return text in dovecot.log()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()),
    reason="Debian's dovecot-imapd is not installed (scripts/bootstrap.sh installs it)",
)
@pytest.mark.skipif(not OTHER_ADDRESS, reason="this machine has no address but loopback")
@pytest.mark.parametrize("how", ["password", "oauth2"])
def test_a_server_without_starttls_gets_no_credentials_unless_it_is_reached_by_loopback(
    how: str,
    dovecot: Dovecot,
    endpoint: TokenEndpoint,
    independence: City,
    make_service_type: Callable[..., ServiceType],
    settings: Any,
    capsys: Any,
) -> None:
    make_service_type(independence, "pothole", name="Pothole")
    dovecot.deliver(raw(plain("Deep pothole in front of 1234 S Noland Rd", subject="Pothole", to=independence.email)))
    settings.INTAKE_IMAP_URL = ""
    settings.INTAKE_IMAP_CITY_URLS = {"INDEPENDENCE": mailbox_url(how, dovecot, endpoint, OTHER_ADDRESS)}

    with pytest.raises(CommandError, match=r"1 of 1 mailbox\(es\) could not be read: independence"):
        call_command("poll_mailbox", "--once")

    said = capsys.readouterr().err
    secret = "password" if how == "password" else "access token"
    assert (
        f"{OTHER_ADDRESS} offers no STARTTLS on port {dovecot.port}: the {secret} of Independence's mailbox would "
        "cross the network unencrypted, so it was not sent. Use TLS: change the mailbox's URL to "
        f"imaps://{USER}@{OTHER_ADDRESS}:993/INBOX"
    ) in said
    assert "(imaps://, port 993), or turn on STARTTLS at the mail server" in said
    assert dovecot.users[USER] not in said and CLIENT_SECRET not in said
    # The server was asked for nothing: no sign-in, not even a refused one, from that address.
    assert dovecot_saw(dovecot, f"rip={OTHER_ADDRESS},")
    from_there = [line for line in dovecot.log().splitlines() if f"rip={OTHER_ADDRESS}," in line]
    assert from_there and all("(no auth attempts in " in line for line in from_there), from_there
    assert not ServiceRequest.objects.exists()
    assert [r"\Seen" in flags for flags in dovecot.flags()] == [False]  # the mail waits

    # By loopback the same server, with no STARTTLS either, is read: nothing leaves the machine.
    settings.INTAKE_IMAP_CITY_URLS = {"INDEPENDENCE": mailbox_url(how, dovecot, endpoint, "127.0.0.1")}
    call_command("poll_mailbox", "--once")

    assert "independence: 1 message(s): 1 created" in capsys.readouterr().out
    assert ServiceRequest.objects.filter(city=independence).count() == 1
