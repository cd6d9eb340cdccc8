"""``manage.py expected_train [--city SLUG]``: train the cities' time-to-close models.

Each new model is put in use only if it is not worse than the model in use on the held-out
months (civicdesk/expected/services.py). The task worker runs the same nightly
(civicdesk/expected/tasks.py).
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.expected.models import ModelStatus
from civicdesk.expected.services import expected_model_train
from civicdesk.tenants.models import City


class Command(BaseCommand):
    help = "Train each city's expected-closing-date model from its own cases."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--city", help="Only this city (its slug, e.g. independence).")

    def handle(self, *args: Any, **options: Any) -> None:
        cities = City.objects.all()
        if options["city"]:
            cities = cities.filter(slug=options["city"])
            if not cities.exists():
                raise CommandError(f"No city with the slug {options['city']!r}.")
        for city in cities:
            result = expected_model_train(city=city)
            figures = ""
            if result.model is not None and result.model.status != ModelStatus.FAILED:
                model = result.model.evaluation.get("model", {})
                figures = (
                    f" held-out: coverage of the 80% date {model.get('coverage80')}, "
                    f"median error {model.get('mae_median_days')} days, C-index {model.get('c_index')}"
                )
            self.stdout.write(f"{city.slug}: {result.reason}.{figures}")
