"""Each computed measure against a hand-built set of cases, with its drill-down (met and missed)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal as D

import pytest

from civicdesk.performance import periods
from civicdesk.performance.models import MeasureValue, MeasureValueEvent, ValueState
from civicdesk.performance.services import measure_compute, measure_value_compute, performance_compute
from tests.performance.conftest import at

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")

pytestmark = pytest.mark.django_db


def q1(city):
    return periods.Period(periods.calendar_for(city), 2018, "quarterly", 1)


def refs(results):
    return sorted(r.case.reference for r in results)


@pytest.fixture
def ce_types(independence, make_service_type):
    return [make_service_type(independence, "ce-trash"), make_service_type(independence, "ce-open-storage")]


def test_code_enforcement_inspected_counts_first_inspection_within_five_days(
    independence, ce_types, book, make_measure, make_service_type
):
    trash, storage = ce_types
    measure = make_measure(
        name="% inspected in 5 days",
        source="computed",
        computation="code_enforcement_inspected",
        service_codes=["ce-trash", "ce-open-storage"],
        target="75",
    )
    # Met: a public note after 2 days.
    noted = book.note(book.open(trash, at("2017-07-03")), at("2017-07-05"))
    # Met at the edge: "in progress" exactly 5 days later.
    edge = book.start(book.open(storage, at("2017-07-10")), at("2017-07-15"))
    # Missed: inspected after 6 days.
    late = book.note(book.open(trash, at("2017-08-01")), at("2017-08-07"))
    # Missed: an internal note is not an inspection update, and nothing else came.
    internal = book.note(book.open(trash, at("2017-09-01")), at("2017-09-02"), public=False)
    # Left out: closed as a duplicate; and a case of another type; and one opened in Q2.
    original = noted
    book.close(book.open(trash, at("2017-07-04")), at("2017-07-04", 10), resolution="duplicate", duplicate_of=original)
    book.note(book.open(make_service_type(independence, "pothole"), at("2017-07-03")), at("2017-07-04"))
    book.open(trash, at("2017-10-01", 0, 5))

    result = measure_compute(measure=measure, period=q1(independence), now=at("2017-10-20"))

    assert refs(result.met) == sorted([noted.reference, edge.reference])
    assert refs(result.missed) == sorted([late.reference, internal.reference])
    assert result.value == D(50)
    assert result.decided == 4


def test_code_enforcement_case_still_within_its_days_is_not_counted_yet(independence, ce_types, book, make_measure):
    measure = make_measure(source="computed", computation="code_enforcement_inspected", service_codes=["ce-trash"])
    fresh = book.open(ce_types[0], at("2017-09-28"))
    result = measure_compute(measure=measure, period=q1(independence), now=at("2017-09-30"))
    assert [r.case.pk for r in result.pending] == [fresh.pk]
    assert result.value is None  # nothing decided: "No data", never 0


def test_animal_calls_held_over_to_the_next_business_day(independence, make_service_type, book, make_measure):
    stray = make_service_type(independence, "animal-stray")
    measure = make_measure(
        source="computed",
        computation="animal_calls_held_over",
        service_codes=["animal-stray"],
        direction="lower",
        target_is_strict=True,
        target="5",
    )
    # Monday 9:00, worked 16:00 the same day: not held over.
    same_day = book.start(book.open(stray, at("2017-07-10", 9)), at("2017-07-10", 16))
    # Monday 16:00, worked Tuesday 8:00: held over (not worked by closing time, 17:00).
    next_day = book.start(book.open(stray, at("2017-07-10", 16)), at("2017-07-11", 8))
    # Saturday: its business day is Monday; worked Monday 10:00: not held over.
    weekend = book.note(book.open(stray, at("2017-07-15", 11)), at("2017-07-17", 10))
    # Friday, closed (referred) the same day: not held over; closing of any kind counts.
    closed = book.close(book.open(stray, at("2017-07-14", 9)), at("2017-07-14", 12), resolution="referred")
    # Never worked: held over once its day ended.
    ignored = book.open(stray, at("2017-07-12", 9))

    result = measure_compute(measure=measure, period=q1(independence), now=at("2017-10-20"))

    assert refs(result.met) == sorted([same_day.reference, weekend.reference, closed.reference])
    assert refs(result.missed) == sorted([next_day.reference, ignored.reference])
    assert result.value == D(40)


def test_median_days_to_close_potholes(independence, make_service_type, book, make_measure):
    pothole = make_service_type(independence, "pothole", target_days=3)
    measure = make_measure(
        source="computed",
        computation="potholes_median_days_to_close",
        service_codes=["pothole"],
        unit="days",
        direction="lower",
        target=str(3 * 86400),
    )
    one = book.close(book.open(pothole, at("2017-07-03")), at("2017-07-04"))
    two = book.close(book.open(pothole, at("2017-07-03")), at("2017-07-05"))
    five = book.close(book.open(pothole, at("2017-07-03")), at("2017-07-08"))
    book.open(pothole, at("2017-07-03"))  # still open: not in a "closed in the period" figure
    # Closed in Q2: not in Q1's figure even though it was reported in Q1.
    book.close(book.open(pothole, at("2017-09-29")), at("2017-10-02"))

    result = measure_compute(measure=measure, period=q1(independence), now=at("2017-10-20"))

    assert result.value == D(2 * 86400)
    assert refs(result.met) == sorted([one.reference, two.reference])
    assert refs(result.missed) == [five.reference]


def test_closed_within_target_counts_open_overdue_cases_as_missed(independence, make_service_type, book, make_measure):
    debris = make_service_type(independence, "street-debris", target_days=2)
    measure = make_measure(source="computed", computation="closed_within_target", service_codes=["street-debris"])
    on_time = book.close(book.open(debris, at("2017-08-01")), at("2017-08-02"))
    late = book.close(book.open(debris, at("2017-08-01")), at("2017-08-04"))
    overdue = book.open(debris, at("2017-08-01"))
    not_due = book.open(debris, at("2017-09-30", 20))

    result = measure_compute(measure=measure, period=q1(independence), now=at("2017-10-01", 12))

    assert refs(result.met) == [on_time.reference]
    assert refs(result.missed) == sorted([late.reference, overdue.reference])
    assert [r.case.pk for r in result.pending] == [not_due.pk]
    assert result.value == D(100) / D(3)


def test_computed_values_are_stored_published_and_recomputed_when_cases_change(
    independence, make_service_type, book, make_measure
):
    pothole = make_service_type(independence, "pothole", target_days=3)
    measure = make_measure(
        source="computed",
        computation="potholes_median_days_to_close",
        service_codes=["pothole"],
        unit="days",
        direction="lower",
    )
    book.close(book.open(pothole, at("2017-07-03")), at("2017-07-04"))
    stored = measure_value_compute(measure=measure, period=q1(independence), now=at("2017-10-20"))
    assert (stored.value, stored.state, stored.case_count) == (D(86400), ValueState.PUBLISHED, 1)
    measure_value_compute(measure=measure, period=q1(independence), now=at("2017-10-21"))
    assert MeasureValueEvent.objects.filter(measure_value=stored).count() == 1  # same figure, no new event

    book.close(book.open(pothole, at("2017-07-03")), at("2017-07-06"))
    stored = measure_value_compute(measure=measure, period=q1(independence), now=at("2017-10-22"))
    assert stored.value == D(2 * 86400)
    assert MeasureValueEvent.objects.filter(measure_value=stored).count() == 2


def test_back_fill_computes_every_period_since_a_date(independence, make_service_type, book, make_measure):
    pothole = make_service_type(independence, "pothole", target_days=3)
    measure = make_measure(
        source="computed",
        computation="potholes_median_days_to_close",
        service_codes=["pothole"],
        unit="days",
        direction="lower",
    )
    book.close(book.open(pothole, at("2017-07-03")), at("2017-07-04"))
    stored = performance_compute(cities=[independence], since=dt.date(2017, 7, 1), now=at("2018-01-15"))
    assert stored == 3  # Q1, Q2 and Q3 of FY2018
    values = {v.period: v.value for v in MeasureValue.objects.filter(measure=measure)}
    assert values == {1: D(86400), 2: None, 3: None}  # no pothole closed: no data, not zero


def test_drill_down_page_lists_met_and_missed_cases_linking_to_public_pages_but_never_confidential_ones(
    client, independence, make_service_type, book, make_measure
):
    pothole = make_service_type(independence, "pothole", target_days=3)
    secret = make_service_type(independence, "secret-pothole", target_days=3)
    measure = make_measure(
        source="computed",
        computation="potholes_median_days_to_close",
        service_codes=["pothole", "secret-pothole"],
        unit="days",
        direction="lower",
    )
    fast = book.close(book.open(pothole, at("2017-07-03")), at("2017-07-04"))
    slow = book.close(book.open(pothole, at("2017-07-03")), at("2017-07-10"))
    hidden = book.close(book.open(secret, at("2017-07-03")), at("2017-07-04"))
    # Staff work confidential reports in their own pages; here the type becomes confidential afterwards.
    type(secret).objects.filter(pk=secret.pk).update(is_confidential=True)

    response = client.get(f"/independence/performance/measures/{measure.pk}/2018-q1/cases/")

    assert response.status_code == 200
    html = response.content.decode()
    met_table = html.split('id="cases-met"')[1].split("</table>")[0]
    missed_table = html.split('id="cases-missed"')[1].split("</table>")[0]
    assert f'href="/independence/requests/{fast.number}/"' in met_table
    assert slow.reference in missed_table and slow.reference not in met_table
    assert hidden.reference not in html
    assert "1 confidential report is counted in the figure but not listed." in html
    assert "FY2018 Q1 (Jul 1 – Sep 30, 2017)" in html


def test_drill_down_with_a_bad_period_says_how_to_write_one(client, independence, make_measure):
    measure = make_measure(source="computed", computation="closed_within_target", service_codes=["x"])
    response = client.get(f"/independence/performance/measures/{measure.pk}/Q1-2018/cases/")
    assert response.status_code == 400
    assert "2018-q1" in response.content.decode()


def test_median_days_drill_down_splits_cases_by_the_measures_target_not_the_types_due_date(
    client, independence, make_service_type, book, make_measure
):
    # The type allows 5 days; the measure's target is a median of at most 3.0 days.
    pothole = make_service_type(independence, "pothole", target_days=5)
    measure = make_measure(
        source="computed",
        computation="potholes_median_days_to_close",
        service_codes=["pothole"],
        unit="days",
        direction="lower",
        decimals=1,
        target=str(3 * 86400),
    )
    quick = book.close(book.open(pothole, at("2017-07-03")), at("2017-07-05"))
    edge = book.close(book.open(pothole, at("2017-07-03", 9)), at("2017-07-06", 9, 30))  # 3.0 days as shown
    over = book.close(book.open(pothole, at("2017-07-03", 9)), at("2017-07-06", 18, 36))  # 3.4 days

    result = measure_compute(measure=measure, period=q1(independence), now=at("2017-10-20"))

    assert refs(result.met) == sorted([quick.reference, edge.reference])
    assert refs(result.missed) == [over.reference]  # within the type's 5 days, over the measure's 3.0
    html = client.get(f"/independence/performance/measures/{measure.pk}/2018-q1/cases/").content.decode()
    met_table = html.split('id="cases-met"')[1].split("</table>")[0]
    missed_table = html.split('id="cases-missed"')[1].split("</table>")[0]
    assert "Within the measure's target (≤ 3.0 days) (2)" in met_table.replace("&#x27;", "'")
    assert "Over the measure's target (≤ 3.0 days) (1)" in missed_table.replace("&#x27;", "'")
    assert over.reference in missed_table and "Closed in 3.4 days" in missed_table


def local(day: str, hour: int, minute: int = 0) -> dt.datetime:
    """A moment on Independence's clock, whatever its offset that day (CDT or CST)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=CHICAGO)


