"""``manage.py load_addresses --city SLUG --format FORMAT FILE``: a city's addresses into the gazetteer.

Formats (docs/geocoding.md says where a city gets each):

- ``openaddresses-csv``, ``openaddresses-geojson``: OpenAddresses downloads (points);
- ``tiger-addrfeat``, ``tiger-edges``: Census TIGER/Line address ranges, the .zip or the .shp;
- ``csv``, ``geojson``: a city GIS export of points, with ``--mapping`` naming its columns.

Running it again with the same file changes nothing; a changed file updates what changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.places import readers
from civicdesk.places.models import Source
from civicdesk.places.services import LoadReport, addresses_load, segments_load
from civicdesk.tenants.models import City

FORMATS = ("openaddresses-csv", "openaddresses-geojson", "tiger-addrfeat", "tiger-edges", "csv", "geojson")
SHOWN_BAD_ROWS = 50


class Command(BaseCommand):
    help = "Load address points or street address ranges into a city's gazetteer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to load (.csv, .geojson, TIGER/Line .zip or .shp)")
        parser.add_argument("--city", required=True, help="the member city's slug")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--mapping", help="YAML column mapping for --format csv or geojson")
        parser.add_argument(
            "--illustrative", action="store_true", help="invented addresses (the demo): flagged as such"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file.")
        try:
            city = City.objects.get(slug=options["city"])
        except City.DoesNotExist as exc:
            known = ", ".join(City.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No city “{options['city']}”; the cities are: {known}.") from exc
        fmt = options["format"]
        try:
            mapping = readers.load_mapping(options["mapping"]) if options["mapping"] else None
            report = self._load(fmt, path, city, mapping, options["illustrative"])
        except readers.MappingError as exc:
            raise CommandError(str(exc)) from exc
        self._say(report, city)

    def _load(
        self, fmt: str, path: Path, city: City, mapping: readers.ColumnMapping | None, illustrative: bool
    ) -> LoadReport:
        if fmt in ("tiger-addrfeat", "tiger-edges"):
            kind = fmt.removeprefix("tiger-")
            source = Source.TIGER_ADDRFEAT if kind == "addrfeat" else Source.TIGER_EDGES
            rows = readers.read_tiger(path, kind=kind)
            return segments_load(city=city, rows=rows, source=source, illustrative=illustrative)
        if fmt == "openaddresses-csv":
            rows = readers.read_csv(path, mapping or readers.OPENADDRESSES_CSV)
            source = Source.OPENADDRESSES
        elif fmt == "openaddresses-geojson":
            rows = readers.read_geojson(path, mapping or readers.OPENADDRESSES_GEOJSON)
            source = Source.OPENADDRESSES
        else:
            if mapping is None:
                raise CommandError(
                    f"--format {fmt} needs --mapping FILE naming the export's columns (docs/geocoding.md)."
                )
            rows = readers.read_csv(path, mapping) if fmt == "csv" else readers.read_geojson(path, mapping)
            source = Source.CITY
        return addresses_load(city=city, rows=rows, source=source, illustrative=illustrative)

    def _say(self, report: LoadReport, city: City) -> None:
        for line in report.summary(city=city.name, what="rows", shown=SHOWN_BAD_ROWS):
            self.stdout.write(line)
