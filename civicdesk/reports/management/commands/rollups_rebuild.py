"""``manage.py rollups_rebuild``: recompute the report roll-ups from the cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.reports import rollups
from civicdesk.tenants.models import City


def city_and_days(options: dict[str, Any]) -> tuple[City | None, dt.date | None, dt.date | None]:
    """--city, --from, --to as objects, or a CommandError that says what is wrong."""
    city = None
    if options["city"] not in (None, "all"):
        city = City.objects.defer("boundary").filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"There is no city {options['city']!r}; use a city slug such as independence.")
    days: list[dt.date | None] = []
    for name in ("date_from", "date_to"):
        value = options[name]
        try:
            days.append(dt.date.fromisoformat(value) if value else None)
        except ValueError as exc:
            raise CommandError(f"{value} is not a date; write it as YYYY-MM-DD.") from exc
    start, end = days
    if (start is None) != (end is None):
        raise CommandError("Give both --from and --to, or neither (all time).")
    if start and end and end < start:
        raise CommandError("--to comes before --from.")
    return city, start, end


def add_scope_arguments(parser: CommandParser) -> None:
    parser.add_argument("--city", default="all", help="City slug, or 'all' (the default).")
    parser.add_argument("--from", dest="date_from", help="First local day, YYYY-MM-DD (widened to its month).")
    parser.add_argument("--to", dest="date_to", help="Last local day, YYYY-MM-DD (widened to its month).")


class Command(BaseCommand):
    help = "Recompute the report roll-ups from the cases (after a bulk load that bypassed the case services)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        city, start, end = city_and_days(options)
        rows = rollups.rebuild(city=city, start=start, end=end)
        self.stdout.write(f"Roll-ups rebuilt: {rows:,} rows.")
