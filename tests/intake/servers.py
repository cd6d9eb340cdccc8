"""Real mail servers on loopback for the intake tests: Debian's Dovecot as the IMAP
server, in a temporary directory with its own configuration, users and maildirs; and an
OAuth 2.0 token endpoint (http.server in a thread) for the mailboxes that sign in with
XOAUTH2, which checks signed assertions (a Microsoft Entra app's certificate, a Google
service account's key) as Microsoft and Google do: their signature with the public key, their
header and claims, and the same error JSON when one is wrong."""

from __future__ import annotations

import base64
import contextlib
import datetime
import imaplib
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

START_SECONDS = 15
USER, PASSWORD = "intake", "a-test-password"
# The one access token Dovecot takes for USER's XOAUTH2 sign-in (Dovecot.accept_token changes it).
ACCESS_TOKEN = "a-known-access-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accounts() -> tuple[str, str, str]:
    """Who dovecot's processes run as. As root, Debian's own unprivileged users (dovecot
    refuses to log in as root); otherwise the current user, which needs no privileges."""
    if os.geteuid() == 0:
        return "dovecot", "dovenull", "dovecot"
    me = pwd.getpwuid(os.geteuid()).pw_name
    return me, me, me


CONFIG = """\
protocols = imap
listen = {listen}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
# A refused sign-in answered at once (the tests are refused on purpose; Dovecot's penalty for
# an address's repeated failures still adds seconds, so a test is refused only a few times).
auth_failure_delay = 0
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
  mechanisms = plain login
}}
# XOAUTH2 checks the bearer token as the password of this passdb: only the known token.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/tokens
  mechanisms = xoauth2
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {listen}
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    """``dovecot -F -c <our config>`` as a child process; nothing of the system's. ``users``:
    more mailboxes beside ``intake``'s (user name: password), one per city, say. It offers no
    STARTTLS (``ssl = no``). ``also_on``: an address of this machine other than loopback to
    listen on as well, for a server the poller must take for a distant one."""

    def __init__(self, users: dict[str, str] | None = None, *, also_on: str = "") -> None:
        self.users = {USER: PASSWORD, **(users or {})}
        self.addresses = ["127.0.0.1", *([also_on] if also_on else [])]
        # Its own directory under /tmp, not pytest's: as root, dovecot's processes run as an
        # unprivileged user, who cannot enter pytest's private (0700) temporary tree.
        self.root, self.port = Path(tempfile.mkdtemp(prefix="civicdesk-dovecot-")), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        internal, login, mail_user = _accounts()
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for user in self.users:
            self.accept_token(ACCESS_TOKEN, user=user)
        (self.root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        conf = self.root / "dovecot.conf"
        conf.write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                internal=internal,
                login=login,
                mail_user=mail_user,
                listen=", ".join(self.addresses),
            )
        )
        if os.geteuid() == 0:
            # The mail processes run as the dovecot user: the maildirs must be theirs.
            self.root.chmod(0o755)
            for sub in ("mail", "home"):
                shutil.chown(self.root / sub, mail_user, mail_user)
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start: {self.log()}")
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
                conn.login(USER, PASSWORD)
                conn.logout()
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not answer within {START_SECONDS} s: {self.log()}")

    def accept_token(self, token: str, *, user: str = USER) -> None:
        """From now on ``user``'s XOAUTH2 sign-in takes ``token`` only (the one before is
        refused, as a revoked token is). At the start every user takes ACCESS_TOKEN."""
        path = self.root / "tokens"
        started = self.process is not None
        self.tokens = {**getattr(self, "tokens", {}), user: token}
        path.write_text("".join(f"{u}:{{PLAIN}}{t}\n" for u, t in self.tokens.items()))
        # Dovecot reads the file again when its modification time has changed, looking at
        # most once a second: a new time, and a second's wait, so the next sign-in sees it.
        self._tokens_version = getattr(self, "_tokens_version", 0) + 1
        stamp = time.time() + self._tokens_version
        os.utime(path, (stamp, stamp))
        if started:
            time.sleep(1.1)

    def oauth2_url(self, token_url: str, *, host: str = "127.0.0.1", user: str = USER, **params: str) -> str:
        """``user``'s mailbox URL signing in with OAuth 2.0 (no password) through ``token_url``."""
        query = urlencode({"auth": "oauth2", "token_url": token_url, **params})
        return f"imap://{user.replace('@', '%40')}@{host}:{self.port}/INBOX?{query}"

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return self.url_for(USER)

    def url_for(self, user: str, password: str | None = None, *, host: str = "127.0.0.1") -> str:
        """The mailbox URL of ``user``; with ``password``, one that logs in with that instead;
        with ``host``, reached by that name or address."""
        return f"imap://{user}:{self.users[user] if password is None else password}@{host}:{self.port}/INBOX"

    @contextlib.contextmanager
    def client(self, user: str = USER) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(user, self.users[user])
        try:
            yield conn
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()

    def deliver(self, raw: bytes, folder: str = "INBOX", user: str = USER) -> None:
        """Put a message in the mailbox, unseen, as a mail server would."""
        with self.client(user) as conn:
            typ, data = conn.append(folder, None, None, raw)
            assert typ == "OK", data

    def create_folder(self, name: str) -> None:
        with self.client() as conn:
            typ, data = conn.create(name)
            assert typ == "OK", data

    def flags(self, folder: str = "INBOX", user: str = USER) -> list[set[str]]:
        """The flags of each message in the folder, in order."""
        with self.client(user) as conn:
            typ, data = conn.select(folder, readonly=True)
            if typ != "OK" or int(data[0] or 0) == 0:
                return []
            typ, data = conn.fetch("1:*", "(FLAGS)")
            out = []
            for item in data:
                if isinstance(item, bytes) and b"FLAGS" in item:
                    inner = item.split(b"FLAGS (", 1)[1].split(b")", 1)[0]
                    out.append(set(inner.decode().split()))
            return out


