"""A type whose target counts business days ("within 2 business days"): a case is due at
closing time on the last of them, counted from the day after the report, on the city's
business calendar (the one its business-day dashboard measures count). Every way a case is
opened, re-typed or imported gives the same due date; calendar-day types are unchanged; the
target is worded as the city writes it, in English and Spanish."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.bulk import CityRules
from civicdesk.cases.invariants import route
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.targets import due_at, target_words
from civicdesk.core import clock
from civicdesk.core.business_days import BusinessCalendar
from civicdesk.history.pipeline import cases_import
from civicdesk.history.readers import read_files
from civicdesk.notifications import messages
from civicdesk.notifications.models import OutboxMessage
from civicdesk.performance.models import DashboardSettings
from civicdesk.performance.periods import business_calendar_for
from civicdesk.tenants import selectors
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")

FRIDAY_EVENING = dt.datetime(2026, 12, 4, 18, 30, tzinfo=CHICAGO)
FRIDAY_MORNING = dt.datetime(2026, 12, 4, 9, 15, tzinfo=CHICAGO)
TUESDAY_CLOSING = dt.datetime(2026, 12, 8, 17, 0, tzinfo=CHICAGO)
BEFORE_THANKSGIVING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=CHICAGO)  # a Wednesday
THURSDAY = dt.datetime(2026, 12, 3, 14, 0, tzinfo=CHICAGO)


@pytest.fixture
def codes(independence: City, make_department: Callable[..., Department]) -> Department:
    return make_department(independence, "Neighborhood Services", email="codes@independence.test")


@pytest.fixture
def inspection(independence: City, codes: Department, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    """Worked by inspectors who keep office hours: 2 business days."""
    return make_service_type(
        independence, "inspection", name="Inspection", department=codes, target_days=2, target_in_business_days=True
    )


@pytest.fixture
def pothole(independence: City, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    """Streets answer round the clock: 2 calendar days."""
    return make_service_type(independence, "pothole", name="Pothole", target_days=2)


def file(service_type: ServiceType, at: dt.datetime, **kw: Any) -> ServiceRequest:
    lat, lng = INSIDE[service_type.city.slug]
    kw.setdefault("reporter_email", "resident@example.org")
    with clock.frozen_at(at):
        return services.case_create(
            service_type=service_type, lat=lat, lng=lng, description="Look at it", opened_at=at, **kw
        )


def test_a_friday_evening_report_is_due_at_closing_time_on_tuesday(inspection: ServiceType) -> None:
    case = file(inspection, FRIDAY_EVENING)
    assert case.due_at == TUESDAY_CLOSING
    assert ServiceRequest.objects.get(pk=case.pk).due_at == TUESDAY_CLOSING  # as stored


def test_the_hour_of_the_report_does_not_count_a_friday_morning_one_is_due_tuesday_too(
    inspection: ServiceType,
) -> None:
    assert file(inspection, FRIDAY_MORNING).due_at == TUESDAY_CLOSING


def test_thanksgiving_is_not_a_business_day(inspection: ServiceType) -> None:
    # Thursday is Thanksgiving; Friday is the 1st business day, Monday the 2nd.
    case = file(inspection, BEFORE_THANKSGIVING)
    assert case.due_at == dt.datetime(2026, 11, 30, 17, 0, tzinfo=CHICAGO)


def test_the_citys_own_closed_days_and_closing_time_count_as_for_its_dashboard(
    independence: City, inspection: ServiceType
) -> None:
    DashboardSettings.objects.create(
        city=independence, business_day_closes=dt.time(16, 30), other_closed_days="2026-11-27\n"
    )
    # The day after Thanksgiving closed too: Monday is the 1st business day, Tuesday the 2nd.
    case = file(inspection, BEFORE_THANKSGIVING)
    assert case.due_at == dt.datetime(2026, 12, 1, 16, 30, tzinfo=CHICAGO)


def test_a_city_without_settings_has_one_default_calendar_for_its_due_dates_and_its_dashboard(
    independence: City,
) -> None:
    """No dashboard settings: the due dates and the dashboard read the same default calendar
    (8:00–17:00 Monday to Friday on the city's clock, the federal holidays closed)."""
    assert not DashboardSettings.objects.filter(city=independence).exists()
    default = selectors.default_business_calendar(independence)
    assert selectors.business_calendar(independence) == business_calendar_for(independence) == default
    assert default == BusinessCalendar(timezone=independence.timezone)


def test_a_calendar_day_type_is_unchanged(pothole: ServiceType) -> None:
    case = file(pothole, FRIDAY_EVENING)
    assert case.due_at == FRIDAY_EVENING + dt.timedelta(days=2)  # Sunday evening
    assert due_at(pothole, BEFORE_THANKSGIVING) == dt.datetime(2026, 11, 27, 10, 0, tzinfo=CHICAGO)


def test_changing_the_type_counts_the_new_types_business_days_from_the_opening(
    independence: City, pothole: ServiceType, inspection: ServiceType, make_staff: Callable[..., User]
) -> None:
    supervisor = make_staff(independence, Role.SUPERVISOR)
    case = file(pothole, FRIDAY_EVENING)
    with clock.frozen_at(FRIDAY_EVENING + dt.timedelta(hours=1)):
        case = services.case_change_type(case=case, actor=supervisor, service_type=inspection)
    assert ServiceRequest.objects.get(pk=case.pk).due_at == TUESDAY_CLOSING


def test_route_and_the_batch_rules_agree(independence: City, inspection: ServiceType, pothole: ServiceType) -> None:
    rules = CityRules(independence)
    point = INSIDE["independence"]
    moments = [FRIDAY_EVENING, FRIDAY_MORNING, BEFORE_THANKSGIVING, THURSDAY]
    moments += [dt.datetime(2026, 12, 31, 23, 59, tzinfo=CHICAGO), dt.datetime(2027, 1, 2, 5, 0, tzinfo=dt.UTC)]
    for service_type in (inspection, pothole):
        for opened in moments:
            routed = route(service_type=service_type, point=point, opened_at=opened)
            assert routed.due_at == rules.due_at(service_type, opened), (service_type.code, opened)


def test_an_imported_case_gets_the_due_date_a_new_case_gets(
    independence: City, inspection: ServiceType, tmp_path: Path
) -> None:
    lat, lng = INSIDE["independence"]
    data = tmp_path / "cases.csv"
    data.write_text(f"Ticket,Problem,Opened,Y,X\nI-1,inspection,2026-12-04 18:30,{lat},{lng}\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns: {external_id: Ticket, service_type: Problem, opened_at: Opened, lat: Y, lng: X}\n"
        'date_formats: ["%Y-%m-%d %H:%M"]\ntimezone: America/Chicago\n',
        encoding="utf-8",
    )
    report = cases_import(
        city=independence, rows=read_files("csv", [data], tz=independence.tz, mapping_path=mapping), on_bad_row=print
    )
    assert report.imported == 1
    imported = ServiceRequest.objects.get(city=independence, external_id="I-1")
    assert imported.due_at == TUESDAY_CLOSING == file(inspection, FRIDAY_EVENING).due_at


def test_the_calendar_counts_the_days_after_the_report_and_ends_at_closing_time() -> None:
    calendar = BusinessCalendar(timezone="America/Chicago")
    assert calendar.end_of_business_days(FRIDAY_EVENING, 2) == TUESDAY_CLOSING
    # A report on Saturday: Monday and Tuesday.
    assert calendar.end_of_business_days(dt.datetime(2026, 12, 5, 11, tzinfo=CHICAGO), 2) == TUESDAY_CLOSING
    # New Year's Day 2027 is a Friday: 1 business day from New Year's Eve ends on Monday.
    assert calendar.end_of_business_days(dt.datetime(2026, 12, 31, 20, tzinfo=CHICAGO), 1) == dt.datetime(
        2027, 1, 4, 17, tzinfo=CHICAGO
    )


# --- The target in words ------------------------------------------------------------------


@pytest.fixture
def three_days(independence: City, codes: Department, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(
        independence, "rental", name="Rental complaint", department=codes, target_days=3, target_in_business_days=True
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_tracking_page_and_the_acknowledgement_say_business_days_in_english(
    three_days: ServiceType, client: Client
) -> None:
    case = file(three_days, THURSDAY, language="en")
    assert case.due_at == dt.datetime(2026, 12, 8, 17, tzinfo=CHICAGO)
    with clock.frozen_at(THURSDAY):
        page = client.get(reverse("portal:track", args=[case.tracking_token]), HTTP_ACCEPT_LANGUAGE="en")
    said = "We aim to deal with it within 3 business days (by Tuesday, December 8, 2026)"
    assert said in _flat(page.content.decode())
    email = OutboxMessage.objects.get(case_id=case.pk, kind="case_created")
    assert said in _flat(email.body_text)
    assert said in _flat(email.body_html)


def test_the_tracking_page_and_the_acknowledgement_say_business_days_in_spanish(
    three_days: ServiceType, client: Client
) -> None:
    case = file(three_days, THURSDAY, language="es")
    with clock.frozen_at(THURSDAY):
        page = client.get(reverse("portal:track", args=[case.tracking_token]), HTTP_ACCEPT_LANGUAGE="es")
    said = "Procuraremos atenderlo en un plazo de 3 días hábiles (a más tardar el martes 8 de diciembre de 2026)"
    assert said in _flat(page.content.decode())
    assert said in _flat(OutboxMessage.objects.get(case_id=case.pk, kind="case_created").body_text)


def test_an_acknowledgement_without_an_estimate_gives_the_target_in_business_days(three_days: ServiceType) -> None:
    english = file(three_days, THURSDAY, language="en")
    spanish = file(three_days, THURSDAY, language="es")
    (to_english,) = [e for e in messages.case_created_prepare(english).emails if e.kind == "case_created"]
    (to_spanish,) = [e for e in messages.case_created_prepare(spanish).emails if e.kind == "case_created"]
    assert "We aim to deal with it within 3 business days (by Tuesday, December 8, 2026)." in _flat(
        to_english.body_text
    )
    assert "en un plazo de 3 días hábiles (a más tardar el martes 8 de diciembre de 2026)." in _flat(
        to_spanish.body_text
    )


def test_a_case_opened_before_its_type_counted_business_days_is_said_by_its_own_date(
    independence: City, codes: Department, make_service_type: Callable[..., ServiceType], client: Client
) -> None:
    """Opened under a 10-day target, due 10 calendar days later; the type is then switched to
    10 business days. The case keeps its date, so its words do not say "within 10 business
    days" of a calendar-day date: the tracking page and the acknowledgement say "by" it."""
    rental = make_service_type(independence, "rental", name="Rental complaint", department=codes, target_days=10)
    english, spanish = file(rental, THURSDAY, language="en"), file(rental, THURSDAY, language="es")
    assert english.due_at == dt.datetime(2026, 12, 13, 14, tzinfo=CHICAGO)
    rental.target_in_business_days = True
    rental.save()

    def said(case: ServiceRequest, language: str) -> str:
        case.refresh_from_db()
        with clock.frozen_at(THURSDAY):
            page = client.get(reverse("portal:track", args=[case.tracking_token]), HTTP_ACCEPT_LANGUAGE=language)
        (email,) = [e for e in messages.case_created_prepare(case).emails if e.kind == "case_created"]
        return _flat(page.content.decode()) + " | " + _flat(email.body_text) + " | " + _flat(email.body_html)

    # The page says it with the estimate's wording, the acknowledgement (text and HTML) without.
    in_english = said(english, "en")
    assert in_english.count("We aim to deal with it by Sunday, December 13, 2026, the target for this type") == 1
    assert in_english.count("by Sunday, December 13, 2026") + in_english.count("by</th><td>Sunday, December 13") == 3
    assert "business day" not in in_english
    in_spanish = said(spanish, "es")
    assert in_spanish.count("domingo 13 de diciembre de 2026") == 3
    assert in_spanish.count("Procuraremos atenderlo a más tardar el") == 3
    assert "hábiles" not in in_spanish
    # A case opened after the switch is due 10 business days on, and is told so.
    later = file(rental, THURSDAY, language="en")
    assert said(later, "en").count("within 10 business days (by Thursday, December 17, 2026)") == 3


def test_a_calendar_day_types_acknowledgement_reads_as_before(pothole: ServiceType) -> None:
    case = file(pothole, THURSDAY, language="en")
    body = _flat(OutboxMessage.objects.get(case_id=case.pk, kind="case_created").body_text)
    assert "We aim to deal with it by Saturday, December 5, 2026, the target for this type" in body
    assert "business" not in body


def test_the_console_shows_the_target_in_business_days(
    independence: City, three_days: ServiceType, pothole: ServiceType, make_staff: Callable[..., User], client: Client
) -> None:
    client.force_login(make_staff(independence, Role.SUPERVISOR))
    case = file(three_days, THURSDAY)
    other = file(pothole, THURSDAY)

    def page(url: str, language: str = "en") -> str:
        # A week later: both are past due.
        with clock.frozen_at(THURSDAY + dt.timedelta(days=7)):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        return response.content.decode()

    url = reverse("console:case", args=[independence.slug, case.number])
    assert "(target 3 business days)" in page(url)
    assert "(plazo de 3 días hábiles)" in page(url, "es")
    assert "(target 2 days)" in page(reverse("console:case", args=[independence.slug, other.number]))
    # The overdue list gives each case's target as written.
    overdue = page(reverse("console:overdue"))
    # Each cell carries its column's name, which a phone shows before it (the list as cards).
    assert '<td data-label="Target">3 business days</td>' in overdue
    assert '<td data-label="Target">2 days</td>' in overdue


def test_the_admins_list_of_types_shows_the_target_as_written(
    independence: City, three_days: ServiceType, pothole: ServiceType, make_staff: Callable[..., User], client: Client
) -> None:
    client.force_login(make_staff(independence, Role.CITY_ADMIN, is_staff=True))
    page = client.get(reverse("admin:catalog_servicetype_changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 business days" in page and "2 days" in page
    form = client.get(reverse("admin:catalog_servicetype_change", args=[three_days.pk])).content.decode()
    assert 'name="target_in_business_days"' in form


def test_target_words() -> None:
    assert target_words(ServiceType(target_days=1, target_in_business_days=True)) == "1 business day"
    assert target_words(ServiceType(target_days=10)) == "10 days"
    assert target_words(ServiceType(target_days=None, target_in_business_days=True)) == ""
