"""``python manage.py load_demo``: the five-city demo (does nothing if it is already loaded)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from civicdesk.demo import logins
from civicdesk.demo.loader import DEFAULT_DAYS, load_demo


class Command(BaseCommand):
    help = "Load the demo: five member cities, their catalogues and staff, and months of cases up to today."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help="Days of history to create (default %(default)s)."
        )
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiply the case volume (default 1.0: seed 004's volume)."
        )
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            default=None,
            help="Seed the random draws with this date (YYYY-MM-DD).",
        )
        parser.add_argument("--logins", action="store_true", help="Also print the demo accounts and their password.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1 or options["scale"] <= 0:
            self.stderr.write("--days must be at least 1 and --scale more than 0.")
            return
        verbose = options["verbosity"] > 1
        summary = load_demo(
            days=options["days"],
            scale=options["scale"],
            today=options["date"],
            progress=self.stdout.write if verbose else None,
        )
        for line in summary.lines():
            self.stdout.write(line)
        if options["logins"]:
            for username, password, can_do in logins():
                self.stdout.write(f"  {username:16} {password}  {can_do}")