# --- keys and certificates made for a test ------------------------------------------------


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def self_signed_certificate(key: rsa.RSAPrivateKey, name: str = "civicdesk intake") -> x509.Certificate:
    """A certificate for ``key`` as ``New-SelfSignedCertificate`` or ``openssl req -x509`` makes
    one, good from an hour ago for a year."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def pem(key: rsa.RSAPrivateKey | None = None, certificate: x509.Certificate | None = None, password: str = "") -> bytes:
    """A PEM file's bytes: the private key (PKCS#8, encrypted with ``password`` if given), then
    the certificate, as ``cat intake.key intake.crt`` writes them."""
    out = b""
    if key is not None:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
        )
        out += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    if certificate is not None:
        out += certificate.public_bytes(serialization.Encoding.PEM)
    return out


def service_account_json(key: rsa.RSAPrivateKey, email: str, key_id: str) -> str:
    """A service account's JSON key file, as Google Cloud's console downloads it."""
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "civicdesk-intake",
            "private_key_id": key_id,
            "private_key": pem(key).decode(),
            "client_email": email,
            "client_id": "104857600000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
        },
        indent=2,
    )


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(certificate: x509.Certificate, algorithm: hashes.HashAlgorithm) -> str:
    return base64.urlsafe_b64encode(certificate.fingerprint(algorithm)).rstrip(b"=").decode()


CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Leeway for the clocks, as the providers allow (a few minutes).
CLOCK_SKEW_SECONDS = 300


class Refused(Exception):
    """The endpoint's answer to an assertion it does not take: status and JSON."""

    def __init__(self, status: int, answer: dict[str, Any]) -> None:
        super().__init__(answer)
        self.status, self.answer = status, answer


def _microsoft(code: int, text: str) -> Refused:
    return Refused(
        401,
        {
            "error": "invalid_client",
            "error_description": f"AADSTS{code}: {text}\r\nTrace ID: 0d4a5e1c-9f1b-4c1e-a4f5-2b6f7c0d1e00\r\n"
            "Correlation ID: 6e0b1f0a-0000-4000-8000-000000000000\r\nTimestamp: 2026-12-06 12:00:00Z",
            "error_codes": [code],
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        },
    )


