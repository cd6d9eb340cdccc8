"""Mailboxes that sign in with OAuth 2.0 (IMAP AUTHENTICATE XOAUTH2), as Microsoft 365 and
Google Workspace want: Debian's Dovecot on loopback takes one known access token and refuses
others, and a token endpoint on loopback (http.server) issues tokens with an expiry, counts
what it is asked and can be told to refuse. Mail becomes cases; a token is reused while it is
valid; a refusal is told in an administrator's words and leaves the mail unread."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.imap import (
    MailboxPoller,
    MailboxRounds,
    OAuth2SignInRefused,
    configured_mailboxes,
    parse_imap_url,
)
from civicdesk.intake.models import InboundMessage, Outcome
from civicdesk.intake.oauth2 import TokenEndpointUnavailable, xoauth2_string
from civicdesk.tenants.models import City
from tests.intake.mail import plain, raw
from tests.intake.servers import USER, Dovecot, TokenEndpoint

MICROSOFT_SCOPE = "https://outlook.office365.com/.default"
CLIENT_ID, CLIENT_SECRET = "6731de76-14a6-49ae-97bc-6eba6914391e", "the-app-secret~value"

dovecot_installed = pytest.mark.skipif(
    not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()),
    reason="Debian's dovecot-imapd is not installed (scripts/bootstrap.sh installs it)",
)


def with_mail_servers(test: Callable[..., None]) -> Callable[..., None]:
    """Real servers, and a database the poller's own transactions commit to."""
    return pytest.mark.slow(pytest.mark.django_db(transaction=True)(dovecot_installed(test)))


# What Microsoft Entra answers a wrong client secret (abridged; the real one goes on with
# trace and correlation IDs).
WRONG_SECRET = {
    "error": "invalid_client",
    "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
    "request is the client secret value, not the client secret ID, for a secret added to app "
    f"'{CLIENT_ID}'.\r\nTrace ID: 0d4a5e1c-9f1b-4c1e-a4f5-2b6f7c0d1e00\r\nTimestamp: 2026-12-06 12:00:00Z",
    "error_codes": [7000215],
}


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    server = TokenEndpoint(expires_in=3600)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def lees_summit(cities: dict[str, City], make_service_type: Callable[..., ServiceType]) -> City:
    city = cities["lees-summit"]
    make_service_type(city, "pothole", name="Pothole")
    return city


