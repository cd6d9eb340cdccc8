"""``python manage.py load_demo``: the five-city demo (does nothing if it is already loaded)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.demo import logins
from civicdesk.demo.loader import DEFAULT_DAYS, demo_is_loaded, load_demo
from civicdesk.demo.performance import load_performance_demo
from civicdesk.expected.tasks import queue_first_trainings
from civicdesk.opendata.tasks import queue_first_exports


def _env_number(name: str, default: float, cast: type) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return cast(default)
    try:
        return cast(raw)
    except ValueError as exc:
        raise CommandError(f"{name}={raw!r} is not a number.") from exc


class Command(BaseCommand):
    help = (
        "Load the demo: five member cities, their catalogs and staff, and months of cases up to today. "
        "CIVICDESK_DEMO_DAYS and CIVICDESK_DEMO_SCALE change the defaults (e.g. for a quicker first start)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Days of history to create (default $CIVICDESK_DEMO_DAYS or {DEFAULT_DAYS}).",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=None,
            help="Multiply the case volume (default $CIVICDESK_DEMO_SCALE or 1.0, seed 004's volume).",
        )
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            default=None,
            help="Last day of the history, and the seed of its random draws (default: today).",
        )
        parser.add_argument("--logins", action="store_true", help="Also print the demo accounts and their password.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else _env_number("CIVICDESK_DEMO_DAYS", DEFAULT_DAYS, int)
        scale = options["scale"] if options["scale"] is not None else _env_number("CIVICDESK_DEMO_SCALE", 1.0, float)
        if days < 1 or scale <= 0:
            raise CommandError("--days must be at least 1 and --scale more than 0.")
        quiet = options["verbosity"] < 1
        if not demo_is_loaded() and not quiet:
            self.stdout.write(
                f"Loading the demo: {days} days of cases at {scale:g}× seed 004's volume "
                "(about 70 cases a day in the five cities at 1×; a few minutes on a first start)…"
            )
        summary = load_demo(
            days=days, scale=scale, today=options["date"], progress=None if quiet else self.stdout.write
        )
        load_performance_demo(today=options["date"])
        # The demo's expected dates come from the cities' own models: learned as soon as the
        # task worker starts, not at the first night (also for a demo loaded before this ran).
        first = queue_first_trainings()
        if first and not quiet:
            self.stdout.write(f"Expected closing dates: the first training of {', '.join(first)} is queued.")
        # Open data: each city's files are written as soon as the task worker starts, not at
        # the first nightly export (03:15), so the open-data pages have files to download.
        exports = queue_first_exports()
        if exports and not quiet:
            self.stdout.write(f"Open data: the first export of {', '.join(exports)} is queued.")
        if not quiet:
            for line in summary.lines():
                self.stdout.write(line)
        if options["logins"]:
            for username, password, can_do in logins():
                self.stdout.write(f"  {username:16} {password}  {can_do}")
