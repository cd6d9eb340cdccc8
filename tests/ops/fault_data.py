"""Seed and read back a database that is not the test suite's: the throwaway PostgreSQL
cluster tests/ops/test_faults.py starts for itself (and restarts).

Run as a process of its own, on the database DATABASE_URL names:

    DATABASE_URL=postgres://… python -m tests.ops.fault_data seed     # one city, one type, an API key
    DATABASE_URL=postgres://… python -m tests.ops.fault_data inspect  # every case, its events and mail

Each prints one JSON document on its last line. ``seed`` expects the schema to exist
(serve-prod migrates before it answers).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from typing import Any

from tests.ops.prod_server import REPO


def seed() -> dict[str, Any]:
    from civicdesk.catalog.models import ServiceType
    from civicdesk.demo.places import load_member_cities
    from civicdesk.open311.services import api_key_create
    from civicdesk.tenants.models import Department

    city = next(c for c in load_member_cities() if c.slug == "independence")
    department = Department.objects.create(
        city=city, name="Neighborhood Services", code="neighborhood", email="neighborhood@independence.test"
    )
    service_type = ServiceType.objects.create(
        city=city, code="trash", name="Trash/Rubbish", department=department, target_days=5
    )
    _key, raw = api_key_create(city=city, name="Fault test app")
    return {
        "city_slug": city.slug,
        "jurisdiction_id": city.jurisdiction_id,
        "service_code": service_type.code,
        "api_key": raw,
    }


def inspect() -> dict[str, Any]:
    from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest, SubmissionKey
    from civicdesk.notifications.models import OutboxMessage

    events: dict[int, list[str]] = defaultdict(list)
    for case_id, kind in CaseEvent.objects.order_by("pk").values_list("case_id", "kind"):
        events[case_id].append(kind)
    mail = Counter(OutboxMessage.objects.values_list("case_id", flat=True))
    keys = {
        case_id: key.removeprefix("key:")
        for case_id, key in SubmissionKey.objects.filter(key__startswith="key:").values_list("case_id", "key")
    }
    cases = [
        {
            "reference": case.reference,
            "description": case.description,
            "idempotency_key": keys.get(case.pk, ""),
            "events": events.get(case.pk, []),
            "created_events": events.get(case.pk, []).count(EventKind.CREATED),
            "outbox": mail.get(case.pk, 0),
        }
        for case in ServiceRequest.objects.select_related("city").order_by("pk")
    ]
    statuses = Counter(OutboxMessage.objects.values_list("status", flat=True))
    return {"cases": cases, "outbox_statuses": dict(statuses)}


def run(database_url: str, command: str) -> dict[str, Any]:
    """``seed`` or ``inspect`` on ``database_url``, in a process of its own."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ops.fault_data", command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"fault_data {command} failed:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps({"seed": seed, "inspect": inspect}[sys.argv[1]]()))
