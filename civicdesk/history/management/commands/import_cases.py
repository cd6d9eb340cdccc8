"""``manage.py import_cases``: import case history from another system's export."""

from __future__ import annotations

import csv
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.history.pipeline import DEFAULT_BATCH_SIZE, cases_import
from civicdesk.history.readers import FORMATS, ImportFileError, MappingError, read_files
from civicdesk.history.rows import BadRow
from civicdesk.tenants.models import City


class Command(BaseCommand):
    help = (
        "Import case history into a city: kcmo (Kansas City's 311 export), georeport (Open311 "
        "requests.json) or csv (any CSV, with --mapping). Imported cases send no email; cases "
        "already imported (same case id) are skipped, so running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="Files to import, in order.")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, required=True)
        parser.add_argument("--city", required=True, help="Slug of the city the history belongs to.")
        parser.add_argument("--mapping", help="Mapping file (YAML or JSON); required for csv. See docs/import.md.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")
        parser.add_argument("--bad-rows", metavar="FILE.csv", help="Write every bad row (file, line, id, reason).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows written per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument("--show", type=int, default=20, help="How many bad rows to print (default 20).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            city = City.objects.defer("boundary").get(slug=options["city"])
        except City.DoesNotExist:
            known = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No city {options['city']!r}. Cities: {known}.") from None
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")

        bad_file = None
        writer = None
        if options["bad_rows"]:
            try:
                bad_file = open(options["bad_rows"], "w", newline="", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise CommandError(f"Cannot write {options['bad_rows']}: {exc.strerror or exc}") from exc
            writer = csv.writer(bad_file)
            writer.writerow(["file", "line", "case id", "reason"])

        def on_bad_row(row: BadRow) -> None:
            if writer is not None:
                writer.writerow([row.source, row.line, row.external_id, row.reason])

        started = time.perf_counter()
        try:
            rows = read_files(options["fmt"], options["files"], tz=city.tz, mapping_path=options["mapping"])
            report = cases_import(
                city=city,
                rows=rows,
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
                on_bad_row=on_bad_row,
                examples=max(options["show"], 0),
            )
        except (MappingError, ImportFileError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bad_file is not None:
                bad_file.close()
        elapsed = time.perf_counter() - started

        out = self.stdout.write
        verb = "would be imported" if report.dry_run else "imported"
        out(f"{city.name}: {report.read:,} rows read from {len(options['files'])} file(s)")
        out(f"  {report.imported:,} {verb}")
        out(f"  {report.already_present:,} already present (skipped)")
        out(f"  {report.bad:,} bad (not imported)")
        if report.warned:
            out(f"  {report.warned:,} imported with a warning")
        for row in report.bad_rows:
            out(f"    bad: {row}")
        if report.bad > len(report.bad_rows):
            more = report.bad - len(report.bad_rows)
            where = f" in {options['bad_rows']}" if options["bad_rows"] else " (--bad-rows FILE.csv lists them all)"
            out(f"    … and {more:,} more{where}")
        for row in report.warnings:
            out(f"    warning: {row}")
        rate = report.read / elapsed if elapsed > 0 else 0.0
        out(f"  {elapsed:.1f} s, {rate:,.0f} rows/s")
