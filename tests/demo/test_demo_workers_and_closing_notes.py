"""The demo's work is done by someone, and closed with words that fit it.

- Workers go to each city's busiest departments: Independence's "CD-NEIGHBORHOOD SERV" (seed
  004's second busiest, a department of its own beside "CD-NEIGHBORHOOD SERVICES") has its
  worker, who works its cases in the history and finds them in *My department*.
- A canned response tied to a type, and a resolved case's closing note, are one the demo's
  table (``texts.CLOSING_NOTES_BY_TYPE``) says fits that type.

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
from civicdesk.cases.models import Resolution, ServiceRequest
from civicdesk.catalog.models import CannedResponse
from civicdesk.demo import loader, logins, texts
from civicdesk.demo.catalogue import CATALOGUES, PROBLEMS
from civicdesk.demo.loader import REGION_SLUG, DemoSummary, load_demo
from civicdesk.demo.staff import STAFF
from civicdesk.tenants.models import City

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


def test_the_closing_notes_table_names_only_real_problems_and_every_note_fits_some() -> None:
    for note, codes in texts.CLOSING_NOTES_BY_TYPE.items():
        assert codes, note
        assert set(codes) <= set(PROBLEMS), (note, set(codes) - set(PROBLEMS))


def test_every_canned_response_tied_to_a_type_fits_that_type(demo: DemoSummary) -> None:
    tied = CannedResponse.objects.filter(city__region__slug=REGION_SLUG, service_type__isnull=False)
    assert tied.exists()
    misfits = [
        (r.city.slug, r.service_type.code, r.text)
        for r in tied.select_related("city", "service_type")
        if r.service_type.code not in texts.CLOSING_NOTES_BY_TYPE.get(r.text, ())
    ]
    assert misfits == []
    # Each type is offered every note that fits it, and street lights only get their bulbs.
    for service_type_code, city_slug in [("street-light-out", "independence"), ("pothole", "raytown")]:
        offered = set(
            tied.filter(city__slug=city_slug, service_type__code=service_type_code).values_list("text", flat=True)
        )
        assert offered == set(texts.closing_notes_for(service_type_code)), service_type_code
    bulbs = tied.filter(text="Bulb and photocell replaced.").values_list("service_type__code", flat=True)
    assert set(bulbs) == {"street-light-out"}


def test_the_history_closes_resolved_cases_with_notes_that_fit_their_type(demo: DemoSummary) -> None:
    resolved = ServiceRequest.objects.filter(
        city__region__slug=REGION_SLUG, resolution=Resolution.RESOLVED
    ).select_related("service_type")
    assert resolved.exists()
    for case in resolved:
        fits = texts.closing_notes_for(case.service_type.code) or texts.GENERAL_CLOSING_NOTES
        assert case.closing_note in fits, (case.reference, case.service_type.code, case.closing_note)


def test_a_demo_loaded_with_misfitting_canned_responses_is_refitted_on_the_next_load(demo: DemoSummary) -> None:
    independence = City.objects.get(slug="independence")
    sign = independence.service_types.get(code="traffic-sign")
    with transaction.atomic():
        CannedResponse.objects.create(
            city=independence,
            service_type=sign,
            title="Bulb and photocell replaced",
            text="Bulb and photocell replaced.",
        )
        CannedResponse.objects.filter(city=independence, service_type=sign, text="Sign replaced.").delete()
        load_demo()
        offered = set(CannedResponse.objects.filter(service_type=sign).values_list("text", flat=True))
        assert offered == {"Sign replaced."}
        assert loader.canned_responses_refit(cities=[independence]) == 0
        transaction.set_rollback(True)
