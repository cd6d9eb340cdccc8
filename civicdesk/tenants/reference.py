"""A city's short lists that pages read on every visit, kept in each process and read again
when the city's ``reference_version`` has moved: the console's types, districts, departments
and assignable staff, whether the city works other cities' cases and which types are
confidential, a case page's closing notes, its type's questions (to show the answers) and the
member cities a case may be handed to; the browse page's districts and problems; the types
Open311 reports name.

At a million cases a console page's own queries take a few milliseconds; the five or six
that read these lists took about as long again, for rows that change a few times a year. The
version is a column of the city's row, which those pages read anyway (the signed-in user's
city, the browsed city, the city of a report's key), so checking a kept copy costs no query.
Only a city row read for the request will do: one kept longer (a process's index of the city
limits) would carry an old version.

A change moves the version twice over, as the catalogue's cache (catalog/cache.py) forgets:

- at once, this process forgets the city's copies (its own next page is fresh, before the
  change commits: a test's transaction never commits);
- when the change commits, one ``UPDATE`` moves the city's version, and every other process
  reads the lists again on its next page. The version moves after the new rows are visible,
  so a copy made from the old rows is always under an older version than the one that follows.

``watch`` connects a model's saves and deletes; a bulk ``update()`` or plain SQL goes around
them, and its change shows within ``REFERENCE_CACHE_SECONDS`` (five minutes; 0 keeps nothing).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

# (kind, city id) → (the city's version when it was read, monotonic expiry, the list)
_kept: dict[tuple[str, int], tuple[int, float, Any]] = {}


def seconds() -> int:
    return int(getattr(settings, "REFERENCE_CACHE_SECONDS", 300) or 0)


def kept(city: Any, kind: str, build: Callable[[], T]) -> T:
    """The list ``kind`` of ``city`` (a City as loaded for this request), built by ``build``
    when this process has none made under the city's current version."""
    keep = seconds()
    if keep <= 0:
        return build()
    key = (kind, city.pk)
    now = time.monotonic()
    entry = _kept.get(key)
    if entry is not None and entry[0] == city.reference_version and entry[1] > now:
        value: T = entry[2]
        return value
    value = build()
    _kept[key] = (city.reference_version, now + keep, value)
    return value


def city_in_hand(instance: Any) -> Any:
    """``instance.city`` when it is already loaded (a console page loads the signed-in user's
    city once), else None: loading it here would cost the query the kept lists save."""
    if getattr(instance, "city_id", None) is None:
        return None
    return instance._state.fields_cache.get("city")


def kept_for_city_of(instance: Any, kind: str, build: Callable[[], T]) -> T:
    """``kept`` under ``instance``'s city when the request has it in hand, else ``build()``."""
    city = city_in_hand(instance)
    return build() if city is None else kept(city, kind, build)


def clear() -> None:
    """Forget every kept list of this process (tests)."""
    _kept.clear()


def _forget_here(city_ids: Iterable[int]) -> None:
    ids = set(city_ids)
    for key in [key for key in list(_kept) if key[1] in ids]:
        _kept.pop(key, None)


def changed(city_ids: Iterable[int | None]) -> None:
    """The lists of these cities changed: forget them here now, and move their versions when
    the current transaction commits (at once outside one; never if it rolls back)."""
    ids = frozenset(pk for pk in city_ids if pk is not None)
    if not ids:
        return
    _forget_here(ids)
    # robust: the change itself has committed; a failure to move the version is logged, and
    # REFERENCE_CACHE_SECONDS bounds how long other processes keep the old lists.
    transaction.on_commit(functools.partial(_move, ids), robust=True)


def _move(ids: frozenset[int]) -> None:
    from civicdesk.tenants.models import City

    City.objects.filter(pk__in=ids).update(reference_version=F("reference_version") + 1)
    _forget_here(ids)


def watch(
    model: type[Model], cities_of: Callable[[Any], Iterable[int | None]], *, skip: Callable[..., bool] | None = None
) -> None:
    """Move the versions of ``cities_of(instance)`` whenever a ``model`` row is saved or deleted
    (``skip(instance, update_fields)`` true: a save that changes nothing the lists show)."""

    def saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
        if skip is not None and skip(instance, update_fields):
            return
        changed(cities_of(instance))

    def deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
        changed(cities_of(instance))

    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"reference-save-{model._meta.label}")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"reference-delete-{model._meta.label}")
