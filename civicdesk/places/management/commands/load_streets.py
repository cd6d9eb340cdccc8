"""``manage.py load_streets --city SLUG --format FORMAT [FILE]``: a city's street centerlines, drawn
under its maps with their names.

Formats (docs/geocoding.md says where a city gets each):

- ``tiger-roads``: the Census TIGER/Line ROADS shapefile, the .zip as published or the .shp;
- ``geojson``, ``csv``: a city GIS export of centerlines, with ``--mapping`` naming its columns
  (a CSV carries each line as WKT);
- ``segments``: no file: the lines of the street segments already loaded by ``load_addresses``
  (TIGER ADDRFEAT or EDGES), for a city that has its address ranges and not its roads.

Running it again with the same file changes nothing; a changed file updates what changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.places import readers
from civicdesk.places.management.commands.load_addresses import SHOWN_BAD_ROWS
from civicdesk.places.models import Source
from civicdesk.places.services import LoadReport, street_rows_from_segments, streets_load
from civicdesk.tenants.models import City

FORMATS = ("tiger-roads", "geojson", "csv", "segments")


class Command(BaseCommand):
    help = "Load street centerlines (TIGER/Line ROADS or a city export) for a city's maps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the file to load (TIGER/Line .zip or .shp, .geojson, .csv)")
        parser.add_argument("--city", required=True, help="the member city's slug")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--mapping", help="YAML column mapping for --format csv or geojson")
        parser.add_argument("--illustrative", action="store_true", help="invented streets (the demo): flagged as such")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = options["format"]
        try:
            city = City.objects.defer("boundary").get(slug=options["city"])
        except City.DoesNotExist as exc:
            known = ", ".join(City.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No city “{options['city']}”; the cities are: {known}.") from exc
        if fmt == "segments":
            if options["file"]:
                raise CommandError("--format segments reads the segments already loaded: give no file.")
            rows = street_rows_from_segments(city=city)
            report = streets_load(city=city, rows=rows, source=Source.SEGMENTS, illustrative=options["illustrative"])
            self._say(report, city)
            return
        if not options["file"]:
            raise CommandError(f"--format {fmt} needs the file to load.")
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file.")
        try:
            report = self._load(fmt, path, city, options["mapping"], options["illustrative"])
        except readers.MappingError as exc:
            raise CommandError(str(exc)) from exc
        self._say(report, city)

    def _load(self, fmt: str, path: Path, city: City, mapping_file: str | None, illustrative: bool) -> LoadReport:
        if fmt == "tiger-roads":
            rows = readers.read_tiger_roads(path)
            return streets_load(city=city, rows=rows, source=Source.TIGER_ROADS, illustrative=illustrative)
        if not mapping_file:
            raise CommandError(f"--format {fmt} needs --mapping FILE naming the export's columns (docs/geocoding.md).")
        mapping = readers.load_street_mapping(mapping_file)
        rows = readers.read_street_csv(path, mapping) if fmt == "csv" else readers.read_street_geojson(path, mapping)
        return streets_load(city=city, rows=rows, source=Source.CITY, illustrative=illustrative)

    def _say(self, report: LoadReport, city: City) -> None:
        for line in report.summary(city=city.name, what="streets", shown=SHOWN_BAD_ROWS):
            self.stdout.write(line)
