"""OAuth 2.0 sign-in for intake mailboxes (IMAP ``AUTHENTICATE XOAUTH2``).

Microsoft 365 (Exchange Online) accepts no password over IMAP, and Google Workspace would
rather not: both take an OAuth 2.0 access token instead. A mailbox whose URL says
``?auth=oauth2`` gets its tokens from the token endpoint named in the URL:

- Microsoft Entra, the client-credentials grant: the app signs in as itself with its client
  ID and secret, scope ``https://outlook.office365.com/.default``;
- Google, the refresh-token grant: a refresh token the mailbox's own account gave the app
  once, exchanged for an access token each hour.

A token is kept until shortly before it expires (``AccessTokens``), so a poller asks for
one about once an hour, not once a poll. What an endpoint refuses is told in an
administrator's words (``TokenRefused``): which setting to look at, for which city's
mailbox, with the provider's own reason. Nothing here touches the mail: a mailbox that
cannot sign in is not opened, so its messages stay unread for the next poll.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

# A token is renewed this long before it expires (a tenth of its life if that is shorter):
# a poll that starts with a token about to expire must not be refused halfway.
EXPIRY_MARGIN_SECONDS = 300.0
# When an endpoint gives no expires_in: an hour, what Microsoft and Google issue.
DEFAULT_LIFETIME_SECONDS = 3600.0


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
    grant (Google); without it, the client-credentials grant with ``scope`` (Microsoft).
    The secrets are kept out of ``repr`` (and so out of logs and tracebacks)."""

    token_url: str
    client_id: str
    client_secret: str = field(default="", repr=False)
    scope: str = ""
    refresh_token: str = field(default="", repr=False)

    @property
    def grant(self) -> str:
        return "refresh_token" if self.refresh_token else "client_credentials"

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


@dataclass
class _Held:
    token: str
    renew_at: float


class AccessTokens:
    """The access tokens of one mailbox: fetched when needed, kept until shortly before they
    expire. ``mailbox_label`` names the mailbox in errors ("Lee's Summit's mailbox");
    ``clock`` (monotonic seconds) is replaceable for tests."""

    def __init__(
        self,
        client: OAuth2Client,
        *,
        mailbox_label: str,
        timeout: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.mailbox_label = mailbox_label
        self.timeout = timeout
        self.clock = clock
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
        client = self.client
        form = {"grant_type": client.grant, "client_id": client.client_id}
        if client.client_secret:
            form["client_secret"] = client.client_secret
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
        what, advice = _advice(provider, error, codes, self.client)
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
    "7000218": ("refused the app's credentials", "set the client secret"),
    "700016": (
        "does not know the app",
        "check the client ID (Application (client) ID) and the tenant in the token URL",
    ),
    "90002": ("does not know the tenant", "check the tenant ID in the token URL"),
    "900023": ("does not know the tenant", "check the tenant ID in the token URL"),
    "70011": ("refused the scope", "for IMAP it is https://outlook.office365.com/.default"),
    "1002012": ("refused the scope", "for IMAP it is https://outlook.office365.com/.default"),
    "7000112": ("refused the app", "the application is disabled in Microsoft Entra"),
    "700024": ("refused the app's credentials", "check the client secret"),
}


def _advice(provider: str, error: str, codes: tuple[str, ...], client: OAuth2Client) -> tuple[str, str]:
    """What was refused, and what the administrator should check."""
    for code in codes:
        if code in _MICROSOFT:
            return _MICROSOFT[code]
    if error == "invalid_grant" and client.grant == "refresh_token":
        return (
            "refused the refresh token",
            "it has expired or was revoked, or it was issued to another client ID; sign in as the mailbox "
            "again to get a new one and set it",
        )
    if error == "invalid_client":
        return "refused the app's credentials", "check the client ID and the client secret"
    if error == "unauthorized_client":
        return "refused the app", "check that this client ID may use this grant (and the refresh token is its own)"
    if error == "invalid_scope":
        return "refused the scope", "check the scope"
    if error == "invalid_request":
        return "refused the request", "check the client ID, the client secret and the scope or refresh token"
    return "refused to issue an access token", "check the client ID, the client secret and the token URL"


def imap_refusal_hint(host: str, client: OAuth2Client) -> str:
    """What to check when the mail server refuses a token its endpoint has just issued."""
    host = host.lower()
    if host.endswith(("office365.com", "outlook.com")) or client.provider == "Microsoft":
        return (
            "in Microsoft Entra give the app the Office 365 Exchange Online permission IMAP.AccessAsApp "
            "with admin consent, and in Exchange Online register its service principal "
            "(New-ServicePrincipal) and give it FullAccess to this mailbox (Add-MailboxPermission)"
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
