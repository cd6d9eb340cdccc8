"""The demo's departments that keep office hours work and close their cases only then.

Animal services take up a call on its business day (``core.business_days``: the next one for
a call after closing, at a weekend or on a holiday), after a wait; one still waiting at
closing time is held over to the next morning. So the live "calls held over to the next
business day" measure (seed 003: goal < 5%, Independence's first quarter 15%) reads like a
city's figure, not the 67% it read when the demo worked its calls at any hour of the night.

Code enforcement (the departments whose types count their targets in business days, and
Grandview's, which has none) inspects, notes, closes and reopens only in office hours on a
business day, on the city's clock: never a property inspection closed at 2 a.m. on Christmas
Day. The demo's other departments still work at any hour.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q

from civicdesk.cases.models import CaseEvent, Channel, EventKind, ServiceRequest
from civicdesk.core import clock
from civicdesk.core.business_days import BusinessCalendar
from civicdesk.demo import loader
from civicdesk.demo.catalogue import CATALOGUES, PROBLEMS
from civicdesk.performance.measures.base import first_event, is_worked
from civicdesk.performance.periods import business_calendar_for
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import business_calendar

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
HOURS = BusinessCalendar()  # 8:00-17:00, Monday to Friday, the federal holidays


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CENTRAL)


def test_every_citys_animal_department_and_no_other_takes_up_calls_the_same_day() -> None:
    same_day = {(slug, d.code) for slug, c in CATALOGUES.items() for d in c.departments if d.same_day_calls}
    assert {code for _slug, code in same_day} == {"animal-services", "animal-control"}
    assert {slug for slug, _code in same_day} == set(CATALOGUES)
    assert all(d.office_hours for c in CATALOGUES.values() for d in c.departments if d.same_day_calls)


def test_every_citys_code_enforcement_keeps_office_hours() -> None:
    """By the rule (a type whose target counts business days) or marked, as Grandview's is."""
    for slug, catalogue in CATALOGUES.items():
        counting = {o.department for o in catalogue.offers if PROBLEMS[o.problem].target_in_business_days}
        marked = {d.code for d in catalogue.departments if d.office_hours}
        enforcing = {o.department for o in catalogue.offers if PROBLEMS[o.problem].group == "Code enforcement"}
        assert enforcing and enforcing <= counting | marked, slug


def test_a_step_outside_office_hours_waits_for_the_next_business_morning() -> None:
    christmas_night = at(2026, 12, 25, 2, 0)  # a Friday, a federal holiday
    moved = loader._in_office_hours(HOURS, christmas_night).astimezone(CENTRAL)
    assert moved.date() == dt.date(2026, 12, 28) and dt.time(8) <= moved.time() < dt.time(11)
    # A city's own closed day (the day after Thanksgiving) counts as one.
    own = BusinessCalendar(other_closed_days=frozenset({dt.date(2026, 11, 27)}))
    moved = loader._in_office_hours(own, at(2026, 11, 26, 18, 30)).astimezone(CENTRAL)
    assert moved.date() == dt.date(2026, 11, 30)
    # Early on a business day: later that morning, never earlier than the moment.
    moved = loader._in_office_hours(HOURS, at(2026, 12, 3, 7, 50)).astimezone(CENTRAL)
    assert moved.date() == dt.date(2026, 12, 3) and at(2026, 12, 3, 8, 0) <= moved < at(2026, 12, 3, 11, 0)
    # Offices open for two hours only: still inside them.
    short = BusinessCalendar(opens=dt.time(9), closes=dt.time(11))
    moved = loader._in_office_hours(short, at(2026, 12, 3, 23, 59)).astimezone(CENTRAL)
    assert moved.date() == dt.date(2026, 12, 4) and dt.time(9) <= moved.time() < dt.time(11)


