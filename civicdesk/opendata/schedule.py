"""The nightly open-data export, run by the task worker.

There is no cron in civicdesk: what runs on its own is the task worker and the outbox
sweeper (``make run``, ``make serve-prod``). The sweeper calls ``nightly_ensure`` every
round; it queues one ``open_data_nightly`` task for the next ``OPEN_DATA_NIGHTLY_AT``
(local time of ``TIME_ZONE``) unless one is queued already. The ``NightlyRun`` row, locked
while it is read and written, says when the queued one is due, so any number of sweepers
queue it once. A task that ran clears nothing: it writes the next night's time itself. A
task lost with its worker (killed mid-export) is noticed when its time is GRACE past: the
next sweeper round queues the export again, at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import transaction

from civicdesk.core import clock
from civicdesk.opendata.models import NightlyRun

log = logging.getLogger("civicdesk.opendata")

GRACE = dt.timedelta(hours=3)  # a nightly export of a million cases takes minutes


def next_nightly(after: dt.datetime) -> dt.datetime:
    """The next ``OPEN_DATA_NIGHTLY_AT`` local time strictly after ``after`` (UTC)."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    hour, minute = (int(p) for p in getattr(settings, "OPEN_DATA_NIGHTLY_AT", "03:15").split(":"))
    local = after.astimezone(tz)
    candidate = dt.datetime.combine(local.date(), dt.time(hour, minute), tzinfo=tz)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(hour, minute), tzinfo=tz)
    return candidate.astimezone(dt.UTC)


def _queue(run_after: dt.datetime | None) -> None:
    from civicdesk.opendata.tasks import open_data_nightly

    task = open_data_nightly.using(run_after=run_after) if run_after is not None else open_data_nightly
    task.enqueue()


def nightly_ensure() -> dt.datetime | None:
    """Queue the next nightly export if none is queued; the time it is due, or None if one
    was queued already."""
    now = clock.now()
    with transaction.atomic():
        state = NightlyRun.objects.select_for_update().filter(pk=1).first()
        if state is None:
            state = NightlyRun(pk=1)
        if state.next_run_at is not None and now < state.next_run_at + GRACE:
            return None
        lost = state.next_run_at is not None
        # First time: tonight. A lost task: now, the files are a day old already.
        due = now if lost else next_nightly(now)
        state.next_run_at = due
        state.save()
        transaction.on_commit(lambda: _queue(None if lost else due))
    if lost:
        log.warning("open data: the nightly export due before %s did not finish; queued again", now - GRACE)
    return due


def nightly_run() -> int:
    """Write every open-data file, then queue the next night's export. Returns the files written."""
    from civicdesk.opendata.services import open_data_export_all

    written = open_data_export_all()
    now = clock.now()
    due = next_nightly(now)
    with transaction.atomic():
        NightlyRun.objects.update_or_create(pk=1, defaults={"next_run_at": due, "last_finished_at": now})
        transaction.on_commit(lambda: _queue(due))
    return len(written)
