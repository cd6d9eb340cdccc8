"""Mailboxes whose OAuth 2.0 app proves itself with a key instead of a client secret, as many
cities' IT departments require: a Microsoft Entra app's certificate (the client-credentials
grant with a ``client_assertion`` JWT) and a Google service account with domain-wide
delegation (the JWT bearer grant). The loopback token endpoint checks each signed assertion
as Microsoft and Google do — its signature with the public key of a throwaway key and
certificate made here, its header and its claims — and refuses a wrong one with their error
JSON; the loopback Dovecot takes the token it issues over AUTHENTICATE XOAUTH2."""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
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
from civicdesk.intake.oauth2 import AccessTokens, KeyFileUnusable, TokenRefused, _read_key_file, signed_jwt
from civicdesk.tenants.models import City
from tests.intake.mail import plain, raw
from tests.intake.servers import (
    ACCESS_TOKEN,
    CLIENT_ASSERTION_TYPE,
    JWT_BEARER_GRANT,
    Dovecot,
    TokenEndpoint,
    pem,
    read_jwt,
    rsa_key,
    self_signed_certificate,
    service_account_json,
    thumbprint,
)
from tests.intake.test_imap_oauth2 import CLIENT_ID, MICROSOFT_SCOPE, Clock, report_to, unread, with_mail_servers

GOOGLE_SCOPE = "https://mail.google.com/"
RAYTOWN_BOX = "311@raytown.example"
SERVICE_ACCOUNT = "intake-reader@civicdesk-intake.iam.gserviceaccount.com"
KEY_ID = "2f9c1d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d"


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    """The Entra app's private key (made once: 2048-bit keys take a moment)."""
    return rsa_key()


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa_key()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot(users={RAYTOWN_BOX: "raytown-password"})
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


@pytest.fixture
def raytown(cities: dict[str, City], make_service_type: Callable[..., ServiceType]) -> City:
    city = cities["raytown"]
    make_service_type(city, "pothole", name="Pothole")
    return city


def write(path: Path, data: bytes | str) -> str:
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    path.chmod(0o400)
    return str(path)


def certificate_url(dovecot: Dovecot, endpoint: TokenEndpoint, path: str, **more: str) -> str:
    """Microsoft 365's way with a certificate: no client secret."""
    return dovecot.oauth2_url(endpoint.url, client_id=CLIENT_ID, client_certificate=path, scope=MICROSOFT_SCOPE, **more)


def service_account_url(dovecot: Dovecot, endpoint: TokenEndpoint, path: str) -> str:
    return dovecot.oauth2_url(endpoint.url, user=RAYTOWN_BOX, service_account_key=path)


def poller(url: str, city: City, clock: Clock | None = None) -> MailboxPoller:
    p = MailboxPoller(parse_imap_url(url), default_city=city, timeout=10)
    if clock is not None:
        assert p.tokens is not None
        p.tokens.clock = clock
    return p


def to_raytown(n: int = 1) -> bytes:
    return raw(plain(f"Deep pothole number {n} on E 63rd St", subject="Pothole", to="311@raytown.example"))


# --- Microsoft Entra: the app's certificate -------------------------------------------------


