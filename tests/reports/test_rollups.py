"""The roll-ups never disagree with the cases.

After each kind of write the case services make (create, assign to another department,
change type, close, reopen, close again) every tally row equals a count made here, in plain
Python, from the cases as they are; so it does after a rebuild, and after a city changes
its time zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.notifications.outbox import suppressed
from civicdesk.reports import rollups
from civicdesk.reports.models import CaseTally
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")


def expected_tallies(cities: list[City]) -> dict[tuple[Any, ...], dict[str, int]]:
    """Every tally the cases call for, counted from scratch, written independently of rollups.py."""
    out: dict[tuple[Any, ...], Counter[str]] = {}

    def add(key: tuple[Any, ...], **counts: int) -> None:
        out.setdefault(key, Counter()).update(counts)

    for case in ServiceRequest.objects.filter(city__in=cities).select_related("city"):
        tz = zoneinfo.ZoneInfo(case.city.timezone)
        opened = case.opened_at.astimezone(tz).date()
        dims = {
            "all": "",
            "type": str(case.service_type_id),
            "department": str(case.department_id or ""),
            "district": str(case.district_id or ""),
            "channel": case.channel,
            "district_type": f"{case.district_id or ''}:{case.service_type_id}",
        }
        for grain, start in (("D", opened), ("M", opened.replace(day=1))):
            for dim, key in dims.items():
                add((case.city_id, dim, grain, start, key, -1), opened=1)
        if case.closed_at is None:
            continue
        closed = case.closed_at.astimezone(tz).date()
        seconds = (case.closed_at - case.opened_at).total_seconds()
        days = int(seconds // 86400)
        counts = {"closed": 1}
        if case.due_at is not None:
            counts["closed_with_target"] = 1
            counts["closed_on_time"] = int(case.closed_at <= case.due_at)
        for grain, start in (("D", closed), ("M", closed.replace(day=1))):
            for dim in ("all", "type", "department", "district"):
                add((case.city_id, dim, grain, start, dims[dim], days), **counts)
    return {k: {n: v for n, v in c.items() if v} for k, c in out.items()}


def stored_tallies(cities: list[City]) -> dict[tuple[Any, ...], dict[str, int]]:
    stored = {}
    for t in CaseTally.objects.filter(city__in=cities):
        counts = {
            n: getattr(t, n) for n in ("opened", "closed", "closed_on_time", "closed_with_target") if getattr(t, n)
        }
        if counts:
            stored[(t.city_id, t.dimension, t.grain, t.start, t.key, t.days)] = counts
    return stored


def assert_tallies_equal_the_cases(cities: list[City]) -> None:
    assert stored_tallies(cities) == expected_tallies(cities)
    assert rollups.verify() == []


@pytest.fixture
def world(
    cities: dict[str, City],
    make_department: Callable[..., Department],
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
) -> dict[str, Any]:
    city = cities["independence"]
    streets, parks = make_department(city, "Streets"), make_department(city, "Parks")
    return {
        "city": city,
        "other": cities["raytown"],
        "streets": streets,
        "parks": parks,
        "pothole": make_service_type(city, "pothole", name="Pothole", department=streets, target_days=3),
        "tree": make_service_type(city, "tree", name="Tree Down", department=parks, target_days=10),
        "question": make_service_type(city, "question", name="Question", department=None, target_days=None),
        "raytown_trash": make_service_type(cities["raytown"], "trash", name="Trash"),
        "boss": make_staff(city, Role.SUPERVISOR),
        "raytown_boss": make_staff(cities["raytown"], Role.SUPERVISOR),
    }


def create(service_type: ServiceType, at: dt.datetime, *, where: str = "independence", **kw: Any) -> ServiceRequest:
    lat, lng = INSIDE[where]
    with clock.frozen_at(at), suppressed():
        return services.case_create(service_type=service_type, lat=lat, lng=lng, opened_at=at, **kw)


def at(moment: dt.datetime, fn: Callable[..., ServiceRequest], **kw: Any) -> ServiceRequest:
    with clock.frozen_at(moment), suppressed():
        return fn(**kw)


def test_roll_ups_equal_the_cases_after_every_kind_of_change(world: dict[str, Any]) -> None:
    city, boss = world["city"], world["boss"]
    both = [city, world["other"]]
    t0 = dt.datetime(2024, 1, 31, 23, 30, tzinfo=CENTRAL)  # the last evening of a month
    a = create(world["pothole"], t0, channel=Channel.PHONE)
    b = create(world["tree"], t0 + dt.timedelta(hours=1), channel=Channel.WEB)  # the 1st, locally
    c = create(world["question"], t0 + dt.timedelta(days=3))
    create(world["raytown_trash"], t0, where="raytown", channel=Channel.EMAIL)
    assert_tallies_equal_the_cases(both)

    # Closed within target, then after it.
    at(t0 + dt.timedelta(days=2), services.case_close, case=a, actor=boss, note="Filled.")
    at(t0 + dt.timedelta(days=12, hours=1), services.case_close, case=b, actor=boss, note="Cut up.")
    assert_tallies_equal_the_cases(both)

    # Reopened: the closing leaves the tallies of the day it was made.
    at(t0 + dt.timedelta(days=20), services.case_reopen, case=a, actor=boss, reason="Sank again.")
    assert_tallies_equal_the_cases(both)

    # Another type (another department and target), then another department.
    at(t0 + dt.timedelta(days=21), services.case_change_type, case=a, actor=boss, service_type=world["tree"])
    assert_tallies_equal_the_cases(both)
    at(t0 + dt.timedelta(days=22), services.case_assign, case=c, actor=boss, department=world["streets"])
    assert_tallies_equal_the_cases(both)
    at(t0 + dt.timedelta(days=23), services.case_change_type, case=c, actor=boss, service_type=world["pothole"])
    assert_tallies_equal_the_cases(both)

    # Closed again, in another month.
    at(t0 + dt.timedelta(days=40), services.case_close, case=a, actor=boss, note="Done for good.")
    at(t0 + dt.timedelta(days=41), services.case_close, case=c, actor=boss, note="Answered.")
    assert_tallies_equal_the_cases(both)

    # A note changes nothing counted: no tally moves.
    before = stored_tallies(both)
    at(t0 + dt.timedelta(days=42), services.case_add_note, case=a, actor=boss, text="Checked.", public=False)
    assert stored_tallies(both) == before


def test_a_rebuild_after_writes_that_bypass_the_services_restores_the_invariant(world: dict[str, Any]) -> None:
    city = world["city"]
    t0 = dt.datetime(2024, 3, 10, 12, 0, tzinfo=CENTRAL)
    cases = [create(world["pothole"], t0 + dt.timedelta(days=i)) for i in range(5)]
    # A bulk writer (an import) moves cases without the services: the tallies are stale ...
    ServiceRequest.objects.filter(pk=cases[0].pk).update(closed_at=t0 + dt.timedelta(days=1), status="closed")
    ServiceRequest.objects.filter(pk=cases[1].pk).update(opened_at=t0 - dt.timedelta(days=40))
    assert rollups.verify(city=city) != []
    # ... until it rebuilds the days it touched (whole months are rebuilt).
    rollups.rebuild(city=city, start=dt.date(2024, 1, 30), end=dt.date(2024, 3, 31))
    assert_tallies_equal_the_cases([city, world["other"]])


def test_a_full_rebuild_writes_the_same_rows_the_services_kept(world: dict[str, Any]) -> None:
    boss = world["boss"]
    t0 = dt.datetime(2024, 6, 1, 8, 0, tzinfo=CENTRAL)
    for i in range(6):
        case = create(world["pothole" if i % 2 else "tree"], t0 + dt.timedelta(days=i, hours=i))
        if i % 3:
            at(t0 + dt.timedelta(days=i + i, hours=3), services.case_close, case=case, actor=boss, note="ok")
    kept = stored_tallies([world["city"]])
    rollups.rebuild()
    assert stored_tallies([world["city"]]) == kept


def test_a_city_that_changes_time_zone_has_its_tallies_on_its_new_days(world: dict[str, Any]) -> None:
    city = world["city"]
    create(world["pothole"], dt.datetime(2024, 5, 31, 23, 30, tzinfo=CENTRAL))  # 22:30 in Denver, 04:30Z
    assert CaseTally.objects.filter(city=city, dimension="all", grain="M", start=dt.date(2024, 5, 1)).exists()
    city.timezone = "Europe/Paris"  # 06:30 on June 1st there
    city.save(update_fields=["timezone"])
    assert_tallies_equal_the_cases([city])
    assert CaseTally.objects.get(city=city, dimension="all", grain="M", days=-1).start == dt.date(2024, 6, 1)


def test_verify_names_a_tally_that_disagrees(world: dict[str, Any]) -> None:
    create(world["pothole"], dt.datetime(2024, 2, 2, 9, 0, tzinfo=CENTRAL))
    CaseTally.objects.filter(dimension="all", grain="D").update(opened=5)
    differences = rollups.verify()
    assert len(differences) == 1
    assert differences[0].stored == {"opened": 5} and differences[0].fresh == {"opened": 1}


def test_the_commands_verify_and_rebuild(world: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    create(world["pothole"], dt.datetime(2024, 2, 2, 9, 0, tzinfo=CENTRAL))
    out = StringIO()
    call_command("rollups_verify", stdout=out)
    assert "agree" in out.getvalue()
    CaseTally.objects.filter(dimension="type").delete()
    with pytest.raises(CommandError, match="2 roll-up rows disagree"):
        call_command("rollups_verify", "--city", "independence", stdout=StringIO())
    call_command("rollups_rebuild", "--city", "independence", "--from", "2024-02-02", "--to", "2024-02-02", stdout=out)
    call_command("rollups_verify", stdout=out)
    with pytest.raises(CommandError, match="no city 'atlantis'"):
        call_command("rollups_verify", "--city", "atlantis")


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (dt.date(2024, 3, 1), dt.date(2024, 3, 14)),  # inside one month
        (dt.date(2024, 3, 15), dt.date(2024, 4, 10)),  # across two partial months
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),  # whole months only
        (dt.date(2023, 11, 24), dt.date(2024, 11, 23)),  # a year: edges and months
        (dt.date(2024, 2, 29), dt.date(2024, 2, 29)),  # one day
    ],
)
def test_the_pieces_of_a_range_cover_each_of_its_days_exactly_once(first: dt.date, last: dt.date) -> None:
    covered: list[dt.date] = []
    for piece in rollups.period_pieces(first, last):
        conditions = dict(piece.children)  # type: ignore[arg-type]
        day, end = conditions["start__gte"], conditions["start__lte"]
        if conditions["grain"] == "M":
            end = rollups.month_end(end)
        while day <= end:
            covered.append(day)
            day += dt.timedelta(days=1)
    expected = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    assert sorted(covered) == expected


def test_deferred_roll_ups_skip_each_write_and_agree_with_the_cases_after_one_rebuild(world: dict[str, Any]) -> None:
    city = world["city"]
    start = dt.datetime(2026, 3, 2, 9, tzinfo=CENTRAL)
    with rollups.deferred():
        case = create(world["pothole"], start)
        at(start + dt.timedelta(days=1), services.case_close, case=case, actor=world["boss"], note="Filled")
        assert not CaseTally.objects.exists(), "no tally is written inside the block"
    assert_tallies_equal_the_cases([city, world["other"]])
