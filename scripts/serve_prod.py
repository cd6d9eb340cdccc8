"""`make serve-prod`: the production shape on one machine — gunicorn with several workers,
the task worker and the outbox sweeper (and the intake mailbox poller when INTAKE_IMAP_URL
or a city's INTAKE_IMAP_URL_<SLUG> is set: one process reads every city's mailbox), with production settings: the processes of Procfile.prod, run together by honcho like
`make run` (scripts/procfile.py).

Before starting it checks what production needs and refuses with a clear message:

- DEBUG is off (it defaults to 0 here) and SECRET_KEY is a real secret;
- DATABASE_URL names PostgreSQL (SQLite only with ALLOW_SQLITE_IN_PRODUCTION=1: one writer at
  a time, fine for a trial, not for a city);

then it migrates, creates the cache table (rate limits), collects static files (WhiteNoise
serves them, hashed and compressed) and starts the processes; it says "serve-prod: ready" once
/healthz answers. On a city's server, systemd runs the same commands as separate units
(docs/operations.md).

    DATABASE_URL=postgres://civicdesk@127.0.0.1/civicdesk SECRET_KEY=… make serve-prod
    WEB_CONCURRENCY=5 PORT=8080 LOG_FORMAT=json make serve-prod

Environment: PORT (8000), BIND (127.0.0.1: nginx in front), WEB_CONCURRENCY and the GUNICORN_*
settings (config/gunicorn_conf.py), TASK_WORKERS (1), LOAD_DEMO=1 (load the demo data after
migrating), and everything config/settings.py reads.

With LOG_FORMAT=json every line it writes is one JSON object: the application's and the
workers' log lines, gunicorn's own (civicdesk/core/gunicorn_logging.py), migrate's output and
this program's and honcho's messages (``note``).
"""

from __future__ import annotations

import io
import logging
import os
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procfile import REPO, port_is_free, run_procfile, say

sys.path.insert(0, str(REPO))

from config.gunicorn_conf import web_concurrency

PROCFILE = REPO / "Procfile.prod"


def json_logs() -> bool:
    return os.environ.get("LOG_FORMAT", "") == "json"


def note(text: str, level: int = logging.INFO) -> None:
    """This program's own words: as they are, or with LOG_FORMAT=json one JSON log line per
    line of text (logger ``civicdesk.serve_prod``), so a log collector reads every line."""
    if not json_logs():
        say(text)
        return
    from civicdesk.core.logs import JsonFormatter

    formatter = JsonFormatter()
    for line in text.splitlines():
        if line.strip():
            record = logging.makeLogRecord(
                {"name": "civicdesk.serve_prod", "levelno": level, "levelname": logging.getLevelName(level)}
            )
            record.msg = line.rstrip()
            say(formatter.format(record))


class _NoteLines(io.TextIOBase):
    """A stream for a management command's output: each complete line becomes a ``note``
    (what is left without a newline, on closing)."""

    def __init__(self) -> None:
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            note(line)
        return len(text)

    def flush(self) -> None:
        pass  # migrate flushes "Applying x..." before its " OK": a line is noted once complete

    def close(self) -> None:
        if self._pending:
            note(self._pending)
            self._pending = ""
        super().close()


def run_command(name: str, **options: object) -> None:
    """A management command, its output on our stdout as it is, or as JSON notes with
    LOG_FORMAT=json."""
    from django.core.management import call_command

    if not json_logs():
        call_command(name, **options)
        return
    with _NoteLines() as out:
        call_command(name, stdout=out, **options)


def refusal() -> str | None:
    """Why this environment must not run as production, in the operator's words, or None."""
    url = os.environ.get("DATABASE_URL", "")
    allow_sqlite = os.environ.get("ALLOW_SQLITE_IN_PRODUCTION", "") not in ("", "0")
    if not url and not allow_sqlite:
        return (
            "DATABASE_URL is not set. Production runs on PostgreSQL, for example\n"
            "  DATABASE_URL=postgres://civicdesk:PASSWORD@127.0.0.1:5432/civicdesk\n"
            "(set ALLOW_SQLITE_IN_PRODUCTION=1 to run on the SQLite file anyway, for a trial)."
        )
    if url.startswith("sqlite") and not allow_sqlite:
        return (
            "DATABASE_URL points at SQLite. Production runs on PostgreSQL: SQLite lets one process\n"
            "write at a time, so several gunicorn workers would queue behind each other.\n"
            "Set ALLOW_SQLITE_IN_PRODUCTION=1 to run on SQLite anyway (a trial, a demo)."
        )
    return None


