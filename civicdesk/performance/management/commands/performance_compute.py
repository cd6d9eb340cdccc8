"""``manage.py performance_compute [--city SLUG] [--since YYYY-MM-DD]``: recompute computed measures.

Run it once to back-fill history from past cases (``--since`` the first day you want), then
nightly (cron, or a loop like the outbox sweeper's) to pick up changes to cases: without
``--since`` it recomputes the previous fiscal year and the current one.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.performance.services import performance_compute
from civicdesk.tenants.models import City


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date; write it like 2017-07-01.") from exc


class Command(BaseCommand):
    help = "Recompute the computed performance measures from the cases, period by period."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--city", help="Only this city (its slug, e.g. independence).")
        parser.add_argument(
            "--since", type=_date, help="First day to recompute (default: start of the previous fiscal year)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cities = City.objects.all()
        if options["city"]:
            cities = cities.filter(slug=options["city"])
            if not cities.exists():
                raise CommandError(f"There is no city {options['city']!r}.")
        stored = performance_compute(cities=list(cities), since=options["since"])
        if options["verbosity"] >= 1:
            self.stdout.write(f"Computed {stored} period values.")
