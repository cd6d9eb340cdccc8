"""``manage.py catalog_import --city SLUG FILE``: a city's departments and service types from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.catalog.catalogue_file import CatalogueFileError, read_catalogue
from civicdesk.catalog.services import catalog_import
from civicdesk.tenants.models import City


def city_named(slug: str) -> City:
    try:
        return City.objects.defer("boundary").get(slug=slug)
    except City.DoesNotExist:
        known = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
        raise CommandError(f"No city {slug!r}. Cities: {known}.") from None


class Command(BaseCommand):
    help = (
        "Create or update a city's departments and service types from a CSV or YAML file (docs/onboarding.md). "
        "Matched by code; running it twice changes nothing; every line is checked before anything is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="A .csv, .yaml or .yml catalog file.")
        parser.add_argument("--city", required=True, help="Slug of the city.")
        parser.add_argument("--format", dest="fmt", choices=("csv", "yaml"), help="By default from the file's name.")
        parser.add_argument("--dry-run", action="store_true", help="Check and say what would change; write nothing.")
        parser.add_argument(
            "--without-emails",
            action="store_true",
            help="Leave the file's department emails out: new departments get none, existing ones keep theirs "
            "(for a neighbor's export, whose emails are the neighbor's).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        city = city_named(options["city"])
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
        try:
            catalogue = read_catalogue(text, name=path.name, fmt=options["fmt"] or "")
            result = catalog_import(
                city=city,
                catalogue=catalogue,
                name=path.name,
                dry_run=options["dry_run"],
                without_emails=options["without_emails"],
            )
        except CatalogueFileError as exc:
            count = len(exc.problems)
            raise CommandError(
                f"{path.name}: {count} mistake(s), nothing written:\n  " + "\n  ".join(exc.problems)
            ) from exc
        self.stdout.write(f"{city.name}: {result.summary()}")
        for line in result.email_warnings():
            self.stderr.write(self.style.WARNING(f"Warning: {line}"))
        if result.foreign_emails:
            again = "catalog_import --city {} {}{} --without-emails".format(
                city.slug, path, " --dry-run" if options["dry_run"] else ""
            )
            self.stderr.write(
                self.style.WARNING(
                    f"To leave these emails empty, run: {again}\n"
                    f"or put {city.name}'s own addresses in the file's department emails."
                )
            )
        for line in result.name_warnings():
            self.stderr.write(self.style.WARNING(f"Warning: {line}"))
        if result.foreign_words:
            self.stderr.write(
                self.style.WARNING(
                    "Check each of these words: change them in the file before importing (or, once imported, "
                    "on the department's or type's page in the admin) unless they mean a street or place."
                )
            )
        if result.foreign_keywords:
            self.stderr.write(
                self.style.WARNING(
                    "Take these keywords out of the file before importing (or, once imported, out of the "
                    "type's Keywords in the admin)."
                )
            )