def prepare() -> dict[str, str]:
    """Load production settings, migrate, create the cache table, collect static files."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        raise SystemExit(f"serve-prod: {error}") from None
    from django.conf import settings
    from django.db import connections

    if settings.DEBUG:
        raise SystemExit("serve-prod: DEBUG is on. Production runs with DEBUG=0 (unset it or set it to 0).")
    note("== migrate")
    run_command("migrate", interactive=False, verbosity=1)
    note("== createcachetable")
    run_command("createcachetable")
    if os.environ.get("LOAD_DEMO", "") not in ("", "0"):
        note("== load_demo")
        run_command("load_demo")
    collect_static()
    info = {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "poll_mailbox": "1"
        if getattr(settings, "INTAKE_IMAP_URL", "") or getattr(settings, "INTAKE_IMAP_CITY_URLS", {})
        else "",
        # The readiness probe must name a host Django answers to.
        "host": next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost"),
    }
    connections.close_all()  # gunicorn forks its workers: none may inherit a connection
    return info


def collect_static() -> None:
    """collectstatic, unless STATIC_ROOT already holds this very set of static files.

    WhiteNoise compresses every file (gzip and Brotli) on each collect, most of a minute on a
    small server; a restart with nothing changed need not pay it. The fingerprint covers each
    source file's path, size and modification time and the storage, and is written only after
    a collect succeeded; a lock makes two servers sharing a STATIC_ROOT collect in turn.
    """
    import fcntl
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    entries = [settings.STORAGES["staticfiles"]["BACKEND"]]
    for finder in get_finders():
        for name, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(name))
            entries.append(f"{getattr(storage, 'location', '')}|{name}|{stat.st_size}|{stat.st_mtime_ns}")
    fingerprint = hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()
    # Beside STATIC_ROOT, not in it: WhiteNoise serves whatever is in it.
    stamp, lock_path = Path(f"{root}.collected"), Path(f"{root}.lock")
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text() == fingerprint and (root / "staticfiles.json").is_file():
            note("== collectstatic: the static files have not changed since the last collect")
            return
        note("== collectstatic")
        stamp.unlink(missing_ok=True)
        run_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint)


def main() -> int:
    os.environ.setdefault("DEBUG", "0")
    reason = refusal()
    if reason:
        note(f"serve-prod: refusing to start.\n{reason}", logging.ERROR)
        return 2
    port = int(os.environ.get("PORT", "8000"))
    bind = os.environ.get("BIND", "127.0.0.1")
    if not port_is_free(port):
        note(
            f"serve-prod: port {port} is already in use; stop what uses it or choose another with PORT=…", logging.ERROR
        )
        return 1
    try:
        info = prepare()
    except SystemExit as refused:
        if not isinstance(refused.code, str):
            raise
        note(refused.code, logging.ERROR)
        return 1
    names = ["web", "worker", "sweeper"]
    if info["poll_mailbox"]:
        names.append("mailbox")
    # TASK_WORKERS=0: the task workers run elsewhere (their own units, another machine).
    task_workers = int(os.environ.get("TASK_WORKERS", "1"))
    health = f"http://127.0.0.1:{port}/healthz"

    def healthy() -> bool:
        try:
            probe = urllib.request.Request(health, headers={"Host": info["host"]})
            with urllib.request.urlopen(probe, timeout=2) as response:  # noqa: S310 (our own loopback URL)
                return bool(response.status == 200)
        except OSError:
            return False

    def announce() -> None:
        note(
            f"serve-prod: ready on http://{bind}:{port}/ ({web_concurrency()} web workers, "
            f"{info['database']}; health at {health})"
        )

    return run_procfile(
        PROCFILE,
        names=names,
        port=port,
        concurrency={"worker": task_workers},
        ready=healthy,
        on_ready=announce,
        program="serve-prod",
        prefix=not json_logs(),
        note=note if json_logs() else None,
    )


if __name__ == "__main__":
    sys.exit(main())
