"""Real mail servers on loopback for the intake tests: Debian's Dovecot as the IMAP
server, in a temporary directory with its own configuration, users and maildirs; and an
OAuth 2.0 token endpoint (http.server in a thread) for the mailboxes that sign in with
XOAUTH2."""

from __future__ import annotations

import contextlib
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
        self.accept_token(ACCESS_TOKEN)
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

    def accept_token(self, token: str) -> None:
        """From now on USER's XOAUTH2 sign-in takes ``token`` only (the one before is refused,
        as a revoked token is)."""
        path = self.root / "tokens"
        started = path.exists()
        path.write_text(f"{USER}:{{PLAIN}}{token}\n")
        # Dovecot reads the file again when its modification time has changed, looking at
        # most once a second: a new time, and a second's wait, so the next sign-in sees it.
        self._tokens_version = getattr(self, "_tokens_version", 0) + 1
        stamp = time.time() + self._tokens_version
        os.utime(path, (stamp, stamp))
        if started:
            time.sleep(1.1)

    def oauth2_url(self, token_url: str, *, host: str = "127.0.0.1", **params: str) -> str:
        """USER's mailbox URL signing in with OAuth 2.0 (no password) through ``token_url``."""
        query = urlencode({"auth": "oauth2", "token_url": token_url, **params})
        return f"imap://{USER}@{host}:{self.port}/INBOX?{query}"

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


class TokenEndpoint:
    """An OAuth 2.0 token endpoint on loopback, as Microsoft Entra's or Google's: answers a
    POST of the form with ``{"access_token", "token_type", "expires_in"}``, keeps each form it
    was sent (``requests``), and can be told which tokens to issue next (``issue``) or to
    refuse (``refuse``, with the provider's JSON error)."""

    def __init__(self, *, expires_in: int = 3600) -> None:
        self.expires_in = expires_in
        self.requests: list[dict[str, str]] = []
        self.next_tokens: list[str] = []
        self.refusal: tuple[int, dict[str, Any]] | None = None
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
            token = self.next_tokens.pop(0) if self.next_tokens else ACCESS_TOKEN
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}

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
