"""`make run`: prepare the database, then run the web server, the task worker and the outbox
sweeper of the Procfile together with honcho, in the foreground until Ctrl-C (and the intake
mailbox poller, when INTAKE_IMAP_URL or a city's INTAKE_IMAP_URL_<SLUG> is set).

Each process's output is shown with its name in front. Ctrl-C or SIGTERM stops all of them; if
one dies on its own, the others are stopped too and this program exits non-zero, so a broken
setup never looks like a running one (scripts/procfile.py).

Links in emails and on the confirmation page use SITE_URL: unless it is set, it is this run's
own address, http://127.0.0.1:$PORT.

    .venv/bin/python scripts/run_dev.py          # PORT=8000 by default
    PORT=8123 .venv/bin/python scripts/run_dev.py
    SKIP_DEMO=1 .venv/bin/python scripts/run_dev.py   # without loading the demo data
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procfile import HOST, REPO, port_is_free, run_procfile, say

PROCFILE = REPO / "Procfile"


def prepare() -> dict[str, Any]:
    """Migrate, load the demo, collect static files if they are needed; return what to print."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    say("== migrate")
    call_command("migrate", interactive=False, verbosity=1)
    # The database cache holds rate-limit counters (settings.CACHES).
    call_command("createcachetable")
    if os.environ.get("SKIP_DEMO", "") not in ("", "0"):
        say("== load_demo: skipped (SKIP_DEMO is set)")
    else:
        say("== load_demo")
        call_command("load_demo")
    if not settings.DEBUG:
        # With DEBUG on, runserver serves static files from the apps; without it, WhiteNoise
        # serves what collectstatic put into STATIC_ROOT.
        say("== collectstatic")
        call_command("collectstatic", interactive=False, verbosity=0)

    from civicdesk.demo import logins
    from civicdesk.demo.loader import demo_is_loaded

    info = {
        # The demo's accounts exist only where the demo was loaded (SKIP_DEMO, an empty database).
        "logins": logins() if demo_is_loaded() else [],
        # The intake mailboxes are polled only when one is configured (INTAKE_IMAP_URL, or a
        # city's INTAKE_IMAP_URL_<SLUG>: one poller reads them all): the demo has none.
        "poll_mailbox": bool(
            getattr(settings, "INTAKE_IMAP_URL", "") or getattr(settings, "INTAKE_IMAP_CITY_URLS", {})
        ),
        "mail": getattr(settings, "EMAIL_FILE_PATH", None),
        "email_backend": settings.EMAIL_BACKEND,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    }
    # honcho forks its relay processes from this one: none may inherit a database connection.
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
    url = f"http://{HOST}:{port}/"
    # Before Django reads its settings, and inherited by every process: the links in emails
    # and on the confirmation page point at this very server.
    os.environ.setdefault("SITE_URL", url.rstrip("/"))
    info = prepare()
    names = ["web", "worker", "sweeper"]
    if info["poll_mailbox"]:
        names.append("mailbox")
    return run_procfile(
        PROCFILE,
        names=names,
        port=port,
        ready=lambda: not port_is_free(port),
        on_ready=lambda: banner(url, info),
    )


if __name__ == "__main__":
    sys.exit(main())
