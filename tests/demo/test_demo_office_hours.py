"""The demo's animal services keep office hours, so its live "calls held over to the next
business day" measure (seed 003: goal < 5%, Independence's first quarter 15%) reads like a
city's figure, not the 67% it read when the demo worked its calls at any hour of the night.

A call is taken up on its business day (``core.business_days``: the next one for a call
after closing, at a weekend or on a holiday), after a wait; one still waiting at closing time
is held over to the next morning. The demo's other departments are unchanged.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import Counter

import pytest

from civicdesk.cases.models import ServiceRequest
from civicdesk.core import clock
from civicdesk.core.business_days import BusinessCalendar
from civicdesk.demo import loader
from civicdesk.demo.catalogue import CATALOGUES
from civicdesk.performance.measures.base import first_event, is_worked
from civicdesk.performance.periods import business_calendar_for

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
HOURS = BusinessCalendar()  # 8:00-17:00, Monday to Friday, the federal holidays


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CENTRAL)


def test_every_citys_animal_department_keeps_office_hours_and_no_other_does() -> None:
    keeping = {(slug, d.code) for slug, c in CATALOGUES.items() for d in c.departments if d.office_hours}
    assert {code for _slug, code in keeping} == {"animal-services", "animal-control"}
    assert {slug for slug, _code in keeping} == set(CATALOGUES)


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


@pytest.mark.django_db
def test_the_demos_animal_calls_held_over_read_like_a_citys_figure() -> None:
    """Four weeks of the demo at full volume, on a fixed day so that every run draws the
    same cases: about 120 animal calls across the five cities, each judged as the live measure
    judges it (worked before closing time on its business day, or held over).

    Between 5% and 30%: with some 120 calls and a true share near 16% the figure is 16% ± 7
    (two standard deviations), so 5%-30% holds it while telling it apart from a demo that
    holds over none (0%, below the goal no city met) and from the old one's 67%."""
    now = at(2026, 12, 4, 18, 0)
    with clock.frozen_at(now):
        loader.load_demo(days=28, scale=1.0, today=now.date())
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
