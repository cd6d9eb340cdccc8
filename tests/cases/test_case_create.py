"""case_create: the one door every report comes through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import Channel, Status
from civicdesk.core import clock
from civicdesk.core.errors import OutsideServiceArea
from tests.cases.helpers import events_of, fresh
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

ST_LOUIS = (38.6270, -90.1994)


def test_cases_are_numbered_per_city_from_1001(report, raytown, make_service_type):
    first, second = report(), report()
    assert (first.reference, second.reference) == ("IND-1001", "IND-1002")
    raytown_trash = make_service_type(raytown, "trash")
    lat, lng = INSIDE["raytown"]
    elsewhere = services.case_create(service_type=raytown_trash, lat=lat, lng=lng)
    assert elsewhere.number == 1001
    assert elsewhere.reference.endswith("-1001") and elsewhere.city == raytown
    assert report().reference == "IND-1003"


def test_the_due_date_is_the_types_target_days_after_opening(report, trash):
    opened = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    with clock.frozen_at(opened):
        case = report()
    assert case.opened_at == opened
    assert fresh(case).due_at == opened + dt.timedelta(days=trash.target_days)


def test_a_type_without_target_days_has_no_due_date(report, independence, make_service_type):
    untimed = make_service_type(independence, target_days=None)
    assert fresh(report(service_type=untimed)).due_at is None


def test_the_department_comes_from_the_type_and_the_district_from_the_point(report, trash, independence):
    case = fresh(report())
    assert case.department == trash.department
    assert case.city == independence
    assert case.district is not None and case.district.city == independence
    assert case.status == Status.NEW


def test_a_type_without_a_department_waits_in_triage(report, independence, make_service_type, outbox):
    triage = make_service_type(independence, department=None)
    case = fresh(report(service_type=triage))
    assert case.department is None and case.assignee is None and case.status == Status.NEW
    # Only the resident hears of it: there is no department to tell.
    assert [m.to for m in outbox()] == [["resident@example.org"]]


def test_a_type_whose_department_is_inactive_waits_in_triage(report, independence, make_service_type, make_department):
    closed_down = make_department(independence, active=False)
    case = fresh(report(service_type=make_service_type(independence, department=closed_down)))
    assert case.department is None


def test_a_point_in_raytown_goes_to_raytown_with_raytowns_type_of_the_same_code(report, raytown, make_service_type):
    raytown_trash = make_service_type(raytown, "trash", name="Rubbish")
    lat, lng = INSIDE["raytown"]
    case = fresh(report(lat=lat, lng=lng))
    assert case.city == raytown
    assert case.service_type == raytown_trash
    assert case.department == raytown_trash.department
    assert case.reference == f"{raytown.case_prefix}-1001"
    assert case.district is None or case.district.city == raytown


def test_a_point_in_raytown_with_a_type_raytown_lacks_is_refused_clearly(report, raytown):
    lat, lng = INSIDE["raytown"]
    with pytest.raises(ValidationError) as err:
        report(lat=lat, lng=lng)
    message = err.value.message_dict["service_type"][0]
    assert "Raytown" in message and "Trash/Rubbish" in message


def test_a_point_outside_every_member_city_is_outside_the_service_area(report):
    with pytest.raises(OutsideServiceArea, match="This place is not inside"):
        report(lat=ST_LOUIS[0], lng=ST_LOUIS[1])


@pytest.mark.parametrize("lat,lng", [(39.0855, None), (None, -94.3520)])
def test_half_a_point_is_refused(report, lat, lng):
    with pytest.raises(ValidationError, match="both latitude and longitude"):
        report(lat=lat, lng=lng)


def test_coordinates_that_are_not_numbers_are_refused_clearly(report):
    with pytest.raises(ValidationError, match="number"):
        report(lat="north", lng="-94.35")


def test_coordinates_given_as_text_are_stored_as_numbers(report):
    lat, lng = INSIDE["independence"]
    case = fresh(report(lat=str(lat), lng=str(lng)))
    assert (case.lat, case.lng) == (lat, lng)


def test_without_a_point_the_city_is_the_types_and_an_address_is_needed(report, independence):
    case = report(lat=None, lng=None, address="223 N Memorial Dr")
    assert case.city == independence and case.district is None
    with pytest.raises(ValidationError):
        report(lat=None, lng=None, address="", description="")


def test_a_bad_email_is_refused_in_the_residents_words(report):
    with pytest.raises(ValidationError) as err:
        report(reporter_email="not-an-address")
    assert err.value.message_dict["reporter_email"] == ["not-an-address is not an email address."]


@pytest.mark.parametrize("field,value", [("channel", "carrier-pigeon"), ("priority", "whenever")])
def test_an_unknown_channel_or_priority_is_refused(report, field, value):
    with pytest.raises(ValidationError) as err:
        report(**{field: value})
    assert value in err.value.message_dict[field][0]


def test_an_inactive_type_is_no_longer_offered(report, trash):
    trash.active = False
    trash.save()
    with pytest.raises(ValidationError, match="no longer offered"):
        report()


def test_a_description_longer_than_the_limit_is_refused(report):
    report(description="x" * services.MAX_DESCRIPTION)
    with pytest.raises(ValidationError, match="longer than 10,000 characters"):
        report(description="x" * (services.MAX_DESCRIPTION + 1))


def test_nul_bytes_are_removed_from_text(report):
    # PostgreSQL refuses NUL in text; a resident's form or an old system may still send one.
    case = fresh(
        report(
            description="sofa\x00 on curb",
            address="1\x00 Main St",
            reporter_name="A\x00n",
            reporter_phone="816\x00",
            external_id="X\x001",
        )
    )
    assert (case.description, case.address, case.reporter_name) == ("sofa on curb", "1 Main St", "An")
    assert (case.reporter_phone, case.external_id) == ("816", "X1")


def test_emoji_and_right_to_left_text_round_trip(report):
    text = "🛋️ كنبة مهملة على الرصيف — sofa on the curb 🚮 שלום"
    case = fresh(report(description=text, reporter_name="مريم"))
    assert case.description == text
    assert case.reporter_name == "مريم"


def test_an_anonymous_report_is_accepted(report, outbox):
    case = fresh(report(reporter_email="", reporter_name="", reporter_phone=""))
    assert case.pk and case.reporter_email == ""
    # The department still hears of it; nobody else is written to.
    assert [m.to for m in outbox()] == [["neighborhood@independence.test"]]


def test_staff_entry_records_who_entered_it(report, independence, make_staff):
    call_taker = make_staff(independence, Role.CALL_TAKER)
    case = report(actor=call_taker, channel=Channel.PHONE)
    assert fresh(case).created_by == call_taker
    assert events_of(case)[0].actor == call_taker


def test_staff_of_another_member_city_create_the_case_for_the_city_of_the_point(report, raytown_supervisor):
    # Call takers take calls for the whole collaborative (docs/collaborative.md).
    case = report(actor=raytown_supervisor)
    assert case.city.slug == "independence" and case.created_by == raytown_supervisor
    assert case.events.get().changes["entered_from_city"] == [None, "Raytown"]


def test_a_regional_administrator_cannot_create_a_case(report, regional_admin):
    with pytest.raises(PermissionDenied):
        report(actor=regional_admin)


def test_a_failed_create_takes_no_number(report):
    with pytest.raises(ValidationError):
        report(reporter_email="nope")
    assert report().reference == "IND-1001"


def test_imported_cases_are_marked_and_email_nobody(report, outbox):
    case = fresh(report(channel=Channel.IMPORT, external_id="legacy-1"))
    assert case.is_imported and case.external_id == "legacy-1"
    assert outbox() == []


def test_across_the_line_the_same_code_wins_over_the_same_name(report, raytown, make_service_type):
    same_name = make_service_type(raytown, "rubbish", name="Trash/Rubbish")
    same_code = make_service_type(raytown, "trash", name="Solid waste")
    lat, lng = INSIDE["raytown"]
    case = fresh(report(lat=lat, lng=lng))
    assert case.service_type == same_code != same_name


def test_across_the_line_an_inactive_type_of_the_same_code_is_not_used(report, raytown, make_service_type):
    make_service_type(raytown, "trash", name="Solid waste", active=False)
    lat, lng = INSIDE["raytown"]
    with pytest.raises(ValidationError, match="takes no “Trash/Rubbish” reports"):
        report(lat=lat, lng=lng)


def test_a_confidential_report_is_numbered_like_any_other(report, independence, make_service_type):
    fraud = make_service_type(independence, "fraud", is_confidential=True)
    assert report(service_type=fraud).reference == "IND-1001"
