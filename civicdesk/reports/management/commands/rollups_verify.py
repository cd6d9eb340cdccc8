"""``manage.py rollups_verify``: prove the report roll-ups equal a fresh count over the cases."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.reports import rollups
from civicdesk.reports.management.commands.rollups_rebuild import add_scope_arguments, city_and_days

SHOWN = 20


class Command(BaseCommand):
    help = "Compare the report roll-ups with a fresh count over the cases; exit 1 and list differences if any."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        city, start, end = city_and_days(options)
        differences = rollups.verify(city=city, start=start, end=end)
        if not differences:
            self.stdout.write("Roll-ups agree with the cases.")
            return
        for d in differences[:SHOWN]:
            city_id, dimension, grain, day, key, days = d.key
            self.stdout.write(
                f"city {city_id} {dimension}={key!r} {'month' if grain == 'M' else 'day'} {day} "
                f"days={days}: stored {d.stored}, cases say {d.fresh}"
            )
        more = len(differences) - SHOWN
        if more > 0:
            self.stdout.write(f"... and {more} more.")
        raise CommandError(
            f"{len(differences)} roll-up rows disagree with the cases; run manage.py rollups_rebuild to fix them."
        )
