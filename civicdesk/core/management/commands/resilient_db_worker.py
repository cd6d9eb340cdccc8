"""``manage.py resilient_db_worker``: django-tasks-db's ``db_worker``, which outlives a database outage.

``db_worker`` exits on the first ``OperationalError`` that is not SQLite's "database is
locked": a PostgreSQL restart would stop every worker, and `make serve-prod` stops the whole
service when one of its processes dies. This worker says the database is unreachable,
waits (1 s, doubling, at most 15 s) and carries on when it is back. A task that was running
when the database went away is left as the outbox's sweeper expects a dead worker's to be:
its message is claimed, and the sweeper releases the claim after
OUTBOX_CLAIM_TIMEOUT_SECONDS (docs/notifications.md).

Same options as ``db_worker``; SIGINT/SIGTERM stop it the same way.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

from civicdesk.core.priority import yield_to_the_web

log = logging.getLogger("civicdesk.tasks")

FIRST_WAIT_SECONDS = 1.0
LONGEST_WAIT_SECONDS = 15.0


class Worker(db_worker.Worker):
    """db_worker's loop, started again after the database went away."""

    def run(self) -> None:
        wait = FIRST_WAIT_SECONDS
        while True:
            started = time.monotonic()
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                if not self.running:  # stopping anyway
                    raise
                if time.monotonic() - started > LONGEST_WAIT_SECONDS:
                    wait = FIRST_WAIT_SECONDS  # it ran a while: a new outage, not the same one
                log.warning("task worker: the database cannot be reached (%s); trying again in %.0f s", exc, wait)
                with contextlib.suppress(DatabaseError):
                    connections.close_all()  # never reuse a connection the server dropped
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT_SECONDS)


class Command(db_worker.Command):
    help = "Run the database task worker; it waits out database outages instead of exiting."

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        if reload:
            # The autoreloader is for development only.
            raise CommandError("resilient_db_worker does not reload; run it with --no-reload.")
        self.configure_logging(verbosity)
        # Started at nice 10 so that the web answers first: make that hold across sessions.
        yield_to_the_web()
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
