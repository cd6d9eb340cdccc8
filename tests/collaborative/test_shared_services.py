"""Shared-service agreements: Blue Springs's shelter works Independence's animal cases.
The cases stay Independence's; Blue Springs's staff see and work those cases and nothing
else of Independence; a third city sees nothing; counts per period for billing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.cases import selectors, services
from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.cases.sharing import agreement_billing
from civicdesk.catalog.models import AgreementStatus, ServiceAgreement, ServiceType
from civicdesk.catalog.services import (
    agreement_accept,
    agreement_decline,
    agreement_end,
    agreement_propose,
)
from civicdesk.core import clock
from civicdesk.core.errors import PermissionDenied
from civicdesk.tenants.models import City, Department
from civicdesk.tenants.services import city_today
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelter(cities: dict[str, City], make_department: Any) -> Department:
    return make_department(cities["blue-springs"], "Regional Animal Shelter", email="shelter@bluesprings.test")


@pytest.fixture
def stray(cities: dict[str, City], make_service_type: Any) -> ServiceType:
    return make_service_type(cities["independence"], "stray-animal", name="Stray animal")


@pytest.fixture
def admins(staff: Any) -> dict[str, User]:
    return {slug: staff(slug, Role.CITY_ADMIN) for slug in ("independence", "blue-springs", "raytown")}


@pytest.fixture
def agreement(admins: dict[str, User], shelter: Department, stray: ServiceType) -> ServiceAgreement:
    proposed = agreement_propose(
        actor=admins["independence"],
        provider_department=shelter,
        service_types=[stray],
        starts_on=clock.now().date() - dt.timedelta(days=30),
        billing_note="$40 per case, invoiced quarterly",
    )
    return agreement_accept(agreement=proposed, actor=admins["blue-springs"])


def report(service_type: ServiceType, text: str = "A loose dog") -> ServiceRequest:
    lat, lng = INSIDE["independence"]
    return services.case_create(
        service_type=service_type, lat=lat, lng=lng, description=text, reporter_email="rita@example.org"
    )


def test_the_client_admin_proposes_and_only_the_provider_admin_accepts(
    admins: dict[str, User], staff: Any, shelter: Department, stray: ServiceType
) -> None:
    start = clock.now().date()
    with pytest.raises(PermissionDenied):
        agreement_propose(
            actor=staff("independence", Role.SUPERVISOR),
            provider_department=shelter,
            service_types=[stray],
            starts_on=start,
        )
    proposed = agreement_propose(
        actor=admins["independence"], provider_department=shelter, service_types=[stray], starts_on=start
    )
    assert proposed.status == AgreementStatus.PROPOSED
    assert (proposed.client_city.slug, proposed.provider_city.slug) == ("independence", "blue-springs")
    for wrong in (admins["independence"], admins["raytown"], staff("blue-springs", Role.SUPERVISOR)):
        with pytest.raises(PermissionDenied):
            agreement_accept(agreement=proposed, actor=wrong)
    # While only proposed, cases go to Independence's own department.
    assert report(stray).department == stray.department
    assert agreement_accept(agreement=proposed, actor=admins["blue-springs"]).status == AgreementStatus.ACTIVE


def test_a_proposal_names_the_clients_own_types_and_another_citys_department(
    admins: dict[str, User], cities: dict[str, City], make_department: Any, make_service_type: Any, stray: ServiceType
) -> None:
    from django.core.exceptions import ValidationError

    own = make_department(cities["independence"])
    with pytest.raises(ValidationError, match="another member city"):
        agreement_propose(
            actor=admins["independence"], provider_department=own, service_types=[stray], starts_on=clock.now().date()
        )
    raytown_type = make_service_type(cities["raytown"], "stray-animal")
    shelter = make_department(cities["blue-springs"])
    with pytest.raises(ValidationError, match="Not types of Independence"):
        agreement_propose(
            actor=admins["independence"],
            provider_department=shelter,
            service_types=[raytown_type],
            starts_on=clock.now().date(),
        )


def test_a_declined_proposal_routes_nothing(admins: dict[str, User], shelter: Department, stray: ServiceType) -> None:
    proposed = agreement_propose(
        actor=admins["independence"], provider_department=shelter, service_types=[stray], starts_on=clock.now().date()
    )
    agreement_decline(agreement=proposed, actor=admins["blue-springs"])
    assert report(stray).department == stray.department


def test_under_an_active_agreement_new_cases_are_the_clients_and_go_to_the_providers_department(
    agreement: ServiceAgreement, cities: dict[str, City], shelter: Department, stray: ServiceType, outbox: Any
) -> None:
    case = report(stray)
    assert case.city == cities["independence"] and case.reference.startswith("IND-")
    assert case.department == shelter
    assert case in selectors.public_case_list(city=cities["independence"])
    assert any(m.to == ["shelter@bluesprings.test"] for m in outbox())


def test_provider_staff_see_and_work_only_the_agreed_cases_and_the_client_still_sees_them(
    agreement: ServiceAgreement, staff: Any, shelter: Department, stray: ServiceType, trash: ServiceType
) -> None:
    agreed = report(stray)
    other = report(trash, "Old sofa")
    bs_worker = staff("blue-springs", Role.WORKER, department=shelter)
    bs_supervisor = staff("blue-springs", Role.SUPERVISOR, department=shelter)
    ind_worker = staff("independence", Role.WORKER)
    raytown_supervisor = staff("raytown", Role.SUPERVISOR)

    assert list(selectors.case_list_for_staff(user=bs_worker)) == [agreed]
    assert list(selectors.case_queue(user=bs_worker, queue="department")) == [agreed]
    assert set(selectors.case_list_for_staff(user=ind_worker)) == {agreed, other}
    assert not selectors.case_list_for_staff(user=raytown_supervisor).exists()

    services.case_assign(case=agreed, actor=bs_supervisor, assignee=bs_worker)
    services.case_add_note(case=agreed, actor=bs_worker, text="Dog picked up, at the shelter", public=False)
    services.case_add_note(case=agreed, actor=ind_worker, text="The owner called us", public=False)
    # Both cities working the case read its whole timeline, internal notes included.
    for reader in (bs_worker, ind_worker):
        texts = [e.text for e in selectors.case_timeline(user=reader, case=agreed)]
        assert "Dog picked up, at the shelter" in texts and "The owner called us" in texts
    services.case_close(case=agreed, actor=bs_worker, note="Returned to its owner")
    agreed.refresh_from_db()
    assert (agreed.status, agreed.assignee, agreed.city.slug) == (Status.CLOSED, bs_worker, "independence")

    # The rest of Independence stays private to Blue Springs; Raytown reaches nothing.
    for refused in (
        lambda: services.case_add_note(case=other, actor=bs_worker, text="x", public=False),
        lambda: services.case_assign(case=other, actor=bs_supervisor, assignee=bs_worker),
        lambda: services.case_add_note(case=agreed, actor=raytown_supervisor, text="x", public=False),
        lambda: selectors.case_timeline(user=raytown_supervisor, case=agreed),
        # The type is the client's catalogue: the provider does not re-type it.
        lambda: services.case_change_type(case=agreed, actor=bs_supervisor, service_type=trash),
    ):
        with pytest.raises(PermissionDenied):
            refused()


def test_the_console_shows_the_agreed_case_to_the_provider_and_no_other_case_to_anyone_else(
    client: Any, agreement: ServiceAgreement, staff: Any, shelter: Department, stray: ServiceType, trash: ServiceType
) -> None:
    agreed, other = report(stray), report(trash, "Old sofa")
    client.force_login(staff("blue-springs", Role.WORKER, department=shelter))
    page = client.get(f"/console/cases/independence/{agreed.number}/")
    assert page.status_code == 200 and agreed.reference in page.content.decode()
    assert 'name="text"' in page.content.decode()  # the note form: they work it
    assert client.get(f"/console/cases/independence/{other.number}/").status_code == 404
    home = client.get("/console/?queue=all").content.decode()
    assert agreed.reference in home and other.reference not in home
    client.force_login(staff("raytown", Role.SUPERVISOR))
    assert client.get(f"/console/cases/independence/{agreed.number}/").status_code == 404


def test_after_an_agreement_ends_new_cases_go_home_and_open_ones_stay_with_the_provider(
    agreement: ServiceAgreement, admins: dict[str, User], shelter: Department, stray: ServiceType, staff: Any
) -> None:
    before = report(stray)
    # Ended yesterday on Independence's clock (the agreement's days are its client city's).
    yesterday = city_today(agreement.client_city) - dt.timedelta(days=1)
    agreement_end(agreement=agreement, actor=admins["independence"], last_day=yesterday)
    after = report(stray)
    assert (before.department, after.department) == (shelter, stray.department)
    assert before in selectors.case_list_for_staff(user=staff("blue-springs", Role.WORKER))


def test_billing_counts_the_cases_opened_and_closed_under_the_agreement_in_a_period(
    client: Any,
    agreement: ServiceAgreement,
    admins: dict[str, User],
    stray: ServiceType,
    trash: ServiceType,
    staff: Any,
) -> None:
    today = clock.now().date()
    with clock.frozen_at(clock.now() - dt.timedelta(days=10)):
        old = report(stray)
    for _ in range(2):
        report(stray)
    report(trash)  # not under the agreement
    services.case_close(case=old, actor=staff("blue-springs", Role.WORKER), note="Done")

    [row] = agreement_billing(agreement=agreement, first_day=today - dt.timedelta(days=3), last_day=today)
    assert (row.service_type, row.opened, row.closed) == ("Stray animal", 2, 1)
    [row] = agreement_billing(agreement=agreement, first_day=today - dt.timedelta(days=20), last_day=today)
    assert (row.opened, row.closed) == (3, 1)

    for admin in (admins["independence"], admins["blue-springs"]):
        client.force_login(admin)
        url = f"/console/agreements/{agreement.pk}/billing/?from={today - dt.timedelta(days=20)}&to={today}"
        assert ">3<" in client.get(url).content.decode()
        response = client.get(url + "&format=csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert response["Content-Type"].startswith("text/csv")
        assert rows == [
            {
                "client_city": "Independence",
                "provider_city": "Blue Springs",
                "provider_department": "Regional Animal Shelter",
                "service_type": "Stray animal",
                "from": str(today - dt.timedelta(days=20)),
                "to": str(today),
                "opened": "3",
                "closed": "1",
            }
        ]
    client.force_login(admins["raytown"])
    assert client.get(f"/console/agreements/{agreement.pk}/billing/").status_code == 404


def test_the_agreements_page_lets_the_two_admins_propose_and_accept(
    client: Any, admins: dict[str, User], shelter: Department, stray: ServiceType
) -> None:
    client.force_login(admins["independence"])
    response = client.post(
        "/console/agreements/",
        {
            "provider_department": shelter.pk,
            "service_types": [stray.pk],
            "starts_on": "2026-01-01",
            "billing_note": "per case",
        },
    )
    assert response.status_code == 302
    agreement = ServiceAgreement.objects.get()
    assert agreement.status == AgreementStatus.PROPOSED
    # The client's admin cannot accept their own proposal.
    client.post(f"/console/agreements/{agreement.pk}/accept/")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.PROPOSED
    client.force_login(admins["blue-springs"])
    assert "Regional Animal Shelter (Blue Springs)" in client.get("/console/agreements/").content.decode()
    client.post(f"/console/agreements/{agreement.pk}/accept/")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.decided_by == admins["blue-springs"]
    client.force_login(admins["raytown"])
    # Another city's agreements are not listed to Raytown (its department is offered to propose one).
    assert "Regional Animal Shelter (Blue Springs)" not in client.get("/console/agreements/").content.decode()
