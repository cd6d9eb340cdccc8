"""``manage.py city_create``: a new member city with its limits (docs/onboarding.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.urls import reverse

from civicdesk.tenants import districts
from civicdesk.tenants.models import NeighbourArea, Region
from civicdesk.tenants.selectors import default_timezone
from civicdesk.tenants.services import city_create, region_create

FIELD_NAMES = {
    "boundary": "--limits",
    "timezone": "--timezone",
    "fiscal_year_start_month": "--fiscal-year-start",
    "case_prefix": "--prefix",
    "slug": "--slug",
    "name": "--name",
    "jurisdiction_id": "--jurisdiction-id",
    "population": "--population",
    "region": "--region",
    "email": "--email",
    "phone": "--phone",
    "website": "--website",
    "__all__": "",
}


class Command(BaseCommand):
    help = (
        "Create a member city from its limits (a GeoJSON file). "
        "Next: districts_import (--template writes its file), catalog_import, staff (docs/onboarding.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The city's name, e.g. Grain Valley.")
        parser.add_argument("--slug", required=True, help="Short name in addresses, e.g. grain-valley.")
        parser.add_argument("--limits", required=True, metavar="FILE.geojson", help="City limits (WGS 84 GeoJSON).")
        parser.add_argument("--timezone", help="IANA time zone, e.g. America/Chicago (default: the region's).")
        parser.add_argument("--fiscal-year-start", type=int, default=1, help="Month the fiscal year starts, 1-12.")
        parser.add_argument(
            "--prefix", required=True, help="Letters before each case number, e.g. GRV (unique in the region)."
        )
        parser.add_argument("--population", type=int, help="Residents, for per-capita figures.")
        parser.add_argument(
            "--region", help="Slug of the region (default: the only one; on a fresh install it is created)."
        )
        parser.add_argument("--jurisdiction-id", default="", help="Open311 jurisdiction_id (default: the slug).")
        parser.add_argument(
            "--email",
            default="",
            help="The address residents write to (email intake; the Reply-To of acknowledgments), "
            "e.g. 311@cityofgrainvalley.org.",
        )
        parser.add_argument("--phone", default="", help="The number residents call, e.g. 816-847-6200.")
        parser.add_argument("--website", default="", help="The city's website, e.g. https://www.cityofgrainvalley.org.")

    def handle(self, *args: Any, **options: Any) -> None:
        region = self._region(options["region"])
        path = Path(options["limits"])
        try:
            with open(path, "rb") as handle:
                boundary = districts.read_geojson(handle, filename=path.name)
        except OSError as exc:
            raise CommandError(f"--limits: cannot read {path}: {exc.strerror or exc}") from exc
        except ValidationError as exc:
            raise CommandError(f"--limits: {' '.join(exc.messages)}") from exc
        timezone = options["timezone"] or default_timezone(region)
        try:
            city = city_create(
                region=region,
                name=options["name"],
                slug=options["slug"],
                boundary=boundary,
                timezone=timezone,
                fiscal_year_start_month=options["fiscal_year_start"],
                case_prefix=options["prefix"],
                population=options["population"],
                jurisdiction_id=options["jurisdiction_id"],
                email=options["email"],
                phone=options["phone"],
                website=options["website"],
            )
        except ValidationError as exc:
            lines = [
                f"{FIELD_NAMES.get(name, name)}: {' '.join(messages)}".lstrip(": ")
                for name, messages in exc.message_dict.items()
            ]
            raise CommandError("The city was not created:\n  " + "\n  ".join(lines)) from exc
        self.stdout.write(
            f"{city.name} created ({city.slug}, cases {city.case_prefix}-{city.next_case_number}, {city.timezone})."
        )
        # A place that joins was often a known neighbor: the admin would go on listing it as
        # outside the service (docs/onboarding.md).
        for neighbour in NeighbourArea.objects.filter(Q(slug=city.slug) | Q(name__iexact=city.name)):
            self.stderr.write(
                f"Warning: {neighbour.name} is also a known neighbor outside the service (Admin → Cities and "
                f"regions → Neighbor areas → {neighbour.name}): delete it there now that {city.name} is a member city."
            )
        # What comes next, so the operator need not go looking: the admin's checklist lists
        # what the city still lacks, each step linked to its page.
        checklist = settings.SITE_URL + reverse("admin:tenants_city_setup", args=[city.pk])
        self.stdout.write(
            f"Next: its checklist, {checklist}, says what {city.name} still lacks (districts, departments and "
            f"service types, staff…); until it has a service type, its report page gives residents its phone "
            f"and email instead of a form (docs/onboarding.md)."
        )

    def _region(self, slug: str | None) -> Region:
        regions = Region.objects.order_by("slug")
        if slug:
            found = regions.filter(slug=slug).first()
            if found is None and not regions.exists():
                # The first city of a fresh install: its region is made with it.
                return region_create(name=slug.replace("-", " ").title(), slug=slug)
            if found is None:
                known = ", ".join(regions.values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"--region: no region {slug!r}. Regions: {known}.")
            return found
        if regions.count() == 1:
            return regions.get()
        known = ", ".join(regions.values_list("slug", flat=True))
        raise CommandError(f"--region: give the region's slug ({known}).")
