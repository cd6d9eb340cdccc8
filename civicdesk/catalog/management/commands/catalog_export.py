"""``manage.py catalog_export --city SLUG``: a city's catalogue in the format catalog_import reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civicdesk.catalog.catalogue_file import write_catalogue
from civicdesk.catalog.management.commands.catalog_import import city_named
from civicdesk.catalog.selectors import catalogue_of


class Command(BaseCommand):
    help = "Write a city's departments and service types as YAML (default) or CSV, for catalog_import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", required=True, help="Slug of the city.")
        parser.add_argument(
            "--format", dest="fmt", choices=("yaml", "csv"), help="By default from --output, else yaml."
        )
        parser.add_argument("--output", help="File to write; standard output without it.")

    def handle(self, *args: Any, **options: Any) -> None:
        city = city_named(options["city"])
        output = options.get("output")
        fmt = options["fmt"] or ("csv" if output and output.lower().endswith(".csv") else "yaml")
        text = write_catalogue(catalogue_of(city=city), fmt=fmt)
        if output:
            Path(output).write_text(text, encoding="utf-8", newline="")
            self.stdout.write(output)
        else:
            self.stdout.write(text, ending="")