def test_office_time_counts_only_the_hours_the_offices_are_open() -> None:
    assert HOURS.add_office_time(at(2026, 12, 3, 10, 0), dt.timedelta(hours=2)) == at(2026, 12, 3, 12, 0)
    assert HOURS.add_office_time(at(2026, 12, 4, 16, 0), dt.timedelta(hours=2)) == at(2026, 12, 7, 9, 0)  # Fri→Mon
    assert HOURS.add_office_time(at(2026, 12, 5, 23, 0), dt.timedelta(minutes=30)) == at(2026, 12, 7, 8, 30)
    # The Wednesday before Thanksgiving: an hour from 16:30 ends on Friday morning.
    assert HOURS.add_office_time(at(2026, 11, 25, 16, 30), dt.timedelta(hours=1)) == at(2026, 11, 27, 8, 30)
    # Two whole business days from before opening on Thursday: not at closing time on Friday
    # (the offices are closed then) but at opening on Monday.
    assert HOURS.add_office_time(at(2026, 12, 3, 6, 0), dt.timedelta(hours=18)) == at(2026, 12, 7, 8, 0)


def test_code_enforcement_inspects_in_office_hours_four_in_five_reports_within_five_days() -> None:
    """The demo's own hours and weekdays of reports, eight weeks of them."""
    rng, own = random.Random(5), random.Random(6)
    within = reports = 0
    for offset in range(56):
        day = dt.date(2026, 10, 5) + dt.timedelta(days=offset)
        for _ in range(round(20 * loader.WEEKDAY_FACTOR[day.weekday()])):
            hour = rng.choices(range(24), weights=loader.HOUR_WEIGHTS)[0]
            report = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=CENTRAL)
            inspected = loader._inspection(HOURS, report, own)
            local = inspected.astimezone(CENTRAL)
            assert inspected > report and HOURS.is_office_hours(inspected)
            assert local.time() >= dt.time(8, 10)  # assigned at the desk first, in office hours
            within += inspected - report <= dt.timedelta(days=5)
            reports += 1
    assert 0.74 <= within / reports <= 0.88


def test_office_hours_are_from_opening_up_to_closing_on_a_business_day() -> None:
    assert HOURS.is_office_hours(at(2026, 12, 3, 8, 0))
    assert HOURS.is_office_hours(at(2026, 12, 3, 16, 59))
    assert not HOURS.is_office_hours(at(2026, 12, 3, 17, 0))
    assert not HOURS.is_office_hours(at(2026, 12, 3, 7, 59))
    assert not HOURS.is_office_hours(at(2026, 12, 5, 10, 0))  # Saturday
    assert not HOURS.is_office_hours(at(2026, 11, 26, 10, 0))  # Thanksgiving
    assert HOURS.is_office_hours(at(2026, 12, 3, 15, 0).astimezone(dt.UTC))  # 21:00 UTC


@pytest.mark.parametrize(
    ("call", "business_day"),
    [
        (at(2026, 12, 3, 10, 15), dt.date(2026, 12, 3)),  # a Thursday morning: that day
        (at(2026, 12, 3, 21, 6), dt.date(2026, 12, 4)),  # Thursday evening: Friday
        (at(2026, 12, 4, 18, 0), dt.date(2026, 12, 7)),  # Friday evening: Monday
        (at(2026, 12, 5, 11, 0), dt.date(2026, 12, 7)),  # Saturday: Monday
        (at(2026, 11, 26, 9, 0), dt.date(2026, 11, 27)),  # Thanksgiving: the Friday after
    ],
)
def test_a_call_is_taken_up_in_office_hours_on_its_business_day_or_the_morning_after(
    call: dt.datetime, business_day: dt.date
) -> None:
    for seed in range(200):
        taken = loader._first_response(HOURS, call, random.Random(seed)).astimezone(CENTRAL)
        assert taken > call
        assert taken.date() in (business_day, HOURS.next_business_day(business_day))
        assert dt.time(8) <= taken.time() < dt.time(17)


def test_a_moment_outside_office_hours_moves_to_the_next_business_morning_never_earlier() -> None:
    assert loader._in_office_hours(HOURS, at(2026, 12, 3, 10, 0)) == at(2026, 12, 3, 10, 0)
    assert loader._in_office_hours(None, at(2026, 12, 5, 3, 0)) == at(2026, 12, 5, 3, 0)
    for moment in (at(2026, 12, 3, 17, 0), at(2026, 12, 4, 23, 59), at(2026, 12, 6, 7, 0), at(2026, 12, 7, 6, 0)):
        moved = loader._in_office_hours(HOURS, moment).astimezone(CENTRAL)
        assert moved >= moment and moved.weekday() < 5 and dt.time(8) <= moved.time() < dt.time(17)


