"""The public catalogue of a city (its types, their questions, their departments) as the pages and
Open311 show it, kept in the database cache that every process shares.

Residents' apps ask for a city's services on every start; the answer changes when an
administrator edits the catalogue, a few times a year. A change forgets the city's entries
twice: at once (the writer's own next read is fresh) and again when the change commits (a reader
in another process that filled the entry between the two read the old rows, which commit just
replaced). ``CATALOGUE_CACHE_SECONDS`` (an hour; 0 keeps nothing) is a backstop for a change
made behind the ORM's back (a bulk ``update()``, plain SQL): such a change shows within it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import translation

KINDS = ("open311-services", "open311-definitions", "browse-types", "open311-types")
# Bumped when what is kept changes shape, so a deploy never reads the old shape.
VERSION = 2


def _key(kind: str, city_id: int) -> str:
    # The language too: a kept answer may hold translated words (Open311's error texts do not
    # pass through here, but a kept page part might one day).
    return f"catalogue:{VERSION}:{kind}:{city_id}:{translation.get_language() or ''}"


def cached(kind: str, city_id: int, build: Callable[[], Any]) -> Any:
    """The kept value of ``kind`` for the city, built by ``build`` when missing."""
    from django.conf import settings

    timeout = int(getattr(settings, "CATALOGUE_CACHE_SECONDS", 0) or 0)
    if timeout <= 0:
        return build()
    key = _key(kind, city_id)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value


def forget(city_id: int) -> None:
    """Forget every kept value of the city's catalogue, in every language."""
    from django.conf import settings

    cache.delete_many([_key_for(kind, city_id, code) for kind in KINDS for code, _name in settings.LANGUAGES])


def _key_for(kind: str, city_id: int, language: str) -> str:
    with translation.override(language):
        return _key(kind, city_id)


def _city_of(instance: Any) -> int | None:
    from civicdesk.catalog.models import ServiceAttribute

    if isinstance(instance, ServiceAttribute):
        return getattr(instance.service_type, "city_id", None)
    return getattr(instance, "city_id", None)


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    city_id = _city_of(instance)
    if city_id is None:
        return
    forget(city_id)
    transaction.on_commit(lambda: forget(city_id))


def connect() -> None:
    """Called from the catalogue app's ready()."""
    from civicdesk.catalog.models import ServiceAttribute, ServiceType
    from civicdesk.tenants.models import Department

    for model in (ServiceType, ServiceAttribute, Department):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-cache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalogue-cache-delete-{model.__name__}")
