"""``manage.py import_cases``: import case history from another system's export."""

from __future__ import annotations

import contextlib
import csv
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.catalog.selectors import type_names_of
from civicdesk.expected.tasks import queue_first_trainings
from civicdesk.history.pipeline import DEFAULT_BATCH_SIZE, ImportReport, cases_import
from civicdesk.history.readers import FORMATS, ImportFileError, MappingError, read_files
from civicdesk.history.rows import BadRow
from civicdesk.tenants.models import City


class Command(BaseCommand):
    help = (
        "Import case history into a city: kcmo (Kansas City's 311 export), georeport (Open311 "
        "requests.json) or csv (any CSV, with --mapping). Imported cases send no email; cases "
        "already imported (same case id) are skipped, so running it again changes nothing. Fails when "
        "nothing was imported, or when bad rows pass --max-bad."
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
        parser.add_argument(
            "--warnings", metavar="FILE.csv", help="Write every warning of an imported case (file, line, id, reason)."
        )
        parser.add_argument(
            "--max-bad",
            metavar="N or P%",
            help="Fail (exit status 1) when there are more bad rows than N, or than P%% of the rows read.",
        )
        parser.add_argument(
            "--show", type=int, default=20, help="How many bad rows and warnings to print (default 20 of each)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            city = City.objects.defer("boundary").get(slug=options["city"])
        except City.DoesNotExist:
            known = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No city {options['city']!r}. Cities: {known}.") from None
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        max_bad = _threshold(options["max_bad"])

        with contextlib.ExitStack() as files:
            on_bad_row = _row_writer(files, options["bad_rows"], "--bad-rows")
            on_warning = _row_writer(files, options["warnings"], "--warnings")
            started = time.perf_counter()
            try:
                rows = read_files(
                    options["fmt"],
                    options["files"],
                    tz=city.tz,
                    mapping_path=options["mapping"],
                    city_types=type_names_of(city=city),
                    city_name=city.name,
                )
                report = cases_import(
                    city=city,
                    rows=rows,
                    batch_size=options["batch_size"],
                    dry_run=options["dry_run"],
                    on_bad_row=on_bad_row,
                    on_warning=on_warning,
                    examples=max(options["show"], 0),
                )
            except (MappingError, ImportFileError) as exc:
                raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started

        out = self.stdout.write
        out(summary_line(report, city=city.name, files=len(options["files"])))
        for row in report.bad_rows:
            out(f"    bad: {row}")
        if report.bad > len(report.bad_rows):
            more = report.bad - len(report.bad_rows)
            where = f" in {options['bad_rows']}" if options["bad_rows"] else " (--bad-rows FILE.csv lists them all)"
            out(f"    … and {more:,} more bad row(s){where}")
        for row in report.warnings:
            out(f"    warning: {row}")
        if report.warned > len(report.warnings):
            more = report.warned - len(report.warnings)
            where = f" in {options['warnings']}" if options["warnings"] else " (--warnings FILE.csv lists them all)"
            out(f"    … and {more:,} more warning(s){where}")
        rate = report.read / elapsed if elapsed > 0 else 0.0
        out(f"  {elapsed:.1f} s, {rate:,.0f} rows/s")
        if report.imported and not report.dry_run:
            # A city's first history: its expected dates are learned now, not after the night.
            for slug in queue_first_trainings([city]):
                out(f"  expected closing dates: the first training of {slug} is queued for the task worker")

        # The exit status says whether the import did what was asked: a run that imported
        # nothing, or too many bad rows, is a failure a script or an operator must notice.
        if report.imported + report.already_present == 0:
            raise CommandError(
                f"Nothing was imported: {report.read:,} row(s) read, {report.bad:,} bad. "
                "Fix the mapping or the file (the reasons are above) and run it again."
            )
        if max_bad is not None and _over(report.bad, report.read, max_bad):
            raise CommandError(
                f"{report.bad:,} bad row(s) of {report.read:,}, more than --max-bad {options['max_bad']}"
                + (" (the good rows were imported; running it again skips them)." if not report.dry_run else ".")
            )


def summary_line(report: ImportReport, *, city: str, files: int) -> str:
    """The import in one line, each count once: read, imported, already here, bad."""
    verb = "would be imported" if report.dry_run else "imported"
    warned = f" ({report.warned:,} with a warning)" if report.warned else ""
    return (
        f"{city}: {report.read:,} rows read from {files} file(s): {report.imported:,} {verb}{warned}, "
        f"{report.already_present:,} already imported (skipped), {report.bad:,} bad (not imported)."
    )


def _threshold(value: str | None) -> tuple[float, bool] | None:
    """--max-bad as (number, is a percentage), or None."""
    if value is None:
        return None
    text = value.strip()
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%"))
    except ValueError:
        raise CommandError(f"--max-bad {value}: give a number of rows (100) or a percentage (2%).") from None
    if number < 0 or (percent and number > 100):
        raise CommandError(f"--max-bad {value}: give a number of rows (100) or a percentage (2%).")
    return number, percent


def _over(bad: int, read: int, threshold: tuple[float, bool]) -> bool:
    number, percent = threshold
    return bad > (read * number / 100 if percent else number)


def _row_writer(files: contextlib.ExitStack, path: str | None, option: str) -> Callable[[BadRow], None] | None:
    """A callback writing each row (file, line, case id, reason) to the CSV ``path``."""
    if not path:
        return None
    try:
        handle = files.enter_context(open(path, "w", newline="", encoding="utf-8"))  # noqa: SIM115 (closed by the ExitStack)
    except OSError as exc:
        raise CommandError(f"{option}: cannot write {path}: {exc.strerror or exc}") from exc
    writer = csv.writer(handle)
    writer.writerow(["file", "line", "case id", "reason"])

    def write(row: BadRow) -> None:
        writer.writerow([row.source, row.line, row.external_id, row.reason])

    return write