def test_over_many_calls_about_one_in_six_is_held_over() -> None:
    """The demo's own hours and weekdays of calls, five weeks of them: the share held over
    lands near the 15% of seed 003 (the model's own figure is about 16%)."""
    rng, own = random.Random(3), random.Random(4)
    held = calls = 0
    for offset in range(35):
        day = dt.date(2026, 10, 5) + dt.timedelta(days=offset)
        for _ in range(round(40 * loader.WEEKDAY_FACTOR[day.weekday()])):
            hour = rng.choices(range(24), weights=loader.HOUR_WEIGHTS)[0]
            call = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=CENTRAL)
            taken = loader._first_response(HOURS, call, own)
            held += taken >= HOURS.closing_time(HOURS.business_day_of(call))
            calls += 1
    assert 0.12 <= held / calls <= 0.20


def test_staff_enter_a_case_in_office_hours_the_next_business_morning_or_the_last_hour_before() -> None:
    end = at(2026, 12, 4, 18, 0)  # Friday evening: now
    assert loader._staff_moment(HOURS, at(2026, 12, 3, 10, 0), end) == at(2026, 12, 3, 10, 0)
    # Thanksgiving, a Saturday night, before opening: the next business morning.
    for moment, morning in (
        (at(2026, 11, 26, 14, 0), dt.date(2026, 11, 27)),
        (at(2026, 11, 28, 23, 30), dt.date(2026, 11, 30)),
        (at(2026, 12, 2, 6, 45), dt.date(2026, 12, 2)),
    ):
        entered = loader._staff_moment(HOURS, moment, end).astimezone(CENTRAL)
        assert entered > moment and entered.date() == morning and HOURS.is_office_hours(entered)
    # Drawn after the last closing time before now (a Saturday morning), whose next business
    # morning has not come: the last office hour before it, that Friday's.
    saturday = at(2026, 12, 5, 9, 0)
    for moment in (at(2026, 12, 4, 17, 20), at(2026, 12, 5, 6, 5)):
        entered = loader._staff_moment(HOURS, moment, saturday)
        assert entered < moment and HOURS.is_office_hours(entered)
        assert entered.astimezone(CENTRAL).date() == dt.date(2026, 12, 4)
    # Before opening on a business day: the day before's last hour.
    entered = loader._staff_moment(HOURS, at(2026, 12, 4, 6, 5), at(2026, 12, 4, 7, 0)).astimezone(CENTRAL)
    assert entered.date() == dt.date(2026, 12, 3) and HOURS.is_office_hours(entered)


# Four weeks of the demo at full volume, on a fixed day so that every run draws the same cases:
# they take in Veterans Day (Wednesday, November 11) and Thanksgiving (Thursday, November 26).
NOW = at(2026, 12, 4, 18, 0)