@pytest.fixture
def animal_measure(independence, make_service_type, make_measure):
    make_service_type(independence, "animal-dead")
    return make_measure(
        source="computed",
        computation="animal_calls_held_over",
        service_codes=["animal-dead"],
        direction="lower",
        target_is_strict=True,
        target="5",
        fiscal_year=2027,
    )


def fy2027_q2(city):
    return periods.Period(periods.calendar_for(city), 2027, "quarterly", 2)


def test_a_call_after_closing_on_a_holiday_or_on_a_friday_evening_belongs_to_the_next_business_day(
    independence, animal_measure, book
):
    dead = animal_measure.city.service_types.get(code="animal-dead")
    # Thursday Oct 1, 9:06 p.m., after closing: its business day is Friday; worked Friday 10:00.
    evening = book.start(book.open(dead, local("2026-10-01", 21, 6)), local("2026-10-02", 10))
    # Thanksgiving (Thursday Nov 26): its business day is Friday Nov 27; worked then.
    thanksgiving = book.note(book.open(dead, local("2026-11-26", 11)), local("2026-11-27", 9))
    # Friday Oct 9, 6:30 p.m.: its business day is Monday Oct 12, Columbus Day, so Tuesday Oct 13.
    friday = book.start(book.open(dead, local("2026-10-09", 18, 30)), local("2026-10-13", 16, 59))
    # A call at 4:30 p.m. not worked before 5:00 is held over, though staff worked it at 7:00 p.m.
    late = book.start(book.open(dead, local("2026-10-14", 16, 30)), local("2026-10-14", 19))

    result = measure_compute(measure=animal_measure, period=fy2027_q2(independence), now=local("2026-12-06", 9))

    assert refs(result.met) == sorted([evening.reference, thanksgiving.reference, friday.reference])
    assert refs(result.missed) == [late.reference]
    details = {r.case.reference: r.detail for r in result.results}
    assert details[evening.reference] == "Worked on its business day (Fri Oct 2)"
    assert details[thanksgiving.reference] == "Worked on its business day (Fri Nov 27)"
    assert details[friday.reference] == "Worked on its business day (Tue Oct 13)"
    assert details[late.reference] == "Held over past closing time on Wed Oct 14"


