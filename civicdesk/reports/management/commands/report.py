"""``manage.py report service-requests``: the Service Request Report as PDF, CSV or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.reports import exports
from civicdesk.reports.service_request_report import ReportRangeError, parse_date, service_request_report
from civicdesk.tenants.models import City

REPORTS = ("service-requests",)
FORMATS = ("pdf", "csv", "html")


class Command(BaseCommand):
    help = (
        "Write a report. service-requests: the Service Request Report of a city (or of every member "
        "city with --city all) for the local days --from to --to, both included."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=REPORTS, help="Which report.")
        parser.add_argument("--city", default="all", help="City slug (e.g. independence), or 'all' (the default).")
        parser.add_argument("--from", dest="date_from", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", required=True, help="Last day, YYYY-MM-DD (included).")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="pdf")
        parser.add_argument(
            "--output",
            help="File to write. CSV and HTML go to standard output without it; a PDF to a file named after the report.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        city = self._city(options["city"])
        try:
            date_from = parse_date(options["date_from"], field_name="--from")
            date_to = parse_date(options["date_to"], field_name="--to")
            report = service_request_report(city=city, date_from=date_from, date_to=date_to)
        except ReportRangeError as exc:
            raise CommandError(str(exc)) from exc

        fmt, output = options["fmt"], options.get("output")
        if fmt == "pdf":
            path = Path(output or f"{exports.file_stem(report)}.pdf")
            path.write_bytes(exports.report_pdf(report))
            self.stdout.write(str(path))
            return
        text = exports.report_csv(report) if fmt == "csv" else exports.report_html(report)
        if output:
            # newline="" keeps the CSV's own CRLF row ends, as the csv module expects.
            Path(output).write_text(text, encoding="utf-8", newline="")
            self.stdout.write(output)
        else:
            self.stdout.write(text, ending="")

    def _city(self, slug: str) -> City | None:
        if slug.strip().lower() == "all":
            return None
        try:
            return City.objects.get(slug=slug.strip())
        except City.DoesNotExist as exc:
            known = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No city '{slug}'. Known cities: {known}; or 'all' for every member city.") from exc