def _google(status: int, error: str, description: str) -> Refused:
    return Refused(status, {"error": error, "error_description": description})


def read_jwt(assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """A JWT's header, claims, signing input and signature; ValueError if it is not one."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    header, claims = json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("not JSON objects")
    return header, claims, f"{parts[0]}.{parts[1]}".encode(), b64url_decode(parts[2])


def signed_by(public_key: rsa.RSAPublicKey, signing_input: bytes, signature: bytes) -> bool:
    """Whether RS256 ``signature`` is of ``signing_input`` by the private key of ``public_key``."""
    try:
        public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


class TokenEndpoint:
    """An OAuth 2.0 token endpoint on loopback, as Microsoft Entra's or Google's: answers a
    POST of the form with ``{"access_token", "token_type", "expires_in"}``, keeps each form it
    was sent (``requests``), and can be told which tokens to issue next (``issue``) or to
    refuse (``refuse``, with the provider's JSON error).

    Signed assertions are checked as the providers check them, and refused with their error
    JSON: a Microsoft Entra app's ``client_assertion`` against the certificates uploaded to
    the app (``upload_certificate``), found by its ``x5t`` or ``x5t#S256``; a Google
    service account's JWT bearer ``assertion`` against its public keys (``add_service_account``),
    the scopes its domain-wide delegation allows (``delegate``) and the Workspace's users
    (``workspace_users``). Each assertion taken is kept (``assertions``: header and claims)."""

    def __init__(self, *, expires_in: int = 3600) -> None:
        self.expires_in = expires_in
        self.requests: list[dict[str, str]] = []
        self.next_tokens: list[str] = []
        self.refusal: tuple[int, dict[str, Any]] | None = None
        self.certificates: dict[str, list[x509.Certificate]] = {}
        self.service_accounts: dict[str, dict[str, rsa.RSAPublicKey]] = {}
        self.delegated: dict[str, set[str]] = {}
        self.workspace_users: set[str] = set()
        self.assertions: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                status, answer = endpoint._answer(form)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(form)
            if self.refusal is not None:
                return self.refusal
            try:
                if "client_assertion" in form or "client_assertion_type" in form:
                    self._check_client_assertion(form)
                elif form.get("grant_type") == JWT_BEARER_GRANT:
                    self._check_service_account(form)
            except Refused as refused:
                return refused.status, refused.answer
            token = self.next_tokens.pop(0) if self.next_tokens else ACCESS_TOKEN
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}

    def _check_client_assertion(self, form: dict[str, str]) -> None:
        """Microsoft Entra's checks of a certificate's ``client_assertion``."""
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise _microsoft(50027, "Invalid JWT token. client_assertion_type must be " + CLIENT_ASSERTION_TYPE)
        try:
            header, claims, signing_input, signature = read_jwt(form.get("client_assertion", ""))
        except ValueError:
            raise _microsoft(50027, "JWT token is invalid or malformed.") from None
        if header.get("alg") != "RS256" or header.get("typ") != "JWT":
            raise _microsoft(50027, f"JWT token is invalid: unsupported alg {header.get('alg')!r}.")
        client_id = form.get("client_id", "")
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            raise _microsoft(700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
        if claims.get("aud") != self.url:
            raise _microsoft(700023, "Client assertion audience claim does not match Realm issuer.")
        if not claims.get("jti"):
            raise _microsoft(50027, "JWT token is invalid or malformed: no jti.")
        by_sha256 = {thumbprint(c, hashes.SHA256()): c for c in self.certificates.get(client_id, [])}
        sha1 = hashes.SHA1()  # noqa: S303 (Entra's x5t names a certificate; it signs nothing)
        by_sha1 = {thumbprint(c, sha1): c for c in self.certificates.get(client_id, [])}
        found = [by_sha256.get(header.get("x5t#S256", "")), by_sha1.get(header.get("x5t", ""))]
        found = [c for c in found if c is not None]
        named = ("x5t#S256" in header) + ("x5t" in header)
        if not found or len(found) < named or (len(found) == 2 and found[0] != found[1]):
            raise _microsoft(
                700027,
                "The certificate with identifier used to sign the client assertion is not registered on "
                f"application. [Reason - The key was not found., Thumbprint of key used by client: "
                f"'{header.get('x5t', header.get('x5t#S256', ''))}', Please visit the Azure Portal, Graph Explorer "
                f"or directly use MS Graph to see configured keys for app Id '{client_id}'.]",
            )
        public_key = found[0].public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        if not signed_by(public_key, signing_input, signature):
            raise _microsoft(
                700027,
                "Client assertion failed signature validation. [Reason - The provided signature value did not "
                f"match the expected signature value., Thumbprint of key used by client: '{header.get('x5t', '')}']",
            )
        now = time.time()
        nbf, exp = float(claims.get("nbf", 0)), float(claims.get("exp", 0))
        if not (nbf - CLOCK_SKEW_SECONDS <= now < exp + CLOCK_SKEW_SECONDS) or exp - nbf > 600:
            raise _microsoft(
                700024,
                f"Client assertion is not within its valid time range. Current time: {now:.0f}, "
                f"assertion valid from {nbf:.0f}, expiry time of assertion {exp:.0f}.",
            )
        self.assertions.append((header, claims))

    def _check_service_account(self, form: dict[str, str]) -> None:
        """Google's checks of a service account's JWT bearer ``assertion``."""
        try:
            header, claims, signing_input, signature = read_jwt(form.get("assertion", ""))
        except ValueError:
            raise _google(400, "invalid_grant", "Invalid JWT: the assertion is not a JWT.") from None
        if header.get("alg") != "RS256":
            raise _google(400, "invalid_grant", "Invalid JWT: unsupported alg.")
        keys = self.service_accounts.get(str(claims.get("iss", "")))
        if keys is None:
            raise _google(400, "invalid_grant", "Invalid grant: account not found")
        public_key = keys.get(str(header.get("kid", "")))
        candidates = [public_key] if public_key is not None else list(keys.values())
        if not any(signed_by(k, signing_input, signature) for k in candidates):
            raise _google(400, "invalid_grant", "Invalid JWT Signature.")
        if claims.get("aud") != self.url:
            raise _google(400, "invalid_grant", f"Invalid JWT: Failed audience check. The right audience is {self.url}")
        now = time.time()
        iat, exp = float(claims.get("iat", 0)), float(claims.get("exp", 0))
        if not (iat - CLOCK_SKEW_SECONDS <= now < exp) or exp - iat > 3600:
            raise _google(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                "Check your iat and exp values in the JWT claim.",
            )
        if claims.get("sub") not in self.workspace_users:
            raise _google(400, "invalid_grant", "Invalid email or User ID")
        if not set(str(claims.get("scope", "")).split()) <= self.delegated.get(str(claims["iss"]), set()):
            raise _google(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client not authorized "
                "for any of the scopes requested.",
            )
        self.assertions.append((header, claims))

    def upload_certificate(self, client_id: str, certificate: x509.Certificate) -> None:
        """Microsoft Entra: *Certificates & secrets → Certificates → Upload certificate*."""
        with self._lock:
            self.certificates.setdefault(client_id, []).append(certificate)

    def add_service_account(self, email: str, key_id: str, public_key: rsa.RSAPublicKey) -> None:
        """Google Cloud: a service account's key (*Keys → Add key*), kept by its ID."""
        with self._lock:
            self.service_accounts.setdefault(email, {})[key_id] = public_key

    def delegate(self, email: str, *scopes: str) -> None:
        """Google Admin console: domain-wide delegation of ``scopes`` to the service account."""
        with self._lock:
            self.delegated.setdefault(email, set()).update(scopes)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/oauth2/v2.0/token"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def issue(self, *tokens: str) -> None:
        """Hand out these tokens next, in order (then ACCESS_TOKEN again)."""
        with self._lock:
            self.next_tokens.extend(tokens)

    def refuse(self, status: int, answer: dict[str, Any]) -> None:
        with self._lock:
            self.refusal = (status, answer)

    def accept(self) -> None:
        with self._lock:
            self.refusal = None
