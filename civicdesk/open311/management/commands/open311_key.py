"""Create an Open311 API key for an application: ``open311_key --city <slug> --name <app>``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City


class Command(BaseCommand):
    help = "Create an API key an application uses to post Open311 requests to a city. Prints the key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", required=True, help="The city's slug, e.g. as in its portal address.")
        parser.add_argument("--name", required=True, help="The application the key is for.")

    def handle(self, *args: Any, city: str, name: str, **options: Any) -> None:
        found = City.objects.filter(slug=city).first()
        if found is None:
            known = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No city with slug “{city}”. Known: {known}.")
        if not name.strip():
            raise CommandError("--name cannot be empty: say which application the key is for.")
        _key, raw_key = api_key_create(city=found, name=name)
        # Exactly two lines, so scripts can read them (e.g. into an .env file).
        self.stdout.write(f"jurisdiction_id={found.jurisdiction_id}")
        self.stdout.write(f"api_key={raw_key}")
