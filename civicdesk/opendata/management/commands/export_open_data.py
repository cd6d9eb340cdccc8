"""``manage.py export_open_data [--city SLUG] [--no-collaborative]``: write the open-data files now.

The task worker does the same every night (civicdesk/opendata/schedule.py); this is for a
first run, or to publish a correction without waiting for the night. The files' links
(``url``, ``photo_urls``) start with ``SITE_URL``: run it with the same ``SITE_URL`` as the
site (``make run`` sets it only for its own processes), or the links name the default
http://127.0.0.1:8000.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from civicdesk.opendata.services import open_data_export_all
from civicdesk.tenants.models import City


class Command(BaseCommand):
    help = "Write the open-data files (CSV and GeoJSON, gzip) of every city and of the collaborative, or of one city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", help="Only this city's files (its slug, e.g. independence).")
        parser.add_argument(
            "--no-collaborative", action="store_true", help="Leave out the file of all member cities together."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cities = None
        if options["city"]:
            found = City.objects.defer("boundary").filter(slug=options["city"]).first()
            if found is None:
                known = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"No city {options['city']!r}. Cities: {known}.")
            cities = [found]
        written = open_data_export_all(
            cities=cities, collaborative=not options["city"] and not options["no_collaborative"]
        )
        if not os.environ.get("SITE_URL"):
            self.stderr.write(
                f"SITE_URL is not set: the links in the files (url, photo_urls) start with {settings.SITE_URL}. "
                "Set SITE_URL to the site's address (e.g. SITE_URL=http://127.0.0.1:$PORT for make run) "
                "and run again if that is not it."
            )
        for f in written:
            scope = f.city.name if f.city is not None else "All member cities"
            self.stdout.write(f"{scope}: {f.format} {f.rows:,} cases, {filesizeformat(f.size)}, sha256 {f.sha256}")
