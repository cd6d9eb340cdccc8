"""The demo's work is done by someone.

- Workers go to each city's busiest departments: Independence's "CD-NEIGHBORHOOD SERV" (seed
  004's second busiest, a department of its own beside "CD-NEIGHBORHOOD SERVICES") has its
  worker, who works its cases in the history and finds them in *My department*.

The demo is loaded once for the module, inside a transaction rolled back at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from civicdesk.accounts.models import User
from civicdesk.cases.models import ServiceRequest
from civicdesk.demo import logins
from civicdesk.demo.catalogue import CATALOGUES
from civicdesk.demo.loader import DemoSummary, load_demo
from civicdesk.demo.staff import STAFF

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock(), transaction.atomic():
        summary = load_demo(days=14, scale=0.4)
        yield summary
        transaction.set_rollback(True)


def test_no_department_busier_than_one_with_a_demo_worker_is_left_without_one() -> None:
    for slug, catalogue in CATALOGUES.items():
        shares: Counter[str] = Counter()
        for offer in catalogue.offers:
            if offer.department:
                shares[offer.department] += offer.share
        staffed = {s.department for s in STAFF if s.city == slug and s.role == "worker"}
        assert staffed, slug
        quietest_staffed = min(shares[d] for d in staffed)
        unstaffed = sorted(d for d, share in shares.items() if share > quietest_staffed and d not in staffed)
        assert unstaffed == [], f"{slug}: busier than a staffed department, and no worker: {unstaffed}"


def test_independence_s_neighborhood_serv_has_a_worker_among_the_printed_logins() -> None:
    accounts = {username: can_do for username, _password, can_do in logins()}
    assert accounts["ind-worker3"].startswith("Independence worker, CD-NEIGHBORHOOD SERV:")
    assert accounts["ind-worker"].startswith("Independence worker, CD-NEIGHBORHOOD SERVICES:")


def test_neighborhood_serv_cases_are_worked_by_its_worker_and_listed_in_their_department(
    demo: DemoSummary, client: Client
) -> None:
    worker = User.objects.get(username="ind-worker3")
    assert worker.department is not None and worker.department.name == "CD-NEIGHBORHOOD SERV"
    cases = ServiceRequest.objects.filter(city__slug="independence", department=worker.department)
    assert cases.exists()
    # In the replayed history the department's cases were taken by its own worker.
    assert set(cases.exclude(assignee=None).values_list("assignee__username", flat=True)) == {"ind-worker3"}

    client.force_login(worker)
    page = client.get("/console/?queue=department").content.decode()
    listed = [case for case in cases.exclude(status="closed").order_by("-opened_at")[:5]]
    assert listed, "no open case of the department to look for"
    for case in listed:
        assert case.reference in page, case.reference
