"""OAuth 2.0 sign-in for intake mailboxes (IMAP ``AUTHENTICATE XOAUTH2``).

Microsoft 365 (Exchange Online) accepts no password over IMAP, and Google Workspace would
rather not: both take an OAuth 2.0 access token instead. A mailbox whose URL says
``?auth=oauth2`` gets its tokens from the token endpoint named in the URL:

- Microsoft Entra, the client-credentials grant: the app signs in as itself with its client
  ID and secret, scope ``https://outlook.office365.com/.default``;
- Microsoft Entra, the same grant with a certificate instead of a secret: the app proves who it
  is with a JWT it signs with the certificate's private key (``client_assertion``), where a
  city's policy forbids client secrets;
- Google, the refresh-token grant: a refresh token the mailbox's own account gave the app
  once, exchanged for an access token each hour;
- Google, a service account with domain-wide delegation (the JWT bearer grant): a JWT signed
  with the service account's key asks for a token to act as the mailbox's user.

The keys live in files the mailbox URL names (``client_certificate``, ``service_account_key``),
read each time a token is asked for (so a renewed file is taken without a restart); a file
that cannot be read or used is told in an administrator's words (``KeyFileUnusable``), with
the setting to look at but never the file's path.

A token is kept until shortly before it expires (``AccessTokens``), so a poller asks for
one about once an hour, not once a poll. What an endpoint refuses is told in an
administrator's words (``TokenRefused``): which setting to look at, for which city's
mailbox, with the provider's own reason. Nothing here touches the mail: a mailbox that
cannot sign in is not opened, so its messages stay unread for the next poll.
"""

from __future__ import annotations

import base64
import errno
import http.client
import ipaddress
import json
import os
import pwd
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

# A token is renewed this long before it expires (a tenth of its life if that is shorter):
# a poll that starts with a token about to expire must not be refused halfway.
EXPIRY_MARGIN_SECONDS = 300.0
# When an endpoint gives no expires_in: an hour, what Microsoft and Google issue.
DEFAULT_LIFETIME_SECONDS = 3600.0
# How long a signed assertion is good for: Microsoft asks for "5-10 minutes after nbf at most",
# Google takes at most an hour. Each is sent once, at once.
MICROSOFT_ASSERTION_SECONDS = 600
GOOGLE_ASSERTION_SECONDS = 3600
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# What a Google service account asks for when the URL gives no scope: Gmail's IMAP takes this one.
GOOGLE_MAIL_SCOPE = "https://mail.google.com/"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine's loopback: ``localhost``,
    127.0.0.0/8 or ``::1``, where what is sent never leaves the machine. Any other name is
    not, whatever it resolves to today."""
    name = host.strip("[]").rstrip(".").lower().split("%", 1)[0]
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


@dataclass(frozen=True)
class OAuth2Client:
    """How one mailbox gets its access tokens. With ``refresh_token``, the refresh-token
    grant (Google); with ``service_account_key``, the JWT bearer grant as ``subject`` (a
    Google service account); otherwise the client-credentials grant with ``scope``
    (Microsoft), the app proving itself with ``client_secret`` or ``client_certificate``.
    The secrets and the key files' paths are kept out of ``repr`` (and so out of logs and
    tracebacks)."""

    token_url: str
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    scope: str = ""
    refresh_token: str = field(default="", repr=False)
    # A PEM file with the private key and its certificate, or a PKCS#12 (.pfx) file.
    client_certificate: str = field(default="", repr=False)
    client_certificate_password: str = field(default="", repr=False)
    # A Google service account's JSON key file.
    service_account_key: str = field(default="", repr=False)
    # The mailbox's address, which a service account acts as.
    subject: str = ""

    @property
    def grant(self) -> str:
        if self.refresh_token:
            return "refresh_token"
        if self.service_account_key:
            return "jwt_bearer"
        return "client_credentials"

    @property
    def credential(self) -> str:
        """What the app proves itself with, as an administrator calls it."""
        if self.service_account_key:
            return "the service account's key"
        if self.client_certificate:
            return "the certificate"
        return "the client secret"

    @property
    def provider(self) -> str:
        """Who issues the tokens, as an administrator calls them."""
        return provider_name(self.token_url)


def provider_name(token_url: str) -> str:
    host = (urlsplit(token_url).hostname or "").lower()
    if host.startswith("login.microsoftonline.") or host.startswith("login.partner.microsoftonline."):
        return "Microsoft"
    if host in {"oauth2.googleapis.com", "accounts.google.com", "www.googleapis.com"}:
        return "Google"
    return f"the token endpoint {host or token_url}"


def sentence(text: str) -> str:
    """``text`` with a capital first letter, as a message begins."""
    return text[:1].upper() + text[1:]


def xoauth2_string(user: str, token: str) -> bytes:
    """The XOAUTH2 client response (before base64, which imaplib adds):
    ``user=<user>^Aauth=Bearer <token>^A^A``."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


