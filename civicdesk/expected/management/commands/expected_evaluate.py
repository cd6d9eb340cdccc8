"""``manage.py expected_evaluate [--city SLUG] [--test-days N] [--train-years N]``: the
evaluation of bench/expected.py on a city's own history in the database.

Trains on the cases opened before the last ``--test-days`` (default 365), as they stood then,
and scores the cases opened since, against the type's median days to close and the type's
target. Writes JSON to standard output (or ``--out FILE``); stores nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.core import clock
from civicdesk.expected import services, survival
from civicdesk.expected.history import history_for_city
from civicdesk.tenants.models import City


class Command(BaseCommand):
    help = "Evaluate the expected-closing-date model on a city's own history (time split)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--city", help="Only this city (its slug).")
        parser.add_argument("--test-days", type=int, default=365)
        parser.add_argument("--train-years", type=int, default=services.TRAIN_YEARS)
        parser.add_argument("--out", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        cities = City.objects.all()
        if options["city"]:
            cities = cities.filter(slug=options["city"])
            if not cities.exists():
                raise CommandError(f"No city with the slug {options['city']!r}.")
        now = clock.now()
        split = now - dt.timedelta(days=options["test_days"])
        since = split - dt.timedelta(days=365 * options["train_years"])
        report: dict[str, Any] = {}
        for city in cities:
            history = history_for_city(city, since=since)
            before = int((history.opened < split.timestamp()).sum())
            entry: dict[str, Any] = {"cases": len(history), "train_cases": before, "test_from": split.isoformat()}
            params = None
            if before >= services.MIN_CITY_CASES:
                params = survival.fit(
                    history,
                    as_of=split.timestamp(),
                    kind=services.KIND,
                    penalizer=services.PENALIZER,
                    min_level_cases=services.MIN_TYPE_CASES,
                )
            else:
                entry["note"] = f"fewer than {services.MIN_CITY_CASES} cases to learn from: baselines only"
            entry.update(survival.evaluate(params, history, start=split.timestamp(), end=now.timestamp()))
            report[city.slug] = services._json_safe(entry)
        text = json.dumps(report, indent=2, sort_keys=True)
        if options["out"]:
            options["out"].write_text(text + "\n", encoding="utf-8")
        self.stdout.write(text)