@pytest.fixture(scope="module")
def four_weeks(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        with clock.frozen_at(NOW):
            loader.load_demo(days=28, scale=1.0, today=NOW.date())
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demos_animal_calls_held_over_read_like_a_citys_figure(four_weeks: None) -> None:
    """About 120 animal calls across the five cities, each judged as the live measure judges
    it (worked before closing time on its business day, or held over).

    Between 5% and 30%: with some 120 calls and a true share near 16% the figure is 16% ± 7
    (two standard deviations), so 5%-30% holds it while telling it apart from a demo that
    holds over none (0%, below the goal no city met) and from the old one's 67%."""
    now = NOW
    outcome: Counter[str] = Counter()
    calls = ServiceRequest.objects.filter(service_type__code__startswith="animal-").select_related("city")
    for case in calls:
        hours = business_calendar_for(case.city)
        deadline = hours.closing_time(hours.business_day_of(case.opened_at))
        worked = first_event(case, is_worked)
        if worked is not None and worked.at < deadline:
            outcome["met"] += 1
        elif worked is not None or now >= deadline:
            outcome["held over"] += 1
    decided = outcome["met"] + outcome["held over"]
    assert decided >= 80
    assert 0.05 <= outcome["held over"] / decided <= 0.30, outcome


@pytest.mark.django_db
def test_code_enforcement_and_animal_services_act_and_close_only_in_office_hours(four_weeks: None) -> None:
    """Every step staff take on a case of these departments after it was reported (assigning,
    "in progress", notes, photos, a change of type, closing, reopening) falls in office hours
    on a business day of the case's city, on its own clock. A resident reports at any hour."""
    kept = Q(case__service_type__group__in=("Code enforcement", "Animals")) | Q(
        case__service_type__target_in_business_days=True
    )
    outside: list[str] = []
    steps: Counter[str] = Counter()
    for city in City.objects.all():
        hours = business_calendar(city)
        events = CaseEvent.objects.filter(kept, case__city=city, actor__isnull=False).exclude(kind=EventKind.CREATED)
        for kind, moment, code in events.values_list("kind", "at", "case__service_type__code"):
            local = moment.astimezone(hours.tz)
            steps[kind] += 1
            if not (hours.is_business_day(local.date()) and hours.opens <= local.time() < hours.closes):
                outside.append(f"{city.slug} {code} {kind} {local:%a %Y-%m-%d %H:%M}")
    assert steps[EventKind.CLOSED] > 300 and steps[EventKind.STATUS_CHANGED] > 300, steps
    assert steps[EventKind.PUBLIC_NOTE] and steps[EventKind.INTERNAL_NOTE] and steps[EventKind.ASSIGNED], steps
    assert not outside, f"{len(outside)} steps outside office hours, e.g. {outside[:5]}"


@pytest.mark.django_db
def test_staff_enter_cases_only_in_office_hours_on_their_citys_business_days(four_weeks: None) -> None:
    """An officer's investigation, a phone call and a walk-in are entered by staff (the
    supervisor, the call-taker): each opened in office hours on a business day of its city, on
    its own clock, though residents report on the web, the app and by email at any hour."""
    staff_entered = ServiceRequest.objects.filter(
        Q(service_type__code="ce-proactive-investigation") | Q(channel__in=(Channel.PHONE, Channel.WALK_IN))
    ).select_related("city", "service_type")
    outside: list[str] = []
    kinds: Counter[str] = Counter()
    for case in staff_entered:
        hours = business_calendar(case.city)
        kinds["investigation" if case.service_type.code == "ce-proactive-investigation" else case.channel] += 1
        if not hours.is_office_hours(case.opened_at):
            outside.append(
                f"{case.city.slug} {case.number} {case.channel} {case.opened_at.astimezone(hours.tz):%a %Y-%m-%d %H:%M}"
            )
        created = case.events.get(kind=EventKind.CREATED)
        assert created.actor is not None and created.at == case.opened_at
    assert kinds["investigation"] >= 20 and kinds[Channel.PHONE] >= 300 and kinds[Channel.WALK_IN] >= 50, kinds
    assert not outside, f"{len(outside)} cases entered by staff outside office hours, e.g. {outside[:5]}"
    # The residents' own channels keep their hours: some come in at night, at weekends, on holidays.
    residents = ServiceRequest.objects.filter(channel__in=(Channel.WEB, Channel.MOBILE, Channel.EMAIL))
    assert any(not business_calendar_for(c.city).is_office_hours(c.opened_at) for c in residents.select_related("city"))


@pytest.mark.django_db
def test_a_code_case_reported_on_thanksgiving_is_first_worked_on_a_later_business_day(four_weeks: None) -> None:
    reported = ServiceRequest.objects.filter(
        service_type__group="Code enforcement", opened_at__gte=at(2026, 11, 26), opened_at__lt=at(2026, 11, 27)
    ).prefetch_related("events")
    assert len(reported) >= 10
    for case in reported:
        for event in case.events.all():
            if event.actor_id is not None and event.kind != EventKind.CREATED:
                assert event.at.astimezone(CENTRAL).date() >= dt.date(2026, 11, 27), (case.number, event.kind)
