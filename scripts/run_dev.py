"""`make run`: prepare the database, then run the web server, the task worker and the outbox
sweeper together in the foreground until Ctrl-C (and the intake mailbox poller, when
INTAKE_IMAP_URL is set).

Each child's output is shown with its name in front. Ctrl-C or SIGTERM stops all three; if
one of them dies on its own, the others are stopped too and this program exits non-zero, so
a broken setup never looks like a running one.

    .venv/bin/python scripts/run_dev.py          # PORT=8000 by default
    PORT=8123 .venv/bin/python scripts/run_dev.py
    SKIP_DEMO=1 .venv/bin/python scripts/run_dev.py   # without loading the demo data
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 10

_print_lock = threading.Lock()


def say(text: str = "") -> None:
    with _print_lock:
        print(text, flush=True)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[str] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            self.argv,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            # Its own process group: the supervisor alone decides when and how children stop.
            process_group=0,
            preexec_fn=_die_with_parent,
        )

    def relay(self, width: int | None) -> None:
        """Copy the child's output to ours, each line prefixed with the child's name (unless
        ``width`` is None: JSON log lines must stay whole for a log collector)."""
        assert self.process is not None
        stream: IO[str] | None = self.process.stdout
        if stream is None:
            return
        for line in stream:
            say(line.rstrip() if width is None else f"{self.name:>{width}} | {line.rstrip()}")

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)


def _die_with_parent() -> None:
    # Linux: if the supervisor is killed outright, the children get SIGTERM instead of living on.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def prepare() -> dict[str, Any]:
    """Migrate, load the demo, collect static files if they are needed; return what to print."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command, get_commands
    from django.db import connections

    commands = get_commands()
    say("== migrate")
    call_command("migrate", interactive=False, verbosity=1)
    # The database cache holds rate-limit counters (settings.CACHES).
    call_command("createcachetable")
    if os.environ.get("SKIP_DEMO", "") not in ("", "0"):
        say("== load_demo: skipped (SKIP_DEMO is set)")
    elif "load_demo" in commands:
        say("== load_demo")
        call_command("load_demo")
    else:
        say("== load_demo: not available yet (civicdesk/demo has no load_demo command); starting without demo data")
    if not settings.DEBUG:
        # With DEBUG on, runserver serves static files from the apps; without it, WhiteNoise
        # serves what collectstatic put into STATIC_ROOT.
        say("== collectstatic")
        call_command("collectstatic", interactive=False, verbosity=0)

    logins: list[tuple[str, str, str]] = []
    try:
        from civicdesk.demo import logins as demo_logins

        logins = list(demo_logins())
    except (ImportError, AttributeError):
        pass
    info = {
        "logins": logins,
        "has_sweeper": "outbox_sweeper" in commands,
        # The intake mailbox is polled only when one is configured: the demo has none.
        "poll_mailbox": "poll_mailbox" in commands and bool(getattr(settings, "INTAKE_IMAP_URL", "")),
        "mail": getattr(settings, "EMAIL_FILE_PATH", None),
        "email_backend": settings.EMAIL_BACKEND,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    }
    # The children open their own connections; this process needs none while it supervises.
    connections.close_all()
    return info


def banner(url: str, info: dict[str, Any]) -> None:
    say()
    say("=" * 72)
    say(f"civicdesk is running at {url}")
    say(f"  staff console: {url}console/")
    say(f"  database: {info['database']}")
    if info["mail"]:
        say(f"  outgoing mail is written to {info['mail']}/*.eml (set EMAIL_URL for a real server)")
    else:
        say(f"  outgoing mail: {info['email_backend']}")
    if info["logins"]:
        width = max(len(u) for u, _, _ in info["logins"])
        say("  demo logins (username / password):")
        for username, password, description in info["logins"]:
            say(f"    {username:<{width}}  {password}  {description}")
    else:
        say("  no demo logins yet: create a user with  .venv/bin/python manage.py createsuperuser")
    say("Press Ctrl-C to stop.")
    say("=" * 72)
    say()


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    if not port_is_free(port):
        say(f"run: port {port} on {HOST} is already in use; stop what uses it or choose another with PORT=…")
        return 1
    info = prepare()
    url = f"http://{HOST}:{port}/"

    python = sys.executable
    manage = str(REPO / "manage.py")
    children = [
        Child("web", [python, manage, "runserver", "--noreload", f"{HOST}:{port}"]),
        Child(
            "worker",
            [
                python,
                manage,
                "resilient_db_worker",
                "--queue-name",
                "*",
                "--interval",
                "1",
                "--no-reload",
                "--no-startup-delay",
            ],
        ),
    ]
    if info["has_sweeper"]:
        children.append(Child("sweeper", [python, manage, "outbox_sweeper"]))
    else:
        say("run: outbox_sweeper is not available yet; running without it")
    if info["poll_mailbox"]:
        children.append(Child("mailbox", [python, manage, "poll_mailbox"]))

    return supervise(children, ready=lambda: not port_is_free(port), on_ready=lambda: banner(url, info))


def supervise(
    children: list[Child],
    *,
    ready: Any,
    on_ready: Any,
    program: str = "run",
    prefix: bool = True,
    note: Callable[[str], None] = say,
) -> int:
    """Start the children, relay their output, call ``on_ready()`` once ``ready()`` is true,
    and run until Ctrl-C/SIGTERM (exit 0) or until one child dies (the rest are stopped;
    exit 1). Shared with scripts/serve_prod.py, which writes its own messages (``note``) as
    JSON lines when the logs are JSON."""
    stopping = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Start every child before any relay thread exists: preexec_fn runs in the forked child.
    for child in children:
        child.start(env)
    width = max(len(c.name) for c in children) if prefix else None
    relays = [threading.Thread(target=c.relay, args=(width,), daemon=True) for c in children]
    for relay in relays:
        relay.start()

    announced = False
    failed: Child | None = None
    while not stopping.is_set():
        for child in children:
            assert child.process is not None
            if child.process.poll() is not None:
                failed = child
                break
        if failed:
            break
        if not announced and ready():
            on_ready()
            announced = True
        stopping.wait(0.3)

    if failed:
        assert failed.process is not None
        note(
            f"{program}: {failed.name} stopped unexpectedly (exit code {failed.process.returncode}); stopping the others"
        )
    else:
        note(f"{program}: stopping")
    stop_all(children, program=program, note=note)
    for relay in relays:
        relay.join(timeout=2)
    return 1 if failed else 0


def stop_all(children: list[Child], *, program: str = "run", note: Callable[[str], None] = say) -> None:
    """SIGTERM to each child, then SIGKILL to any still running after the grace period."""
    for child in children:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        assert child.process is not None
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            note(f"{program}: {child.name} did not stop in {STOP_GRACE_SECONDS}s; killing it")
            child.signal(signal.SIGKILL)
            child.process.wait()


if __name__ == "__main__":
    sys.exit(main())
