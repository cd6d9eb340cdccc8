"""``manage.py districts_import``: a city's council districts from a GeoJSON file, or the
template of that file (docs/onboarding.md, step 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from civicdesk.tenants import districts
from civicdesk.tenants.models import City
from civicdesk.tenants.services import district_import


class Command(BaseCommand):
    help = (
        "Create a city's council districts from a GeoJSON file (one feature per district, with the "
        "properties name and number), or write that file's template with --template."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", metavar="FILE.geojson", help="The districts map to import.")
        parser.add_argument("--city", required=True, help="Slug of the city, e.g. grain-valley.")
        parser.add_argument(
            "--template",
            metavar="FILE.geojson",
            help="Write a districts file for the city instead (- for the screen): one district, "
            f"“{districts.AT_LARGE_NAME}”, equal to the city's limits. Import it as it is for a city that "
            "elects its council at large; otherwise put one feature per district in it.",
        )
        parser.add_argument(
            "--name-property",
            default=districts.NAME_PROPERTY,
            help="The feature property holding each district's name (default: name).",
        )
        parser.add_argument(
            "--number-property",
            default=None,
            help="The property holding each district's number (default: number, when the features have it; "
            "otherwise a name that is a whole number is its number). Empty or null: a district without one.",
        )
        parser.add_argument("--prefix", default="", help="Put before each name: “District ” turns 4 into “District 4”.")
        parser.add_argument("--illustrative", action="store_true", help="A map drawn for a demo, not the adopted one.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Retire the city's current districts (kept, renamed with today's date, for their cases).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file; create nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            known = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"--city: no city {options['city']!r}. Cities: {known}.")
        if options["template"]:
            self._write_template(city, options["template"])
            return
        if not options["file"]:
            raise CommandError(
                "Give the districts file to import, or --template FILE.geojson to write one "
                "(docs/onboarding.md, step 3, says what it holds)."
            )
        path = Path(options["file"])
        try:
            with open(path, "rb") as handle:
                data = districts.read_geojson(handle, filename=path.name)
            number_property = options["number_property"]
            if number_property is None:
                number_property = districts.default_number_property(data)
            shapes = districts.district_shapes(
                data,
                name_property=options["name_property"],
                number_property=number_property,
                name_prefix=options["prefix"],
            )
            with transaction.atomic():
                created = district_import(
                    city=city, shapes=shapes, is_illustrative=options["illustrative"], replace=options["replace"]
                )
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except ValidationError as exc:
            raise CommandError(f"{path.name}: nothing was imported.\n  " + "\n  ".join(exc.messages)) from exc
        names = ", ".join(f"{d.name} ({d.number})" if d.number is not None else d.name for d in created)
        verb = "would create" if options["dry_run"] else "created"
        self.stdout.write(f"{city.name}: {verb} {len(created)} district(s): {names}.")
        # As the admin's import: a district less than half inside its city is told of (one
        # under 1% was refused).
        for shape, inside in districts.mostly_outside(shapes, city):
            self.stderr.write(
                f"Warning: {shape.name} lies mostly outside {city.name}'s limits ({inside:.0%} inside). "
                "Check that the file is this city's map."
            )

    def _write_template(self, city: City, target: str) -> None:
        text = districts.district_template(city)
        if target == "-":
            self.stdout.write(text, ending="")
            return
        path = Path(target)
        if path.exists():
            raise CommandError(f"{path} already exists; choose another name or remove it.")
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"Wrote {path}: one district, “{districts.AT_LARGE_NAME}”, equal to {city.name}'s limits.\n"
            f"  A city that elects its council at large imports it as it is:\n"
            f"    python manage.py districts_import --city {city.slug} {path}\n"
            f"  Otherwise replace its feature with one feature per district of the adopted map, each with "
            f"the properties “name” and “number” (docs/onboarding.md, step 3)."
        )
