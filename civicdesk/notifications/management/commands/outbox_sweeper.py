"""Keep the outbox moving when workers die: ``manage.py outbox_sweeper``.

Run one next to the task workers (any number is safe). Every OUTBOX_SWEEP_INTERVAL_SECONDS
it releases claims of dead workers and queues due messages that no live task will pick up;
see civicdesk.notifications.delivery.sweep. It also queues the nightly open-data export
when none is queued (civicdesk.opendata.schedule.nightly_ensure).
"""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser, ArgumentTypeError
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from civicdesk.core import periodic
from civicdesk.core.priority import yield_to_the_web
from civicdesk.notifications import delivery

log = logging.getLogger("civicdesk.notifications.sweeper")


def _interval(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"{value!r} is not a number of seconds") from exc
    if not seconds > 0:
        raise ArgumentTypeError("the interval must be more than 0 seconds")
    return seconds


class Command(BaseCommand):
    help = "Release email claims of dead workers and queue due emails, every few seconds (or once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Sweep once and exit.")
        parser.add_argument(
            "--interval",
            type=_interval,
            default=None,
            help="Seconds between sweeps (default: OUTBOX_SWEEP_INTERVAL_SECONDS).",
        )
        parser.add_argument(
            "--send",
            action="store_true",
            help="Also send due emails in this process (for a machine without a task worker).",
        )

    def handle(self, *args: Any, once: bool, interval: float | None, send: bool, **options: Any) -> None:
        interval = interval or float(settings.OUTBOX_SWEEP_INTERVAL_SECONDS)
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            log.info("outbox sweeper: %s received, stopping after this round", signal.Signals(signum).name)
            stop.set()

        if not once:
            yield_to_the_web()  # started at nice 10 (Procfile.prod): make that hold across sessions
            signal.signal(signal.SIGINT, request_stop)
            signal.signal(signal.SIGTERM, request_stop)
            log.info("outbox sweeper started: every %ss", interval)
        while True:
            if not once:
                # Like a request: never reuse a connection the database closed meanwhile.
                close_old_connections()
            self._round(once=once, send=send)
            if once or stop.wait(interval):
                break
        if not once:
            log.info("outbox sweeper stopped")

    def _round(self, *, once: bool, send: bool) -> None:
        # Jobs other apps registered for every round (civicdesk/core/periodic.py), such as
        # making sure the nightly open-data export is queued.
        periodic.run_all()
        try:
            result = delivery.sweep()
            sent = delivery.deliver_due_now() if send else 0
        except DatabaseError:
            # The database is down or locked: say so and try again next round.
            log.exception("outbox sweep failed")
            if once:
                raise
            return
        summary = (
            f"outbox sweep: released {result['released']} abandoned claim(s), "
            f"gave up {result['given_up']}, queued {result['queued']} message(s)" + (f", sent {sent}" if send else "")
        )
        if once:
            self.stdout.write(summary)
        if any(result.values()) or sent:
            log.info(summary)
        else:
            log.debug(summary)
