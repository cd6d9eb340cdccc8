"""Real mail servers on loopback for the intake tests: Debian's Dovecot as the IMAP
server, in a temporary directory with its own configuration, users and maildirs."""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

START_SECONDS = 15
USER, PASSWORD = "intake", "a-test-password"


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
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    """``dovecot -F -c <our config>`` as a child process; nothing of the system's. ``users``:
    more mailboxes beside ``intake``'s (user name: password), one per city, say."""

    def __init__(self, users: dict[str, str] | None = None) -> None:
        self.users = {USER: PASSWORD, **(users or {})}
        # Its own directory under /tmp, not pytest's: as root, dovecot's processes run as an
        # unprivileged user, who cannot enter pytest's private (0700) temporary tree.
        self.root, self.port = Path(tempfile.mkdtemp(prefix="civicdesk-dovecot-")), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        internal, login, mail_user = _accounts()
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        conf = self.root / "dovecot.conf"
        conf.write_text(
            CONFIG.format(root=self.root, port=self.port, internal=internal, login=login, mail_user=mail_user)
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

    def url_for(self, user: str, password: str | None = None) -> str:
        """The mailbox URL of ``user``; with ``password``, one that logs in with that instead."""
        return f"imap://{user}:{self.users[user] if password is None else password}@127.0.0.1:{self.port}/INBOX"

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