@with_mail_servers
def test_a_microsoft_app_signing_in_with_its_certificate_gets_a_token_and_the_mail_becomes_cases(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City, app_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    certificate = self_signed_certificate(app_key)
    endpoint.upload_certificate(CLIENT_ID, certificate)
    path = write(tmp_path / "intake.pem", pem(app_key, certificate))
    dovecot.deliver(report_to(lees_summit, 1))
    dovecot.deliver(report_to(lees_summit, 2))
    before = time.time()

    report = poller(certificate_url(dovecot, endpoint, path), lees_summit).poll_once()

    assert report.outcomes == {Outcome.CREATED: 2}
    assert ServiceRequest.objects.filter(city=lees_summit).count() == 2
    assert unread(dovecot) == [False, False]
    (form,) = endpoint.requests
    assert set(form) == {"grant_type", "client_id", "scope", "client_assertion_type", "client_assertion"}
    assert form["grant_type"] == "client_credentials" and form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    assert form["client_id"] == CLIENT_ID and form["scope"] == MICROSOFT_SCOPE
    # What the endpoint checked, signature included, and took.
    ((header, claims),) = endpoint.assertions
    assert header == {
        "alg": "RS256",
        "typ": "JWT",
        "x5t": thumbprint(certificate, hashes.SHA1()),  # noqa: S303
        "x5t#S256": thumbprint(certificate, hashes.SHA256()),
    }
    assert claims["aud"] == endpoint.url
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert uuid.UUID(claims["jti"])
    assert before - 1 <= claims["nbf"] <= time.time()
    assert claims["exp"] - claims["nbf"] == 600


@with_mail_servers
def test_the_certificate_token_is_kept_for_its_hour_and_renewed_with_a_new_assertion(
    dovecot: Dovecot, endpoint: TokenEndpoint, lees_summit: City, app_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    certificate = self_signed_certificate(app_key)
    endpoint.upload_certificate(CLIENT_ID, certificate)
    clock = Clock()
    mailbox = poller(
        certificate_url(dovecot, endpoint, write(tmp_path / "i.pem", pem(app_key, certificate))), lees_summit, clock
    )

    for n, minutes in enumerate((0, 30, 26), start=1):  # the third at 56 minutes: renewed
        clock.now += minutes * 60
        dovecot.deliver(report_to(lees_summit, n))
        assert mailbox.poll_once().outcomes == {Outcome.CREATED: 1}

    assert len(endpoint.requests) == 2
    first, second = (claims["jti"] for _header, claims in endpoint.assertions)
    assert first != second  # an assertion is never sent twice


@with_mail_servers
def test_a_certificate_the_app_does_not_have_is_refused_as_microsoft_does_and_the_mail_waits_until_it_is_uploaded(
    dovecot: Dovecot,
    endpoint: TokenEndpoint,
    lees_summit: City,
    app_key: rsa.RSAPrivateKey,
    other_key: rsa.RSAPrivateKey,
    tmp_path: Path,
    capsys: Any,
) -> None:
    uploaded = self_signed_certificate(other_key, "an older certificate")
    endpoint.upload_certificate(CLIENT_ID, uploaded)
    certificate = self_signed_certificate(app_key)
    path = write(tmp_path / "lees-summit-intake.pem", pem(app_key, certificate))
    url = certificate_url(dovecot, endpoint, path)
    dovecot.deliver(report_to(lees_summit))

    with pytest.raises(CommandError):
        call_command("poll_mailbox", "--once", url=url, city="lees-summit")

    said = capsys.readouterr().err
    assert (
        "Microsoft refused the app's certificate: the app has no such certificate; upload the certificate of the "
        "client_certificate file to the app in Microsoft Entra (Certificates & secrets → Certificates → Upload "
        "certificate), and check the client ID for Lee's Summit's mailbox (AADSTS700027: The certificate with "
        "identifier used to sign the client assertion is not registered on application." in said
    )
    assert "lees-summit-intake.pem" not in said and str(tmp_path) not in said
    assert unread(dovecot) == [True]
    assert not ServiceRequest.objects.exists() and not InboundMessage.objects.exists()

    # The administrator uploads the certificate: the waiting message becomes one case.
    endpoint.upload_certificate(CLIENT_ID, certificate)
    call_command("poll_mailbox", "--once", url=url, city="lees-summit")

    assert ServiceRequest.objects.filter(city=lees_summit).count() == 1
    assert unread(dovecot) == [False]


def test_the_endpoint_checks_the_signature_and_refuses_an_assertion_signed_with_another_key_as_microsoft_does(
    endpoint: TokenEndpoint, app_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    certificate = self_signed_certificate(app_key)
    endpoint.upload_certificate(CLIENT_ID, certificate)
    now = int(time.time())
    claims = {"aud": endpoint.url, "iss": CLIENT_ID, "sub": CLIENT_ID, "jti": "1", "nbf": now, "exp": now + 600}
    header = {"x5t#S256": thumbprint(certificate, hashes.SHA256())}

    def post(assertion: str) -> tuple[int, dict[str, Any]]:
        form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "scope": MICROSOFT_SCOPE}
        form |= {"client_assertion_type": CLIENT_ASSERTION_TYPE, "client_assertion": assertion}
        request = urllib.request.Request(endpoint.url, data=urlencode(form).encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, answer = post(signed_jwt(other_key, header, claims))
    assert status == 401 and answer["error"] == "invalid_client" and answer["error_codes"] == [700027]
    assert answer["error_description"].startswith("AADSTS700027: Client assertion failed signature validation.")

    status, answer = post(signed_jwt(app_key, header, claims | {"aud": "https://login.example/other"}))
    assert (status, answer["error_codes"]) == (401, [700023])
    status, answer = post(signed_jwt(app_key, header, claims | {"exp": now + 3600}))
    assert (status, answer["error_codes"]) == (401, [700024])

    # What the poller tells the administrator when Microsoft answers so.
    refusal = post(signed_jwt(other_key, header, claims))
    endpoint.refuse(*refusal)
    url = certificate_url_for(endpoint, write(tmp_path / "i.pem", pem(app_key, certificate)))
    with pytest.raises(TokenRefused) as refused:
        tokens_for(url).get()
    assert str(refused.value).startswith(
        "Microsoft refused the app's certificate: the signature does not match the certificate uploaded to the app; "
        "the client_certificate file's private key must be that certificate's for Lee's Summit's mailbox "
        "(AADSTS700027: Client assertion failed signature validation."
    )
    endpoint.accept()

    # Only x5t#S256 (SHA-256) names the certificate here, and is enough.
    assert post(signed_jwt(app_key, header, claims)) == (
        200,
        {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600},
    )


def test_a_machine_whose_clock_is_wrong_is_told_to_set_it_right(
    endpoint: TokenEndpoint, app_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    certificate = self_signed_certificate(app_key)
    endpoint.upload_certificate(CLIENT_ID, certificate)
    box = parse_imap_url(certificate_url_for(endpoint, write(tmp_path / "i.pem", pem(app_key, certificate))))
    assert box.oauth2 is not None
    tokens = AccessTokens(box.oauth2, mailbox_label="Lee's Summit's mailbox", wall_clock=lambda: time.time() - 3600)

    with pytest.raises(TokenRefused) as refused:
        tokens.get()

    assert str(refused.value).startswith(
        "Microsoft refused the app's certificate: its signed assertion was out of its valid time; set this "
        "machine's clock right (NTP) for Lee's Summit's mailbox (AADSTS700024: Client assertion is not within"
    )


def certificate_url_for(endpoint: TokenEndpoint, path: str, **more: str) -> str:
    query = urlencode(
        {
            "auth": "oauth2",
            "token_url": endpoint.url,
            "client_id": CLIENT_ID,
            "client_certificate": path,
            "scope": MICROSOFT_SCOPE,
            **more,
        }
    )
    return f"imaps://311%40leessummit.example@outlook.office365.com/INBOX?{query}"


def tokens_for(url: str, label: str = "Lee's Summit's mailbox") -> AccessTokens:
    box = parse_imap_url(url)
    assert box.oauth2 is not None
    return AccessTokens(box.oauth2, mailbox_label=label, timeout=10)


def test_a_pkcs12_file_with_its_password_signs_in_too(
    endpoint: TokenEndpoint, app_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    certificate = self_signed_certificate(app_key)
    endpoint.upload_certificate(CLIENT_ID, certificate)
    pfx = pkcs12.serialize_key_and_certificates(
        b"civicdesk intake", app_key, certificate, None, serialization.BestAvailableEncryption(b"pfx pass+word")
    )
    url = certificate_url_for(
        endpoint, write(tmp_path / "intake.pfx", pfx), client_certificate_password="pfx pass+word"
    )

    assert tokens_for(url).get() == ACCESS_TOKEN
    assert len(endpoint.assertions) == 1
    assert "pfx pass+word" not in repr(parse_imap_url(url))


CERTIFICATE_FILE = "The certificate file of Lee's Summit's mailbox (the mailbox URL's client_certificate)"


@pytest.mark.parametrize(
    ("contents", "password", "says"),
    [
        (None, "", "cannot be read: there is no such file on this machine"),
        ("directory", "", "cannot be read: it is a directory, not a file"),
        (
            "certificate only",
            "",
            "cannot be used: it holds no private key; put the app's private key and its "
            "certificate in one PEM file (cat intake.key intake.crt > intake.pem)",
        ),
        ("key only", "", "cannot be used: it holds no certificate; add the certificate uploaded to the app"),
        ("encrypted", "", "cannot be used: its private key is encrypted: set client_certificate_password"),
        (
            "encrypted",
            "not the password",
            "cannot be used: its private key cannot be read (a wrong client_certificate_password?)",
        ),
        ("another key's certificate", "", "cannot be used: its certificate is not its private key's"),
        ("not a key", "", "cannot be used: it is neither a PEM file nor a PKCS#12 (.pfx) file"),
        ("elliptic curve", "", "cannot be used: its private key is not an RSA key"),
    ],
)
def test_a_certificate_file_that_cannot_be_read_or_used_says_why_without_its_path_and_nothing_is_sent(
    endpoint: TokenEndpoint,
    app_key: rsa.RSAPrivateKey,
    other_key: rsa.RSAPrivateKey,
    tmp_path: Path,
    contents: str | None,
    password: str,
    says: str,
) -> None:
    certificate = self_signed_certificate(app_key)
    path = tmp_path / "secret-name-intake.pem"
    if contents == "directory":
        path.mkdir()
    elif contents is not None:
        curve = ec.generate_private_key(ec.SECP256R1())
        data = {
            "certificate only": pem(None, certificate),
            "key only": pem(app_key),
            "encrypted": pem(app_key, certificate, password="the real password"),
            "another key's certificate": pem(other_key, certificate),
            "not a key": b"\x30\x82 not a certificate at all",
            "elliptic curve": curve.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            + pem(None, certificate),
        }[contents]
        write(path, data)
    more = {"client_certificate_password": password} if password else {}

    with pytest.raises(KeyFileUnusable) as unusable:
        tokens_for(certificate_url_for(endpoint, str(path), **more)).get()

    assert str(unusable.value).startswith(f"{CERTIFICATE_FILE} {says}")
    assert "secret-name" not in str(unusable.value) and str(tmp_path) not in str(unusable.value)
    assert endpoint.requests == []


AS_NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--reset-env")


def test_a_key_file_the_poller_may_not_read_says_who_it_runs_as_and_how_to_fix_it(tmp_path: Path) -> None:
    """A key file the poller's account may not read (root's, mode 0400). The suite may run as
    root, who reads anything: then the poller's reading runs as ``nobody`` in a child process,
    as it would under its own service account."""
    folder = Path(tempfile.mkdtemp(prefix="civicdesk-keys-"))
    try:
        folder.chmod(0o755)  # others may look inside, as in /etc/civicdesk, but not read the key
        key_file = folder / "secret-name-intake.pem"
        write(key_file, b"-----BEGIN PRIVATE KEY-----\n")
        key_file.chmod(0o400 if os.geteuid() == 0 else 0o000)
        if os.geteuid() == 0:
            program = (
                "import sys\n"
                "from civicdesk.intake.oauth2 import KeyFileUnusable, _read_key_file\n"
                "try:\n"
                "    _read_key_file(sys.argv[1], 'The key file')\n"
                "except KeyFileUnusable as exc:\n"
                "    print(exc)\n"
            )
            ran = subprocess.run(
                [*AS_NOBODY, sys.executable, "-c", program, str(key_file)],
                cwd=Path(__file__).resolve().parents[2],
                capture_output=True,
                text=True,
                check=True,
            )
            message, user = ran.stdout.strip(), "nobody"
        else:
            with pytest.raises(KeyFileUnusable) as unusable:
                _read_key_file(str(key_file), "The key file")
            message, user = str(unusable.value), pwd.getpwuid(os.geteuid()).pw_name
    finally:
        shutil.rmtree(folder)

    assert message == (
        f"The key file cannot be read: the poller runs as {user}, who may not read it; "
        f"make it {user}'s, readable by {user} only (chmod 0400)"
    )
    assert "secret-name" not in message and str(folder) not in message


@with_mail_servers
def test_a_key_file_that_cannot_be_read_is_an_error_of_that_city_while_the_others_mail_comes_in(
    endpoint: TokenEndpoint, lees_summit: City, independence: City, settings: Any, caplog: Any, tmp_path: Path
) -> None:
    server = Dovecot(users={"independence-311": "independence-password"})
    server.start()
    try:
        settings.INTAKE_IMAP_URL = ""
        settings.INTAKE_IMAP_CITY_URLS = {
            "INDEPENDENCE": server.url_for("independence-311"),
            "LEES_SUMMIT": certificate_url(server, endpoint, str(tmp_path / "missing-intake.pem")),
        }
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
        assert f"{CERTIFICATE_FILE} cannot be read: there is no such file on this machine" in error.getMessage()
        assert "missing-intake" not in caplog.text and str(tmp_path) not in caplog.text
        assert endpoint.requests == []
    finally:
        server.stop()


# --- Google: a service account with domain-wide delegation --------------------------------


@pytest.fixture
def google(endpoint: TokenEndpoint, app_key: rsa.RSAPrivateKey) -> TokenEndpoint:
    """Google as a Workspace administrator set it up: the service account with its key, its
    domain-wide delegation of Gmail's scope, and the intake mailbox a user of the domain."""
    endpoint.add_service_account(SERVICE_ACCOUNT, KEY_ID, app_key.public_key())
    endpoint.delegate(SERVICE_ACCOUNT, GOOGLE_SCOPE)
    endpoint.workspace_users.add(RAYTOWN_BOX)
    return endpoint


@with_mail_servers
def test_a_google_service_account_acts_as_the_mailbox_and_its_mail_becomes_cases(
    dovecot: Dovecot, google: TokenEndpoint, raytown: City, app_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    path = write(tmp_path / "raytown-intake.json", service_account_json(app_key, SERVICE_ACCOUNT, KEY_ID))
    dovecot.deliver(to_raytown(1), user=RAYTOWN_BOX)
    before = time.time()

    report = poller(service_account_url(dovecot, google, path), raytown).poll_once()

    assert report.outcomes == {Outcome.CREATED: 1}
    assert ServiceRequest.objects.get().city == raytown
    assert unread_of(dovecot, RAYTOWN_BOX) == [False]
    (form,) = google.requests
    assert set(form) == {"grant_type", "assertion"} and form["grant_type"] == JWT_BEARER_GRANT
    ((header, claims),) = google.assertions
    assert header == {"alg": "RS256", "typ": "JWT", "kid": KEY_ID}
    assert claims["iss"] == SERVICE_ACCOUNT
    assert claims["sub"] == RAYTOWN_BOX
    assert claims["scope"] == GOOGLE_SCOPE
    assert claims["aud"] == google.url
    assert before - 1 <= claims["iat"] <= time.time() and claims["exp"] - claims["iat"] == 3600
    assert read_jwt(form["assertion"])[1] == claims


def unread_of(dovecot: Dovecot, user: str) -> list[bool]:
    return [r"\Seen" not in flags for flags in dovecot.flags(user=user)]


@with_mail_servers
def test_a_deleted_service_account_key_is_refused_as_google_does_and_the_mail_waits_unread(
    dovecot: Dovecot, google: TokenEndpoint, raytown: City, other_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    # The file holds a key the service account no longer has (deleted in the console).
    path = write(tmp_path / "raytown-intake.json", service_account_json(other_key, SERVICE_ACCOUNT, "an-old-key"))
    dovecot.deliver(to_raytown(), user=RAYTOWN_BOX)

    with pytest.raises(OAuth2SignInRefused) as refused:
        poller(service_account_url(dovecot, google, path), raytown).poll_once()

    assert str(refused.value) == (
        "The token endpoint 127.0.0.1 refused the service account's key: it was deleted or disabled, or is not "
        "this service account's; create a new key (IAM & Admin → Service accounts → Keys) and set its file in "
        "service_account_key for Raytown's mailbox (invalid_grant: Invalid JWT Signature.)"
    )
    assert unread_of(dovecot, RAYTOWN_BOX) == [True]
    assert not ServiceRequest.objects.exists()


@with_mail_servers
def test_a_service_account_without_domain_wide_delegation_is_told_where_to_give_it(
    dovecot: Dovecot, google: TokenEndpoint, raytown: City, app_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    google.delegated.clear()
    path = write(tmp_path / "k.json", service_account_json(app_key, SERVICE_ACCOUNT, KEY_ID))
    dovecot.deliver(to_raytown(), user=RAYTOWN_BOX)

    with pytest.raises(OAuth2SignInRefused) as refused:
        poller(service_account_url(dovecot, google, path), raytown).poll_once()

    assert str(refused.value).startswith(
        "The token endpoint 127.0.0.1 refused the service account: it may not act as the mailbox's user; give it "
        "domain-wide delegation (Google Admin console → Security → Access and data control → API controls → "
        "Manage Domain Wide Delegation: the service account's client ID with the scope https://mail.google.com/) "
        "for Raytown's mailbox (unauthorized_client: Client is unauthorized"
    )
    assert unread_of(dovecot, RAYTOWN_BOX) == [True]

    # Delegated (Google takes a while; here at once): the waiting message comes in.
    google.delegate(SERVICE_ACCOUNT, GOOGLE_SCOPE)
    assert poller(service_account_url(dovecot, google, path), raytown).poll_once().outcomes == {Outcome.CREATED: 1}


def test_a_mailbox_that_is_no_user_of_the_workspace_is_told_plainly(
    google: TokenEndpoint, app_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    google.workspace_users.clear()
    path = write(tmp_path / "k.json", service_account_json(app_key, SERVICE_ACCOUNT, KEY_ID))
    tokens = tokens_for(
        f"imaps://311%40raytown.example@imap.gmail.com/INBOX?auth=oauth2&token_url={google.url}"
        f"&service_account_key={path}",
        "Raytown's mailbox",
    )

    with pytest.raises(TokenRefused, match=r"does not know the mailbox's user: the mailbox URL's user must be"):
        tokens.get()


def test_a_service_account_on_a_machine_whose_clock_is_wrong_is_told_to_set_it_right(
    google: TokenEndpoint, app_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    path = write(tmp_path / "k.json", service_account_json(app_key, SERVICE_ACCOUNT, KEY_ID))
    tokens = tokens_for(
        f"imaps://311%40raytown.example@imap.gmail.com/INBOX?auth=oauth2&token_url={google.url}"
        f"&service_account_key={path}",
        "Raytown's mailbox",
    )
    tokens.wall_clock = lambda: time.time() + 2 * 3600

    with pytest.raises(TokenRefused) as refused:
        tokens.get()

    assert str(refused.value).startswith(
        "The token endpoint 127.0.0.1 refused the service account's key: its signed assertion was out of its "
        "valid time; set this machine's clock right (NTP) for Raytown's mailbox (invalid_grant: Invalid JWT: Token "
        "must be a short-lived token"
    )


SERVICE_ACCOUNT_FILE = "The service account key file of Raytown's mailbox (the mailbox URL's service_account_key)"


@pytest.mark.parametrize(
    ("contents", "says"),
    [
        (None, "cannot be read: there is no such file on this machine"),
        (
            "not json",
            "is not a service account's JSON key; create one (IAM & Admin → Service accounts → the "
            "account → Keys → Add key → Create new key → JSON)",
        ),
        (
            '{"installed": {"client_id": "1234-abc.apps.googleusercontent.com", "client_secret": "GOCSPX-x"}}',
            "is an OAuth client's file, not a service account's JSON key",
        ),
        ('{"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com"}', "has no private_key"),
        (
            '{"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com", "private_key": "-----BEGIN"}',
            "has a private_key that cannot be read",
        ),
    ],
)
def test_a_service_account_key_file_that_cannot_be_read_or_used_says_why_without_its_path(
    google: TokenEndpoint, tmp_path: Path, contents: str | None, says: str
) -> None:
    path = tmp_path / "raytown-secret-key.json"
    if contents is not None:
        write(path, contents)
    tokens = tokens_for(
        f"imaps://311%40raytown.example@imap.gmail.com/INBOX?auth=oauth2&token_url={google.url}"
        f"&service_account_key={path}",
        "Raytown's mailbox",
    )

    with pytest.raises(KeyFileUnusable) as unusable:
        tokens.get()

    assert str(unusable.value).startswith(f"{SERVICE_ACCOUNT_FILE} {says}")
    assert "raytown-secret-key" not in str(unusable.value)
    assert google.requests == []


# --- the mailbox URL ------------------------------------------------------------------------

MS = "auth=oauth2&token_url=https://login.example/t&client_id=app&scope=s"
GOOGLE = "auth=oauth2&token_url=https://oauth2.googleapis.com/token"


@pytest.mark.parametrize(
    ("user", "query", "says"),
    [
        ("311%40ls.example", f"{MS}&client_secret=SECRET&client_certificate=/etc/SECRET.pem", "give one of them"),
        ("311%40ls.example", f"{MS}&client_certificate=SECRET.pem", "must be a file's full path"),
        ("311%40ls.example", f"{MS}&client_secret=x&client_certificate_password=SECRET", "but no client_certificate"),
        (
            "311%40ls.example",
            f"{MS}&client_certificate=/etc/SECRET.pem&refresh_token=SECRET",
            "leave out refresh_token",
        ),
        (
            "311%40ls.example",
            "auth=oauth2&token_url=https://login.example/t&client_id=app&client_certificate=/SECRET",
            "needs scope",
        ),
        ("intake", f"{GOOGLE}&service_account_key=/etc/SECRET.json", "must be the mailbox's address"),
        ("311%40rt.example", f"{GOOGLE}&service_account_key=/etc/SECRET.json&client_id=x", "has no client_id"),
        ("311%40rt.example", f"{GOOGLE}&service_account_key=SECRET.json", "must be a file's full path"),
        ("311%40rt.example", "auth=oauth2&service_account_key=/etc/SECRET.json", "needs token_url"),
    ],
)
def test_a_mailbox_url_with_a_key_file_set_wrong_says_which_without_repeating_values(
    user: str, query: str, says: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as wrong:
        parse_imap_url(f"imaps://{user}@imap.example.com/INBOX?{query}")

    assert says in str(wrong.value)
    assert "SECRET" not in str(wrong.value)


def test_a_key_files_path_and_password_are_kept_out_of_the_mailboxs_repr() -> None:
    box = parse_imap_url(
        "imaps://311%40raytown.example@imap.gmail.com/INBOX?auth=oauth2&token_url=https://oauth2.googleapis.com/token"
        "&service_account_key=/etc/civicdesk/raytown-intake.json"
    )
    assert box.oauth2 is not None
    assert box.oauth2.grant == "jwt_bearer" and box.oauth2.subject == "311@raytown.example"
    assert "raytown-intake.json" not in repr(box) and "raytown-intake.json" not in str(box)

    box = parse_imap_url(certificate_url_for_host("/etc/civicdesk/lees-summit.pfx", "pfx-password"))
    assert box.oauth2 is not None
    assert (
        box.oauth2.grant == "client_credentials" and box.oauth2.client_certificate == "/etc/civicdesk/lees-summit.pfx"
    )
    assert "lees-summit.pfx" not in repr(box) and "pfx-password" not in repr(box)


def certificate_url_for_host(path: str, password: str) -> str:
    return (
        "imaps://311%40leessummit.example@outlook.office365.com/INBOX?auth=oauth2"
        "&token_url=https://login.microsoftonline.com/t/oauth2/v2.0/token"
        f"&client_id={CLIENT_ID}&client_certificate={path}&client_certificate_password={password}"
        f"&scope={MICROSOFT_SCOPE}"
    )
