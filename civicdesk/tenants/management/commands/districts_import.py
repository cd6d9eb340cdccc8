"""``manage.py districts_import``: a city's council districts from a GeoJSON file, or the
template of that file (docs/onboarding.md, step 3).

With ``--replace`` the file replaces the city's current map: its districts are retired, and
the residents' alerts of each move to the new district covering most of it, each resident
emailed. As the admin's import page does, the command first says what would change and saves
nothing; ``--yes`` does it. It never asks a question: run from cron or CI, without a terminal,
it behaves the same."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation

from civicdesk.tenants import districts
from civicdesk.tenants.models import City, District
from civicdesk.tenants.services import city_today, district_import, district_import_plan, retired_name


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
            help="Retire the city's current districts (kept, renamed with today's date, for their cases); "
            "residents' alerts of each move to the new district covering most of it, and each resident is "
            "emailed. Without --yes, says what would change and saves nothing.",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="With --replace: replace the map, after reading what it changes (the same command without --yes).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and say what would change; create nothing."
        )

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
            # Replacing the map is said first, and done only when asked again with --yes.
            preview = options["dry_run"] or (options["replace"] and not options["yes"])
            current = list(District.objects.filter(city=city, retired_on__isnull=True).order_by("number", "name"))
            with translation.override("en"):  # what a command prints is English (docs/translations.md)
                plan = district_import_plan(city=city, shapes=shapes) if options["replace"] else []
            told: list[str] = []
            with transaction.atomic(), translation.override("en"):
                created = district_import(
                    city=city,
                    shapes=shapes,
                    is_illustrative=options["illustrative"],
                    replace=options["replace"],
                    told=told,
                )
                if preview:
                    transaction.set_rollback(True)  # checked as an import is; nothing kept, nobody emailed
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except ValidationError as exc:
            raise CommandError(f"{path.name}: nothing was imported.\n  " + "\n  ".join(exc.messages)) from exc
        if preview:
            self._say_preview(city, path, created, current, plan, options)
        else:
            self.stdout.write(f"{city.name}: created {len(created)} district(s): {_names(created)}.")
            if options["replace"]:
                kept = dict(District.objects.filter(pk__in=[d.pk for d in current]).values_list("pk", "name"))
                retired = ", ".join(f"{d.name} (kept as “{kept[d.pk]}”)" for d in current)
                self.stdout.write(f"Retired {len(current)} district(s), kept with their cases: {retired or 'none'}.")
            for line in told:
                self.stdout.write(line)
        # As the admin's import: a district less than half inside its city is told of (one
        # under 1% was refused).
        for shape, inside in districts.mostly_outside(shapes, city):
            self.stderr.write(
                f"Warning: {shape.name} lies mostly outside {city.name}'s limits ({inside:.0%} inside). "
                "Check that the file is this city's map."
            )

    def _say_preview(
        self,
        city: City,
        path: Path,
        created: list[District],
        current: list[District],
        plan: list[str],
        options: dict[str, Any],
    ) -> None:
        """What importing would change, nothing saved: the districts added, retired and kept,
        where the residents' alerts of each retired one go (or that they stay), and the
        command that does it."""
        out = self.stdout.write
        out(f"{city.name}: nothing is imported yet. Importing {path.name} would:")
        out(f"  create {len(created)} district(s): {_names(created)};")
        if options["replace"]:
            today = city_today(city)
            retiring = ", ".join(f"{d.name} (kept as “{retired_name(d.name, today)}”)" for d in current)
            out(f"  retire {len(current)} district(s), kept with their cases: {retiring or 'none'};")
            out("  keep none of the current districts: new cases are placed on the new map only.")
        else:
            out(f"  keep the {len(current)} current district(s): {_names(current) or 'none'}.")
        if plan:
            out("Residents' alerts of the districts retired:")
            for line in plan:
                out(f"  {line}")
        elif options["replace"]:
            out("No resident has an alert of the districts retired: nobody is emailed.")
        again = ["--city", city.slug, str(path)]
        if options["name_property"] != districts.NAME_PROPERTY:
            again += ["--name-property", options["name_property"]]
        if options["number_property"] is not None:
            again += ["--number-property", options["number_property"]]
        if options["prefix"]:
            again += ["--prefix", options["prefix"]]
        if options["illustrative"]:
            again.append("--illustrative")
        if options["replace"]:
            again += ["--replace", "--yes"]
        command = " ".join(["python manage.py districts_import", *map(shlex.quote, again)])
        out(("To replace the map, run:" if options["replace"] else "To import it, run:") + f"\n  {command}")

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


def _names(rows: list[District]) -> str:
    return ", ".join(f"{d.name} ({d.number})" if d.number is not None else d.name for d in rows)