class TokenRefused(Exception):
    """The token endpoint said no: a setting to fix (a secret, an ID, a refresh token),
    not a server to wait for. ``str()`` is the administrator's message."""

    def __init__(self, message: str, *, error: str = "", codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.error = error
        self.codes = codes


class TokenEndpointUnavailable(OSError):
    """The token endpoint could not be reached, or failed on its side (5xx): try later."""


class KeyFileUnusable(TokenRefused):
    """A certificate or service-account key file that cannot be read or used: a setting to
    fix, told without the file's path (which stays in the settings file)."""


# --- signed assertions (JWT, RS256) ---------------------------------------------------------


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWTs and thumbprints write bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_jwt(key: rsa.RSAPrivateKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A JWT signed RS256 (RSASSA-PKCS1-v1_5 with SHA-256): ``header.claims.signature``, each
    part base64url JSON (the signature: bytes). ``alg`` and ``typ`` are set here."""

    def part(value: dict[str, Any]) -> str:
        return b64url(json.dumps(value, separators=(",", ":")).encode())

    signing_input = f"{part({'alg': 'RS256', 'typ': 'JWT', **header})}.{part(claims)}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


@dataclass(frozen=True)
class CertificateKey:
    """An app's private key and the certificate uploaded to it in Microsoft Entra, which
    Entra finds by its thumbprints (SHA-1 ``x5t``, SHA-256 ``x5t#S256``)."""

    key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate

    @property
    def header(self) -> dict[str, str]:
        return {
            "x5t": b64url(self.certificate.fingerprint(hashes.SHA1())),  # noqa: S303 (a thumbprint Entra looks up, not a signature)
            "x5t#S256": b64url(self.certificate.fingerprint(hashes.SHA256())),
        }


@dataclass(frozen=True)
class ServiceAccountKey:
    """A Google service account's key, from its JSON key file."""

    email: str
    key_id: str
    key: rsa.RSAPrivateKey = field(repr=False)


def _poller_user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def _read_key_file(path: str, what: str) -> bytes:
    """The bytes of a key file, or ``KeyFileUnusable`` saying why not (no path: it stays in
    the settings). ``what`` begins the message: "The certificate file of Lee's Summit's
    mailbox (the mailbox URL's client_certificate)"."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError as exc:
        raise KeyFileUnusable(f"{what} cannot be read: there is no such file on this machine") from exc
    except PermissionError as exc:
        user = _poller_user()
        raise KeyFileUnusable(
            f"{what} cannot be read: the poller runs as {user}, who may not read it; "
            f"make it {user}'s, readable by {user} only (chmod 0400)"
        ) from exc
    except OSError as exc:
        reason = "it is a directory, not a file" if exc.errno == errno.EISDIR else (exc.strerror or type(exc).__name__)
        raise KeyFileUnusable(f"{what} cannot be read: {reason}") from exc


def certificate_key(client: OAuth2Client, *, mailbox_label: str) -> CertificateKey:
    """The private key and certificate of ``client.client_certificate``: a PEM file holding
    both (in either order, with the chain if need be), or a PKCS#12 (.pfx) file, either one
    encrypted with ``client_certificate_password``."""
    what = f"The certificate file of {mailbox_label} (the mailbox URL's client_certificate)"
    data = _read_key_file(client.client_certificate, what)
    password = client.client_certificate_password.encode() or None
    key: Any
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(data, password)
        except TypeError as exc:  # encrypted with no password given, or a password for a key that has none
            needs = (
                "its private key is encrypted: set client_certificate_password"
                if password is None
                else "its private key is not encrypted: leave out client_certificate_password"
            )
            raise KeyFileUnusable(f"{what} cannot be used: {needs}") from exc
        except (ValueError, UnsupportedAlgorithm) as exc:
            private = re.search(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----", data)
            reason = (
                "its private key cannot be read (a wrong client_certificate_password?)"
                if private
                else "it holds no private key; put the app's private key and its certificate in one PEM file "
                "(cat intake.key intake.crt > intake.pem)"
            )
            raise KeyFileUnusable(f"{what} cannot be used: {reason}") from exc
        try:
            certificates = x509.load_pem_x509_certificates(data)
        except ValueError:
            certificates = []
    else:
        try:
            key, certificate, more = pkcs12.load_key_and_certificates(data, password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyFileUnusable(
                f"{what} cannot be used: it is neither a PEM file nor a PKCS#12 (.pfx) file that "
                "client_certificate_password opens"
            ) from exc
        certificates = [c for c in (certificate, *more) if c is not None]
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileUnusable(
            f"{what} cannot be used: its private key is not an RSA key (Microsoft Entra takes RSA "
            "certificates for an app's sign-in); make an RSA one, 2048 bits or more"
        )
    if not certificates:
        raise KeyFileUnusable(
            f"{what} cannot be used: it holds no certificate; add the certificate uploaded to the app "
            "(cat intake.key intake.crt > intake.pem)"
        )
    mine = key.public_key().public_numbers()
    for certificate in certificates:
        public = certificate.public_key()
        if isinstance(public, rsa.RSAPublicKey) and public.public_numbers() == mine:
            return CertificateKey(key, certificate)
    raise KeyFileUnusable(
        f"{what} cannot be used: its certificate is not its private key's; put in it the key the "
        "certificate was made with"
    )


def service_account_key(client: OAuth2Client, *, mailbox_label: str) -> ServiceAccountKey:
    """The service account's email and private key, from ``client.service_account_key``
    (the JSON file Google Cloud gives: ``client_email``, ``private_key``, ``private_key_id``)."""
    what = f"The service account key file of {mailbox_label} (the mailbox URL's service_account_key)"
    data = _read_key_file(client.service_account_key, what)
    new_key = "IAM & Admin → Service accounts → the account → Keys → Add key → Create new key → JSON"
    try:
        info = json.loads(data)
    except ValueError as exc:
        raise KeyFileUnusable(f"{what} is not a service account's JSON key; create one ({new_key})") from exc
    if not isinstance(info, dict):
        info = {}
    if info.get("type") != "service_account":
        oauth_client = {"installed", "web"} & set(info) or info.get("type") == "authorized_user"
        kind = (
            "an OAuth client's file, not a service account's JSON key"
            if oauth_client
            else "not a service account's JSON key"
        )
        raise KeyFileUnusable(f"{what} is {kind}; create one ({new_key})")
    email, pem = str(info.get("client_email") or ""), str(info.get("private_key") or "")
    if not email or not pem:
        raise KeyFileUnusable(
            f"{what} has no {'client_email' if not email else 'private_key'}; create a new key ({new_key})"
        )
    try:
        key = serialization.load_pem_private_key(pem.encode(), None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileUnusable(f"{what} has a private_key that cannot be read; create a new key ({new_key})") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileUnusable(f"{what} has a private_key that is not an RSA key; create a new key ({new_key})")
    return ServiceAccountKey(email=email, key_id=str(info.get("private_key_id") or ""), key=key)


def certificate_assertion(client: OAuth2Client, key: CertificateKey, now: float) -> str:
    """Microsoft Entra's ``client_assertion``: the app (iss = sub = client ID) to the token
    endpoint (aud), good for ten minutes, used once (jti)."""
    issued = int(now)
    claims = {
        "aud": client.token_url,
        "iss": client.client_id,
        "sub": client.client_id,
        "jti": str(uuid.uuid4()),
        "iat": issued,
        "nbf": issued,
        "exp": issued + MICROSOFT_ASSERTION_SECONDS,
    }
    return signed_jwt(key.key, key.header, claims)


def service_account_assertion(client: OAuth2Client, key: ServiceAccountKey, now: float) -> str:
    """Google's JWT bearer ``assertion``: the service account (iss) acting as the mailbox's
    user (sub), for the scope, to the token endpoint (aud), good for an hour at most."""
    issued = int(now)
    claims = {
        "iss": key.email,
        "sub": client.subject,
        "scope": client.scope or GOOGLE_MAIL_SCOPE,
        "aud": client.token_url,
        "iat": issued,
        "exp": issued + GOOGLE_ASSERTION_SECONDS,
    }
    return signed_jwt(key.key, {"kid": key.key_id} if key.key_id else {}, claims)


@dataclass
class _Held:
    token: str
    renew_at: float


class AccessTokens:
    """The access tokens of one mailbox: fetched when needed, kept until shortly before they
    expire. ``mailbox_label`` names the mailbox in errors ("Lee's Summit's mailbox");
    ``clock`` (monotonic seconds) and ``wall_clock`` (for assertions) are replaceable for tests."""

    def __init__(
        self,
        client: OAuth2Client,
        *,
        mailbox_label: str,
        timeout: float = 30,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.mailbox_label = mailbox_label
        self.timeout = timeout
        self.clock = clock
        # The time written in signed assertions (seconds since the epoch): the provider checks it.
        self.wall_clock = wall_clock
        self._held: _Held | None = None
        # A refresh token the endpoint replaced (rotation) is used from then on.
        self._refresh_token = client.refresh_token

    def get(self, *, renew: bool = False) -> str:
        """A valid access token: the one held, unless it is about to expire or ``renew``
        (the server refused it) asks for a new one."""
        if not renew and self._held is not None and self.clock() < self._held.renew_at:
            return self._held.token
        self._held = None
        token, lifetime = self._fetch()
        margin = min(EXPIRY_MARGIN_SECONDS, lifetime / 10)
        self._held = _Held(token, self.clock() + lifetime - margin)
        return token

    def forget(self) -> None:
        self._held = None

    def _form(self) -> dict[str, str]:
        """What is posted to the token endpoint. A key file is read here, each time: one that
        cannot be used raises ``KeyFileUnusable`` before anything is sent."""
        client = self.client
        if client.grant == "jwt_bearer":
            key = service_account_key(client, mailbox_label=self.mailbox_label)
            return {
                "grant_type": JWT_BEARER_GRANT,
                "assertion": service_account_assertion(client, key, self.wall_clock()),
            }
        form = {"grant_type": client.grant, "client_id": client.client_id}
        if client.client_secret:
            form["client_secret"] = client.client_secret
        if client.client_certificate:
            certificate = certificate_key(client, mailbox_label=self.mailbox_label)
            form["client_assertion_type"] = CLIENT_ASSERTION_TYPE
            form["client_assertion"] = certificate_assertion(client, certificate, self.wall_clock())
        if client.grant == "refresh_token":
            form["refresh_token"] = self._refresh_token
        if client.scope:
            form["scope"] = client.scope
        return form

    def _fetch(self) -> tuple[str, float]:
        client = self.client
        request = urllib.request.Request(  # noqa: S310 (parse_imap_url allows https, or http on loopback only)
            client.token_url,
            data=urlencode(self._form()).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            method="POST",
        )
        host = urlsplit(client.token_url).netloc
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
            if exc.code >= 500 or exc.code == 429:
                raise TokenEndpointUnavailable(
                    f"{sentence(client.provider)} could not issue an access token for {self.mailbox_label} "
                    f"just now (HTTP {exc.code} from {host}); it will be tried again"
                ) from exc
            raise self._refusal(exc.code, body) from exc
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, a dropped connection
            reason = getattr(exc, "reason", exc)
            raise TokenEndpointUnavailable(
                f"cannot reach {host} for an access token for {self.mailbox_label} ({reason}); it will be tried again"
            ) from exc
        try:
            answer = json.loads(body)
            token = str(answer["access_token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenRefused(
                f"{sentence(client.provider)} answered without an access token for {self.mailbox_label}: "
                f"check the token URL ({client.token_url})"
            ) from exc
        if answer.get("refresh_token"):
            self._refresh_token = str(answer["refresh_token"])
        try:
            lifetime = float(answer.get("expires_in") or DEFAULT_LIFETIME_SECONDS)
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME_SECONDS
        return token, max(lifetime, 1.0)

    def _refusal(self, status: int, body: bytes) -> TokenRefused:
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        error = str(answer.get("error") or "")
        description = str(answer.get("error_description") or "")
        codes = tuple(str(c) for c in answer.get("error_codes") or ()) or tuple(re.findall(r"AADSTS(\d+)", description))
        provider = "Microsoft" if codes or "AADSTS" in description else self.client.provider
        what, advice = _advice(error, codes, description, self.client)
        first_line = description.strip().splitlines()[0].strip() if description.strip() else ""
        if len(first_line) > 240:
            first_line = first_line[:239] + "…"
        detail = first_line or f"HTTP {status}{' ' + error if error else ''}"
        if error and first_line and provider != "Microsoft":
            detail = f"{error}: {first_line}"
        return TokenRefused(
            f"{sentence(provider)} {what}: {advice} for {self.mailbox_label} ({detail})", error=error, codes=codes
        )


# Microsoft Entra's AADSTS codes an administrator meets when setting the app up.
_MICROSOFT = {
    "7000215": ("refused the app's credentials", "check the client secret (its Value, not its Secret ID)"),
    "7000222": ("refused the app's credentials", "the client secret has expired; add a new one and set it"),
    "7000218": ("refused the app's credentials", "set the client secret, or client_certificate"),
    "700016": (
        "does not know the app",
        "check the client ID (Application (client) ID) and the tenant in the token URL",
    ),
    "90002": ("does not know the tenant", "check the tenant ID in the token URL"),
    "900023": ("does not know the tenant", "check the tenant ID in the token URL"),
    "70011": ("refused the scope", "for IMAP it is https://outlook.office365.com/.default"),
    "1002012": ("refused the scope", "for IMAP it is https://outlook.office365.com/.default"),
    "7000112": ("refused the app", "the application is disabled in Microsoft Entra"),
    "700024": (
        "refused the app's certificate",
        "its signed assertion was out of its valid time; set this machine's clock right (NTP)",
    ),
}
# AADSTS700027 (and the older AADSTS50013): the assertion's certificate or signature.
_CERTIFICATE_NOT_FOUND = (
    "refused the app's certificate",
    "the app has no such certificate; upload the certificate of the client_certificate file to the app "
    "in Microsoft Entra (Certificates & secrets → Certificates → Upload certificate), and check the client ID",
)
_CERTIFICATE_SIGNATURE = (
    "refused the app's certificate",
    "the signature does not match the certificate uploaded to the app; the client_certificate file's "
    "private key must be that certificate's",
)
_DELEGATION = (
    "Google Admin console → Security → Access and data control → API controls → Manage Domain Wide "
    f"Delegation: the service account's client ID with the scope {GOOGLE_MAIL_SCOPE}"
)


def _advice(error: str, codes: tuple[str, ...], description: str, client: OAuth2Client) -> tuple[str, str]:
    """What was refused, and what the administrator should check."""
    for code in codes:
        if code in ("700027", "50013"):
            return _CERTIFICATE_NOT_FOUND if "key was not found" in description.lower() else _CERTIFICATE_SIGNATURE
        if code in _MICROSOFT:
            return _MICROSOFT[code]
    if client.grant == "jwt_bearer":
        return _service_account_advice(error, description)
    if error == "invalid_grant" and client.grant == "refresh_token":
        return (
            "refused the refresh token",
            "it has expired or was revoked, or it was issued to another client ID; sign in as the mailbox "
            "again to get a new one and set it",
        )
    if error == "invalid_client":
        return "refused the app's credentials", f"check the client ID and {client.credential}"
    if error == "unauthorized_client":
        return "refused the app", "check that this client ID may use this grant (and the refresh token is its own)"
    if error == "invalid_scope":
        return "refused the scope", "check the scope"
    if error == "invalid_request":
        return "refused the request", f"check the client ID, {client.credential} and the scope or refresh token"
    return "refused to issue an access token", f"check the client ID, {client.credential} and the token URL"


def _service_account_advice(error: str, description: str) -> tuple[str, str]:
    """Google's answers to a service account's assertion."""
    said = description.lower()
    if error == "unauthorized_client":
        return (
            "refused the service account",
            f"it may not act as the mailbox's user; give it domain-wide delegation ({_DELEGATION})",
        )
    if error == "invalid_grant" and "signature" in said:
        return (
            "refused the service account's key",
            "it was deleted or disabled, or is not this service account's; create a new key (IAM & Admin → "
            "Service accounts → Keys) and set its file in service_account_key",
        )
    if error == "invalid_grant" and ("email" in said or "user id" in said):
        return (
            "does not know the mailbox's user",
            "the mailbox URL's user must be the address of a user of the Google Workspace domain "
            "(not a group or an alias)",
        )
    if error == "invalid_grant" and ("iat" in said or "exp" in said or "timeframe" in said):
        return (
            "refused the service account's key",
            "its signed assertion was out of its valid time; set this machine's clock right (NTP)",
        )
    if error == "invalid_scope":
        return "refused the scope", f"for IMAP it is {GOOGLE_MAIL_SCOPE}"
    return (
        "refused the service account",
        "check that it exists and is enabled, its key file (service_account_key) and the mailbox's address",
    )


def imap_refusal_hint(host: str, client: OAuth2Client) -> str:
    """What to check when the mail server refuses a token its endpoint has just issued."""
    host = host.lower()
    if host.endswith(("office365.com", "outlook.com")) or client.provider == "Microsoft":
        return (
            "in Microsoft Entra give the app the Office 365 Exchange Online permission IMAP.AccessAsApp "
            "with admin consent, and in Exchange Online register its service principal "
            "(New-ServicePrincipal) and give it FullAccess to this mailbox (Add-MailboxPermission)"
        )
    if client.grant == "jwt_bearer":
        return (
            f"the service account needs domain-wide delegation ({_DELEGATION}), and IMAP must be on for "
            "the mailbox (Google Admin console → Apps → Google Workspace → Gmail → End User Access)"
        )
    if host.endswith(("gmail.com", "googlemail.com")) or client.provider == "Google":
        return (
            "the refresh token must come from the mailbox's own account, with the scope https://mail.google.com/, "
            "and IMAP must be on for it"
        )
    return "check that the app may read this mailbox"


def sasl_detail(challenge: bytes) -> str:
    """The reason inside a failed XOAUTH2 exchange (a base64 JSON challenge, already
    decoded by imaplib), in a few words, or ""."""
    try:
        answer = json.loads(challenge or b"{}")
    except ValueError:
        try:
            answer = json.loads(base64.b64decode(challenge))
        except ValueError:
            return ""
    if not isinstance(answer, dict):
        return ""
    return ", ".join(f"{k} {v}" for k, v in answer.items() if k in {"status", "scope"})
