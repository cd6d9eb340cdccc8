"""City limits as the maps draw them (``/boundaries.geojson``, ``/<city>/boundary.geojson``), kept
in the database cache that every process shares.

Every map of the portal asks for them, and they are tens of kB of GeoJSON per city, read from
each city's row and written out again on every request; they change when an administrator
uploads new limits, about never. A change to a city forgets the kept copy twice: at once (the
writer's own next read is fresh) and again when the change commits (a reader in another process
that filled it between the two read the old row). ``CATALOGUE_CACHE_SECONDS`` (an hour; 0
keeps nothing), the backstop of the catalogue's cache, is this one's too: a change made
behind the ORM's back (``update()``, plain SQL) shows within it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

# Bumped when what is kept changes shape, so a deploy never reads the old shape.
KEY = "portal:limits:1"


def _feature(city: Any) -> str:
    boundary = city.boundary or {}
    geometry = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
    return json.dumps({"type": "Feature", "properties": {"name": city.name, "slug": city.slug}, "geometry": geometry})


def _build() -> list[tuple[str, str]]:
    from civicdesk.tenants import selectors as places

    return [(city.slug, _feature(city)) for city in places.city_list()]


def features() -> list[tuple[str, str]]:
    """(slug, the city's Feature as JSON) of every member city, in the order of the city list."""
    from django.conf import settings

    timeout = int(getattr(settings, "CATALOGUE_CACHE_SECONDS", 0) or 0)
    if timeout <= 0:
        return _build()
    kept = cache.get(KEY)
    if kept is None:
        kept = _build()
        cache.set(KEY, kept, timeout)
    return kept


def collection(slug: str | None = None) -> str | None:
    """The FeatureCollection of every city's limits, or of the city ``slug``'s only; None
    when there is no such city."""
    chosen = [feature for city_slug, feature in features() if slug is None or city_slug == slug]
    if not chosen:
        return None
    return '{"type": "FeatureCollection", "features": [' + ", ".join(chosen) + "]}"


def forget() -> None:
    cache.delete(KEY)


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget()
    transaction.on_commit(forget)


def connect() -> None:
    """Called from the portal app's ready()."""
    from civicdesk.tenants.models import City

    post_save.connect(_changed, sender=City, dispatch_uid="portal-limits-save")
    post_delete.connect(_changed, sender=City, dispatch_uid="portal-limits-delete")
