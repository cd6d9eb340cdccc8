"""The cross-city console pages read their input through forms: a mistake is said in the
person's words, next to what they typed, and nothing is written; a person without the
right is refused before their form is read."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils.html import escape

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services, transfers
from civicdesk.cases.models import CaseTransfer, ServiceRequest, TransferStatus
from civicdesk.catalog.models import AgreementStatus, ServiceAgreement, ServiceType
from civicdesk.catalog.services import agreement_accept, agreement_propose
from civicdesk.core import clock
from civicdesk.tenants.models import City, Department
from civicdesk.tenants.services import city_today
from tests.conftest import INSIDE
from tests.pages.form_errors_html import assert_told_as_every_form, read_error_page

pytestmark = pytest.mark.django_db

CONSOLE = Path(__file__).resolve().parents[2] / "civicdesk" / "console"


@pytest.fixture
def supervisors(staff: Any) -> dict[str, User]:
    return {slug: staff(slug, Role.SUPERVISOR) for slug in ("independence", "raytown")}


@pytest.fixture
def case(pothole: dict[str, ServiceType]) -> ServiceRequest:
    lat, lng = INSIDE["independence"]
    return services.case_create(service_type=pothole["independence"], lat=lat, lng=lng, description="Hole at the line")


@pytest.fixture
def admins(staff: Any) -> dict[str, User]:
    return {slug: staff(slug, Role.CITY_ADMIN) for slug in ("independence", "blue-springs")}


@pytest.fixture
def shelter(cities: dict[str, City], make_department: Any) -> Department:
    return make_department(cities["blue-springs"], "Regional Animal Shelter")


@pytest.fixture
def stray(cities: dict[str, City], make_service_type: Any) -> ServiceType:
    return make_service_type(cities["independence"], "stray-animal", name="Stray animal")


def page(response: Any) -> str:
    return str(response.content.decode())


# --- hand-offs ---------------------------------------------------------------------------------


def test_a_transfer_without_a_city_says_so_and_keeps_the_reason(
    client: Any, case: ServiceRequest, supervisors: dict[str, User]
) -> None:
    client.force_login(supervisors["independence"])
    url = f"/console/cases/independence/{case.number}/transfer/"
    response = client.post(url, {"to_city": "", "reason": "Raytown maintains this road"})
    assert response.status_code == 400
    body = page(response)
    assert "Choose the member city that should take the case." in body
    assert "Raytown maintains this road</textarea>" in body
    assert not CaseTransfer.objects.exists()


def test_a_transfer_to_a_city_not_offered_is_refused_and_the_chosen_city_stays_chosen(
    client: Any, case: ServiceRequest, supervisors: dict[str, User], cities: dict[str, City]
) -> None:
    client.force_login(supervisors["independence"])
    url = f"/console/cases/independence/{case.number}/transfer/"
    for not_offered in (cities["independence"].pk, 999_999, "Raytown"):
        response = client.post(url, {"to_city": not_offered, "reason": "Theirs"})
        assert response.status_code == 400
        assert "Choose one of the member cities offered." in page(response)
    # A city offered, but no reason: the city chosen is still chosen.
    raytown = cities["raytown"]
    response = client.post(url, {"to_city": raytown.pk, "reason": "   "})
    assert response.status_code == 400
    body = page(response)
    assert escape("Say why the case is not your city's: the other city reads it.") in body
    assert f'<option value="{raytown.pk}" selected>Raytown</option>' in body
    assert not CaseTransfer.objects.exists()


def test_refusing_a_transfer_without_a_reason_shows_the_transfers_page_with_the_mistake(
    client: Any, case: ServiceRequest, supervisors: dict[str, User], cities: dict[str, City]
) -> None:
    transfer = transfers.case_transfer(
        case=case, actor=supervisors["independence"], to_city=cities["raytown"], reason="Raytown's road"
    )
    client.force_login(supervisors["raytown"])
    response = client.post(f"/console/transfers/{transfer.pk}/refuse/", {"reason": " "})
    assert response.status_code == 400
    assert escape("Say why your city does not take the case: the other city reads it.") in page(response)
    too_long = "It is yours. " * 800
    response = client.post(f"/console/transfers/{transfer.pk}/refuse/", {"reason": too_long})
    assert response.status_code == 400
    body = page(response)
    assert "Reason to refuse:" in body and "at most 10000 characters" in body
    assert f'value="{too_long}"' in body  # what was typed, to shorten
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING


def test_someone_who_may_not_decide_a_transfer_is_refused_before_their_form_is_read(
    client: Any, case: ServiceRequest, supervisors: dict[str, User], cities: dict[str, City], staff: Any
) -> None:
    transfer = transfers.case_transfer(
        case=case, actor=supervisors["independence"], to_city=cities["raytown"], reason="Raytown's road"
    )
    # The asking city's staff see the transfer, but only the receiving city decides it.
    client.force_login(supervisors["independence"])
    response = client.post(f"/console/transfers/{transfer.pk}/refuse/", {"reason": ""})
    assert response.status_code == 403
    assert "Only staff of Raytown can accept or refuse this transfer." in page(response)
    investigator = staff("raytown", Role.INVESTIGATOR)
    client.force_login(investigator)
    assert client.post(f"/console/transfers/{transfer.pk}/accept/").status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING


# --- shared-service agreements ------------------------------------------------------------------


def test_a_proposal_with_mistakes_names_each_and_keeps_everything_typed(
    client: Any, admins: dict[str, User], shelter: Department, stray: ServiceType
) -> None:
    client.force_login(admins["independence"])
    response = client.post(
        "/console/agreements/",
        {"provider_department": shelter.pk, "starts_on": "03/31/2026x", "billing_note": "$40 per case"},
    )
    assert response.status_code == 400
    body = page(response)
    assert "Choose at least one of your city&#x27;s problem types." in body
    assert "Give the date as year-month-day, e.g. 2026-03-31." in body
    assert f'<option value="{shelter.pk}" selected>Blue Springs: Regional Animal Shelter</option>' in body
    assert 'value="03/31/2026x"' in body and "$40 per case</textarea>" in body
    assert not ServiceAgreement.objects.exists()


def test_a_proposal_ending_before_it_starts_or_naming_another_citys_types_is_refused(
    client: Any, admins: dict[str, User], shelter: Department, stray: ServiceType, make_service_type: Any
) -> None:
    client.force_login(admins["independence"])
    response = client.post(
        "/console/agreements/",
        {
            "provider_department": shelter.pk,
            "service_types": [stray.pk],
            "starts_on": "2026-03-01",
            "ends_on": "2026-02-01",
        },
    )
    assert response.status_code == 400
    assert "The last day cannot be before the first." in page(response)
    assert f'<option value="{stray.pk}" selected>Stray animal</option>' in page(response)
    theirs = make_service_type(shelter.city, "stray-animal", name="Stray animal")
    response = client.post(
        "/console/agreements/",
        {"provider_department": shelter.pk, "service_types": [theirs.pk], "starts_on": "2026-03-01"},
    )
    assert response.status_code == 400
    assert "Choose among your city&#x27;s problem types offered in the list." in page(response)
    # Its own department is not another city's.
    own = Department.objects.filter(city=stray.city).first()
    assert own is not None
    response = client.post(
        "/console/agreements/",
        {"provider_department": own.pk, "service_types": [stray.pk], "starts_on": "2026-03-01"},
    )
    assert response.status_code == 400
    assert "Choose one of the departments offered" in page(response)
    assert not ServiceAgreement.objects.exists()


def test_only_a_city_administrator_may_propose_even_with_a_form_full_of_mistakes(
    client: Any, staff: Any, shelter: Department
) -> None:
    client.force_login(staff("independence", Role.SUPERVISOR))
    response = client.post("/console/agreements/", {"provider_department": shelter.pk})
    assert response.status_code == 403
    assert "Only a city administrator can propose a shared-service agreement." in page(response)
    page_for_supervisor = page(client.get("/console/agreements/"))
    assert "Propose: another city works some of our types" not in page_for_supervisor


def test_ending_an_agreement_on_a_mistyped_day_keeps_it_active_and_says_why(
    client: Any, admins: dict[str, User], shelter: Department, stray: ServiceType
) -> None:
    proposed = agreement_propose(
        actor=admins["independence"],
        provider_department=shelter,
        service_types=[stray],
        starts_on=clock.now().date() - dt.timedelta(days=30),
    )
    agreement = agreement_accept(agreement=proposed, actor=admins["blue-springs"])
    client.force_login(admins["independence"])
    response = client.post(f"/console/agreements/{agreement.pk}/end/", {"last_day": "next friday"})
    assert response.status_code == 400
    body = page(response)
    assert "Last day: Give the date as year-month-day, e.g. 2026-03-31." in body
    assert 'value="next friday"' in body
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.ends_on is None
    # Left empty, it ends today on the client city's clock.
    response = client.post(f"/console/agreements/{agreement.pk}/end/", {"last_day": ""})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ENDED and agreement.ends_on == city_today(agreement.client_city)


def test_billing_counts_for_a_mistyped_period_say_so_and_show_the_month_so_far(
    client: Any, admins: dict[str, User], shelter: Department, stray: ServiceType
) -> None:
    proposed = agreement_propose(
        actor=admins["independence"], provider_department=shelter, service_types=[stray], starts_on=clock.now().date()
    )
    agreement = agreement_accept(agreement=proposed, actor=admins["blue-springs"])
    client.force_login(admins["blue-springs"])
    url = f"/console/agreements/{agreement.pk}/billing/"
    response = client.get(url, {"from": "2026-13-01", "to": "2026-01-31", "format": "csv"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    body = page(response)
    assert "These counts are for the default period." in body
    assert "From: Give the date as year-month-day" in body
    today = clock.now().astimezone(agreement.client_city.tz).date()
    assert f'value="{today.replace(day=1):%Y-%m-%d}"' in body
    response = client.get(url, {"from": "2026-02-01", "to": "2026-01-31"})
    assert response.status_code == 400
    assert "To: The end date is before the start date." in page(response)


# --- no import cycle ---------------------------------------------------------------------------


def _console_imports(module: str) -> set[str]:
    tree = ast.parse((CONSOLE / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.startswith("civicdesk.console")}


def test_the_collaborative_pages_and_the_case_pages_do_not_import_each_other() -> None:
    assert "civicdesk.console.views" not in _console_imports("collaborative")
    assert "civicdesk.console.views" not in _console_imports("common")
    assert "civicdesk.console.collaborative" not in _console_imports("common")


# --- every mistake told as every form tells it (civicdesk/core/forms.py) ---------------------


def test_a_refused_transfer_is_summed_up_at_the_top_linked_to_its_box_which_is_invalid(
    client: Any, case: ServiceRequest, supervisors: dict[str, User], cities: dict[str, City]
) -> None:
    client.force_login(supervisors["independence"])
    url = f"/console/cases/independence/{case.number}/transfer/"
    response = client.post(url, {"to_city": cities["raytown"].pk, "reason": "  "})
    assert response.status_code == 400
    told = assert_told_as_every_form(page(response), field="transfer-reason", says="Say why the case is not your")
    assert told.links == ["transfer-reason"] and "transfer-to_city" not in told.invalid
    response = client.post(url, {"to_city": "", "reason": "Theirs"}, HTTP_ACCEPT_LANGUAGE="es")
    told = assert_told_as_every_form(page(response), field="transfer-to_city", says="Elija la ciudad miembro")
    assert "No se cambió nada:" in told.summary_text and told.title.startswith("Error: ")


def test_a_refusal_without_a_reason_on_the_transfers_page_is_summed_up_and_focused(
    client: Any, case: ServiceRequest, supervisors: dict[str, User], cities: dict[str, City]
) -> None:
    transfer = transfers.case_transfer(
        case=case, actor=supervisors["independence"], to_city=cities["raytown"], reason="Raytown's road"
    )
    client.force_login(supervisors["raytown"])
    response = client.post(f"/console/transfers/{transfer.pk}/refuse/", {"reason": " "})
    assert_told_as_every_form(page(response), field=f"reason-{transfer.pk}", says="Say why your city does not take")


def test_ending_an_agreement_on_a_mistyped_day_is_summed_up_and_the_billing_period_too(
    client: Any, admins: dict[str, User], shelter: Department, stray: ServiceType
) -> None:
    proposed = agreement_propose(
        actor=admins["independence"],
        provider_department=shelter,
        service_types=[stray],
        starts_on=clock.now().date() - dt.timedelta(days=30),
    )
    agreement = agreement_accept(agreement=proposed, actor=admins["blue-springs"])
    client.force_login(admins["independence"])
    response = client.post(f"/console/agreements/{agreement.pk}/end/", {"last_day": "next friday"})
    assert_told_as_every_form(page(response), field=f"last-{agreement.pk}", says="Give the date as year-month-day")
    response = client.get(f"/console/agreements/{agreement.pk}/billing/", {"from": "2026-13-01"})
    told = assert_told_as_every_form(page(response), field="b-from", says="Give the date as year-month-day")
    assert "From: Give the date" in told.summary_text
    response = client.get(f"/console/agreements/{agreement.pk}/billing/", {"from": "2026-02-01", "to": "2026-01-31"})
    assert_told_as_every_form(page(response), field="b-to", says="The end date is before the start date.")
    # A period typed right: no summary, no "Error: ".
    fine = read_error_page(page(client.get(f"/console/agreements/{agreement.pk}/billing/", {"from": "2026-01-01"})))
    assert not fine.summary_id and not fine.invalid and not fine.title.startswith("Error")