def test_a_city_sets_its_own_office_hours_and_closed_days(independence, animal_measure, book):
    from civicdesk.performance.models import DashboardSettings

    settings, _ = DashboardSettings.objects.get_or_create(city=independence)
    settings.business_day_closes = dt.time(20)
    settings.other_closed_days = "2026-11-27\n"  # the day after Thanksgiving
    settings.full_clean()
    settings.save()
    dead = independence.service_types.get(code="animal-dead")
    # Open until 8 p.m.: a call at 7:00 p.m. belongs to that day, and was not worked by 8:00.
    evening = book.start(book.open(dead, local("2026-10-01", 19)), local("2026-10-02", 9))
    # Thanksgiving and the Friday after are closed: the call's business day is Monday Nov 30.
    holiday = book.note(book.open(dead, local("2026-11-26", 11)), local("2026-11-30", 9))

    result = measure_compute(measure=animal_measure, period=fy2027_q2(independence), now=local("2026-12-06", 9))

    assert refs(result.missed) == [evening.reference]
    assert refs(result.met) == [holiday.reference]
    assert {r.detail for r in result.met} == {"Worked on its business day (Mon Nov 30)"}


def test_the_cases_page_is_in_spanish_how_it_is_measured_and_every_reason(
    client, independence, animal_measure, book, make_service_type, make_measure
):
    dead = independence.service_types.get(code="animal-dead")
    book.start(book.open(dead, local("2026-10-01", 21, 6)), local("2026-10-02", 10))
    book.open(dead, local("2026-10-14", 9))
    client.cookies["django_language"] = "es"

    html = client.get(f"/independence/performance/measures/{animal_measure.pk}/2027-q2/cases/").content.decode()

    assert "Atendida en su día hábil (vie 2 oct)" in html
    assert "Sin atender al cierre del mié 14 oct" in html
    assert "Worked on" not in html and "Held over" not in html
    assert "Of the calls of these types" not in html
    assert "De las llamadas de estos tipos" in html

    pothole = make_service_type(independence, "pothole", target_days=5)
    potholes = make_measure(
        source="computed",
        computation="potholes_median_days_to_close",
        service_codes=["pothole"],
        unit="days",
        direction="lower",
        decimals=1,
        target=str(3 * 86400),
        fiscal_year=2027,
    )
    book.close(book.open(pothole, local("2026-10-05", 9)), local("2026-10-07", 21))
    html = client.get(f"/independence/performance/measures/{potholes.pk}/2027-q2/cases/").content.decode()
    assert "Cerrado en 2.5 días" in html
    assert "Closed in" not in html and "The median time" not in html
