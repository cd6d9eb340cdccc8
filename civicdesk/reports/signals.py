"""The one change outside the case services that moves the roll-ups: a city's time zone.

Tallies are keyed by the city's local day, so a city that changes its time zone has its
tallies recomputed in the same transaction as the change (rare: an administrator's fix).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save

from civicdesk.tenants.models import City

_CHANGED = "_rollups_timezone_changed"


def _before_city_saved(sender: type[City], instance: City, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    stored = City.objects.filter(pk=instance.pk).values_list("timezone", flat=True).first()
    setattr(instance, _CHANGED, stored is not None and stored != instance.timezone)


def _after_city_saved(sender: type[City], instance: City, created: bool, **kwargs: Any) -> None:
    if getattr(instance, _CHANGED, False):
        from civicdesk.reports import rollups

        with transaction.atomic():
            rollups.rebuild(city=instance)
        setattr(instance, _CHANGED, False)


def connect() -> None:
    """Connect the receivers (from ``ReportsConfig.ready``)."""
    pre_save.connect(_before_city_saved, sender=City, dispatch_uid="reports-city-timezone-before")
    post_save.connect(_after_city_saved, sender=City, dispatch_uid="reports-city-timezone-after")