class Clock:
    """Monotonic seconds the test moves on by hand: an hour passes in no time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def microsoft_url(dovecot: Dovecot, endpoint: TokenEndpoint) -> str:
    """Microsoft 365's way: the app's own credentials (client-credentials grant)."""
    return dovecot.oauth2_url(endpoint.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, scope=MICROSOFT_SCOPE)


def poller(url: str, city: City, clock: Clock | None = None) -> MailboxPoller:
    p = MailboxPoller(parse_imap_url(url), default_city=city, timeout=10)
    if clock is not None:
        assert p.tokens is not None
        p.tokens.clock = clock
    return p


def report_to(city: City, n: int = 1) -> bytes:
    return raw(plain(f"Deep pothole number {n} on SE 3rd St", subject="Pothole", to=city.email))


def unread(dovecot: Dovecot) -> list[bool]:
    return [r"\Seen" not in flags for flags in dovecot.flags()]


@with_mail_servers
def test_mail_in_a_mailbox_that_signs_in_with_an_oauth2_token_becomes_cases(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City
) -> None:
    dovecot.deliver(report_to(lees_summit, 1))
    dovecot.deliver(report_to(lees_summit, 2))

    report = poller(microsoft_url(dovecot, endpoint), lees_summit).poll_once()

    assert report.fetched == 2 and report.outcomes == {Outcome.CREATED: 2}
    assert ServiceRequest.objects.filter(city=lees_summit).count() == 2
    assert unread(dovecot) == [False, False]
    assert endpoint.requests == [
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": MICROSOFT_SCOPE,
        }
    ]


@with_mail_servers
def test_the_token_is_reused_while_it_is_valid_and_renewed_shortly_before_it_expires(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City
) -> None:
    clock = Clock()
    mailbox = poller(microsoft_url(dovecot, endpoint), lees_summit, clock)

    for n, minutes in enumerate((0, 1, 50), start=1):
        clock.now += minutes * 60
        dovecot.deliver(report_to(lees_summit, n))
        assert mailbox.poll_once().outcomes == {Outcome.CREATED: 1}
    assert len(endpoint.requests) == 1  # one token for 51 minutes of polls

    clock.now += 5 * 60  # 56 minutes: under five minutes of its hour left
    dovecot.deliver(report_to(lees_summit, 4))
    assert mailbox.poll_once().outcomes == {Outcome.CREATED: 1}

    assert len(endpoint.requests) == 2
    assert ServiceRequest.objects.count() == 4
    assert unread(dovecot) == [False] * 4


@with_mail_servers
def test_a_token_the_mail_server_no_longer_takes_is_renewed_once_and_the_mail_comes_in(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City
) -> None:
    mailbox = poller(microsoft_url(dovecot, endpoint), lees_summit, Clock())
    mailbox.poll_once()
    # The held token is revoked (a password reset, say) well before its hour is up.
    dovecot.accept_token("a-new-access-token")
    endpoint.issue("a-new-access-token")
    dovecot.deliver(report_to(lees_summit))

    report = mailbox.poll_once()

    assert report.outcomes == {Outcome.CREATED: 1}
    assert len(endpoint.requests) == 2
    assert unread(dovecot) == [False]


@with_mail_servers
def test_a_refused_token_endpoint_tells_the_administrator_what_to_fix_and_the_mail_waits_unread(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City, capsys: Any
) -> None:
    endpoint.refuse(401, WRONG_SECRET)
    dovecot.deliver(report_to(lees_summit))
    url = microsoft_url(dovecot, endpoint)

    with pytest.raises(CommandError):
        call_command("poll_mailbox", "--once", url=url, city="lees-summit")

    said = capsys.readouterr().err
    assert (
        "Microsoft refused the app's credentials: check the client secret (its Value, not its Secret ID) "
        "for Lee's Summit's mailbox (AADSTS7000215: Invalid client secret provided." in said
    )
    assert "Trace ID" not in said and CLIENT_SECRET not in said
    assert unread(dovecot) == [True]
    assert not ServiceRequest.objects.exists() and not InboundMessage.objects.exists()

    # The secret is put right: the waiting message becomes one case, once.
    endpoint.accept()
    call_command("poll_mailbox", "--once", url=url, city="lees-summit")
    call_command("poll_mailbox", "--once", url=url, city="lees-summit")

    assert ServiceRequest.objects.filter(city=lees_summit).count() == 1
    assert unread(dovecot) == [False]


@with_mail_servers
def test_a_mail_server_that_refuses_even_a_new_token_says_what_to_check_and_leaves_the_mail_unread(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City
) -> None:
    dovecot.accept_token("only-a-token-the-app-may-not-have")
    dovecot.deliver(report_to(lees_summit))

    with pytest.raises(OAuth2SignInRefused) as refused:
        poller(microsoft_url(dovecot, endpoint), lees_summit).poll_once()

    assert str(refused.value).startswith(
        f"127.0.0.1 refused the access token the token endpoint 127.0.0.1 issued for Lee's Summit's mailbox ({USER}), "
        "a new one too: check that the app may read this mailbox (the server said: "
    )
    assert len(endpoint.requests) == 2  # the first token, and one renewal: no more
    assert unread(dovecot) == [True]
    assert not ServiceRequest.objects.exists()


@with_mail_servers
def test_a_google_mailbox_exchanges_its_refresh_token_and_a_revoked_one_is_told_plainly(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City
) -> None:
    url = dovecot.oauth2_url(
        endpoint.url, client_id="1234-abc.apps.googleusercontent.com", client_secret="GOCSPX-x", refresh_token="1//0g-r"
    )
    dovecot.deliver(report_to(lees_summit, 1))

    assert poller(url, lees_summit).poll_once().outcomes == {Outcome.CREATED: 1}
    assert endpoint.requests == [
        {
            "grant_type": "refresh_token",
            "client_id": "1234-abc.apps.googleusercontent.com",
            "client_secret": "GOCSPX-x",
            "refresh_token": "1//0g-r",
        }
    ]

    endpoint.refuse(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    dovecot.deliver(report_to(lees_summit, 2))
    with pytest.raises(OAuth2SignInRefused) as refused:
        poller(url, lees_summit).poll_once()

    assert str(refused.value) == (
        "The token endpoint 127.0.0.1 refused the refresh token: it has expired or was revoked, or it was issued "
        "to another client ID; sign in as the mailbox again to get a new one and set it for Lee's Summit's "
        "mailbox (invalid_grant: Token has been expired or revoked.)"
    )
    assert unread(dovecot) == [False, True]


@with_mail_servers
def test_a_token_endpoint_that_cannot_be_reached_is_a_passing_trouble_and_the_mail_waits(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City
) -> None:
    url = microsoft_url(dovecot, endpoint)
    endpoint.stop()
    dovecot.deliver(report_to(lees_summit))

    with pytest.raises(TokenEndpointUnavailable, match=r"cannot reach 127\.0\.0\.1:\d+ for an access token"):
        poller(url, lees_summit).poll_once()

    assert unread(dovecot) == [True]


@with_mail_servers
def test_one_poller_for_every_city_logs_a_refused_app_as_an_error_of_that_city_and_reads_the_others(
    endpoint: TokenEndpoint, lees_summit: City, independence: City, settings: Any, caplog: Any
) -> None:
    server = Dovecot(users={"independence-311": "independence-password"})
    server.start()
    try:
        settings.INTAKE_IMAP_URL = ""
        settings.INTAKE_IMAP_CITY_URLS = {
            "INDEPENDENCE": server.url_for("independence-311"),
            "LEES_SUMMIT": microsoft_url(server, endpoint),
        }
        endpoint.refuse(401, WRONG_SECRET)
        server.deliver(report_to(lees_summit))
        server.deliver(report_to(independence), user="independence-311")
        mailboxes, _problems = configured_mailboxes()

        with caplog.at_level(logging.INFO, logger="civicdesk.intake.imap"):
            outcomes = {box.name: outcome for box, outcome in MailboxRounds(mailboxes, interval=60).poll_due()}

        assert isinstance(outcomes["lees-summit"], OAuth2SignInRefused)
        assert ServiceRequest.objects.get().city == independence
        assert unread(server) == [True]
        (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert error.city == "lees-summit"
        assert "Microsoft refused the app's credentials: check the client secret" in error.getMessage()
        assert CLIENT_SECRET not in caplog.text
    finally:
        server.stop()


@with_mail_servers
def test_a_password_mailbox_still_logs_in_with_its_password_on_a_server_that_offers_xoauth2(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City
) -> None:
    dovecot.deliver(report_to(lees_summit))

    report = poller(dovecot.url, lees_summit).poll_once()

    assert report.outcomes == {Outcome.CREATED: 1}
    assert endpoint.requests == []


def test_the_xoauth2_answer_is_the_user_and_the_bearer_token_between_ctrl_a_characters() -> None:
    assert xoauth2_string("311@leessummit.example", "EwBAAl3BAAUF") == (
        b"user=311@leessummit.example\x01auth=Bearer EwBAAl3BAAUF\x01\x01"
    )


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("auth=oauth2&token_url=https://login.example/t&client_id=app&scope=s", "needs client_secret"),
        ("auth=oauth2&token_url=http://login.example/t&client_id=app&client_secret=SECRET&scope=s", "https://"),
        ("auth=oauth2&token_url=https://login.example/t&client_secret=SECRET&scope=s", "needs client_id"),
        ("client_id=app&client_secret=SECRET", "no auth=oauth2"),
        ("auth=oauth&client_secret=SECRET", "password or oauth2"),
        ("auth=oauth2&tenant=x&client_secret=SECRET", "unknown parameters (tenant)"),
    ],
)
def test_a_mailbox_url_with_oauth2_settings_missing_or_wrong_says_which_without_repeating_the_secret(
    query: str, says: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as wrong:
        parse_imap_url(f"imaps://311%40leessummit.example@outlook.office365.com/INBOX?{query}")

    assert says in str(wrong.value)
    assert "SECRET" not in str(wrong.value)


def test_a_mailbox_url_that_is_not_one_is_refused_without_repeating_its_secrets() -> None:
    with pytest.raises(ImproperlyConfigured) as wrong:
        parse_imap_url("https://311%40leessummit.example:PASSWORD@outlook.office365.com/INBOX?client_secret=SECRET")

    assert "outlook.office365.com/INBOX?…" in str(wrong.value)
    assert "SECRET" not in str(wrong.value) and "PASSWORD" not in str(wrong.value)


def test_an_oauth2_mailbox_url_has_no_password() -> None:
    with pytest.raises(ImproperlyConfigured, match="has no password"):
        parse_imap_url(
            "imaps://311%40leessummit.example:pw@outlook.office365.com/INBOX?auth=oauth2"
            "&token_url=https://login.microsoftonline.com/t/oauth2/v2.0/token&client_id=a&client_secret=b&scope=c"
        )


def test_the_oauth2_mailbox_url_is_read_with_its_secrets_kept_out_of_its_repr() -> None:
    box = parse_imap_url(
        "imaps://311%40leessummit.example@outlook.office365.com/INBOX?auth=oauth2"
        "&token_url=https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        f"&client_id={CLIENT_ID}&client_secret=abc~def%2Bghi&scope=https://outlook.office365.com/.default"
    )

    assert box.user == "311@leessummit.example" and box.port == 993 and box.password == ""
    assert box.oauth2 is not None
    assert box.oauth2.client_secret == "abc~def+ghi"
    assert box.oauth2.grant == "client_credentials" and box.oauth2.provider == "Microsoft"
    assert "abc~def" not in repr(box.oauth2) and "abc~def" not in str(box)
    assert parse_imap_url("imap://u:p@h/INBOX").oauth2 is None
