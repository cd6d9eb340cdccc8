"""Small jobs that run on every round of the outbox sweeper, registered by the app that owns
them (in its ``AppConfig.ready``).

The sweeper is the one process that runs every few seconds on every node, so it is where
"make sure tomorrow's job is queued" belongs. It lives in ``notifications``; the jobs belong
to apps above it (the nightly open-data export), which is why they register here instead of
the sweeper importing them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError

log = logging.getLogger(__name__)

_jobs: dict[str, Callable[[], object]] = {}


def register(name: str, job: Callable[[], object]) -> None:
    """Run ``job`` on every sweeper round (what it returns is ignored); registering the same name again replaces it."""
    _jobs[name] = job


def run_all() -> None:
    """Run every registered job once; a job whose database is out of reach is logged and the
    others still run (the next round tries again)."""
    for name, job in list(_jobs.items()):
        try:
            job()
        except DatabaseError:
            log.exception("periodic job %s failed", name)
