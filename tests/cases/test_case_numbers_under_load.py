"""Case numbers under a burst (issue 13): gapless per city with real threads, each on its own
database connection; a rolled-back report leaves no gap; a report to another city, and staff
working the same city's cases, do not wait for the report that holds a city's next number.

What waits for what differs by database, and each test says so: PostgreSQL locks the city's
counter row only (``invariants.case_numbers_take``); SQLite has one writer at a time (every
transaction takes the database's write lock at BEGIN, config/settings.py), so there every
write waits for the transaction that holds the lock, whatever its city — and the numbers are
gapless for that reason alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    """Raised after ``case_create`` to roll its transaction back."""


@pytest.fixture
def raytown_trash(
    raytown: City, make_service_type: Callable[..., ServiceType], make_department: Callable[..., Department]
) -> ServiceType:
    dept = make_department(raytown, "PUBLIC WORKS", email="works@raytown.test")
    return make_service_type(raytown, "trash", name="Trash/Rubbish", department=dept, target_days=5)


def file(service_type: ServiceType, text: str) -> ServiceRequest:
    lat, lng = INSIDE[service_type.city.slug]
    return services.case_create(
        service_type=service_type, lat=lat, lng=lng, description=text, reporter_email=f"{text}@resident.test"
    )


class Holder:
    """A thread that files a report and keeps its transaction open (the city's next number
    taken, not committed) until ``finish`` — commit, or roll back with ``rollback=True``."""

    def __init__(self, service_type: ServiceType, text: str, *, rollback: bool = False) -> None:
        self.taken, self.release = threading.Event(), threading.Event()
        self.number: int | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(service_type, text, rollback))

    def _run(self, service_type: ServiceType, text: str, rollback: bool) -> None:
        try:
            with transaction.atomic():
                self.number = file(service_type, text).number
                self.taken.set()
                assert self.release.wait(30), "never released"
                if rollback:
                    raise Rollback
        except Rollback:
            pass
        except BaseException as exc:  # the test reads it
            self.error = exc
        finally:
            self.taken.set()
            connection.close()

    def __enter__(self) -> Holder:
        self.thread.start()
        assert self.taken.wait(30) and self.error is None, self.error
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.thread.join(30)
        assert not self.thread.is_alive()
        assert self.error is None, self.error


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start ``work`` on its own connection; the list gets its result (or exception)."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(work())
        except Exception as exc:
            out.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def numbers(city: City) -> list[int]:
    return list(ServiceRequest.objects.filter(city=city).order_by("number").values_list("number", flat=True))


def test_a_report_to_another_city_does_not_wait_for_the_one_holding_a_citys_number(
    trash: ServiceType, raytown_trash: ServiceType
) -> None:
    with Holder(trash, "independence-first") as holder:
        thread, out = in_thread(lambda: file(raytown_trash, "raytown-meanwhile").number)
        thread.join(5 if connection.vendor == "postgresql" else 0.5)
        if connection.vendor == "postgresql":
            # Another city's counter is another row: filed and committed while Independence's
            # report still holds Independence's next number.
            assert not thread.is_alive(), "a report to Raytown waited for one to Independence"
            assert out == [1001]
        else:
            # SQLite: one writer at a time, whatever the city.
            assert thread.is_alive()
    thread.join(30)
    assert out == [1001] and holder.number == 1001
    assert numbers(trash.city) == [1001] and numbers(raytown_trash.city) == [1001]


def test_the_same_citys_next_report_waits_and_takes_the_next_number(trash: ServiceType) -> None:
    with Holder(trash, "first") as holder:
        thread, out = in_thread(lambda: file(trash, "second").number)
        thread.join(0.5)
        assert thread.is_alive(), "the second report did not wait for the first one's number"
    thread.join(30)
    assert (holder.number, out) == (1001, [1002])
    assert numbers(trash.city) == [1001, 1002]


def test_a_rolled_back_report_leaves_no_gap_even_when_another_was_waiting(trash: ServiceType) -> None:
    with Holder(trash, "rolled-back", rollback=True) as holder:
        thread, out = in_thread(lambda: file(trash, "waiting").number)
        thread.join(0.5)
        assert thread.is_alive()
    thread.join(30)
    # The waiter took the number the rolled-back report had taken: none is lost.
    assert (holder.number, out) == (1001, [1001])
    assert numbers(trash.city) == [1001]
    assert file(trash, "after").number == 1002


def test_staff_working_a_case_of_the_city_do_not_wait_for_the_report_holding_its_number(
    trash: ServiceType, supervisor: Any
) -> None:
    case = file(trash, "earlier")
    with Holder(trash, "holding"):
        thread, out = in_thread(
            lambda: services.case_add_note(case=case, actor=supervisor, text="Crew sent", public=False).kind
        )
        thread.join(5 if connection.vendor == "postgresql" else 0.5)
        if connection.vendor == "postgresql":
            # The case's row is locked, not the city's (case_lock locks "self" only).
            assert not thread.is_alive(), "a note on another case of the city waited for intake"
        else:
            assert thread.is_alive()
    thread.join(30)
    assert out == [EventKind.INTERNAL_NOTE]


def test_a_burst_on_one_city_with_rollbacks_keeps_numbers_gapless_and_each_report_one_case(
    trash: ServiceType, raytown_trash: ServiceType
) -> None:
    threads, per_thread = 6, 5
    barrier = threading.Barrier(threads)
    kept: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(t: int) -> None:
        try:
            barrier.wait(10)
            for n in range(per_thread):
                text = f"burst-{t}-{n}"
                # Every third report of a thread rolls back after its number was taken; one
                # thread in three files to Raytown, at the same time.
                service_type = raytown_trash if t % 3 == 2 else trash
                try:
                    with transaction.atomic():
                        file(service_type, text)
                        if n % 3 == 1:
                            raise Rollback
                except Rollback:
                    continue
                with lock:
                    kept.append(text)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert not any(w.is_alive() for w in workers), "a thread is stuck"
    assert errors == []
    assert time.monotonic() - started < 120
    for city in (trash.city, raytown_trash.city):
        made = numbers(city)
        assert made == list(range(1001, 1001 + len(made))), f"{city.slug}: {made}"
        city.refresh_from_db()
        assert city.next_case_number == 1001 + len(made)
    # Every report that committed is one case, with its event and its two emails (the
    # reporter's acknowledgement, the department's notice); the rolled-back ones left nothing.
    cases = ServiceRequest.objects.filter(description__startswith="burst-")
    assert sorted(c.description for c in cases) == sorted(kept)
    assert len(kept) == threads * (per_thread - 2)
    for case in cases:
        assert CaseEvent.objects.filter(case=case, kind=EventKind.CREATED).count() == 1
        assert OutboxMessage.objects.filter(case_id=case.pk).count() == 2
    assert OutboxMessage.objects.count() == 2 * len(kept)


def test_a_city_saved_from_an_old_copy_does_not_put_its_case_counter_back(trash: ServiceType) -> None:
    city = trash.city
    stale = City.objects.get(pk=city.pk)  # an admin form loaded before the next reports came in
    first = services.case_create(service_type=trash, lat=INSIDE["independence"][0], lng=INSIDE["independence"][1])
    stale.population = 123_456
    stale.save()
    second = services.case_create(service_type=trash, lat=INSIDE["independence"][0], lng=INSIDE["independence"][1])
    assert second.number == first.number + 1
    assert City.objects.get(pk=city.pk).population == 123_456
