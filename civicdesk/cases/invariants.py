"""The rules every write to a case keeps, in one place: case numbers, audit events, locking,
routing and the roll-ups. ``services`` (one case at a time), ``transfers`` (a case that
changes city) and the history import (a batch at once) all take them from here, so a rule
changed here is changed for every writer.

This module is internal to ``cases``: other apps call the services, never these helpers.
"""

from __future__ import annotations

from civicdesk.tenants.models import City


def city_lock(*, city: City | int) -> City:
    """The city's row, locked until the caller's transaction ends: whoever takes case numbers
    of the city (or must not race another writer of its cases) queues here."""
    pk = city.pk if isinstance(city, City) else city
    # The city's boundary (tens of kB of GeoJSON) is not needed to take a number.
    return City.objects.select_for_update().defer("boundary").get(pk=pk)


def case_numbers_take(*, city: City | int, count: int = 1) -> tuple[City, int]:
    """Take ``count`` consecutive case numbers of ``city``: (the city's row, locked; the first).

    Numbers are taken under the city's row lock, held until the caller's transaction ends, so
    no two cases share one and none is skipped. Must be called inside ``transaction.atomic``.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    locked = city_lock(city=city)
    first = locked.next_case_number
    City.objects.filter(pk=locked.pk).update(next_case_number=first + count)
    locked.next_case_number = first + count
    return locked, first
