"""What keeps the roll-ups current: every case write, and a city's time zone.

Every case write goes through ``civicdesk.cases.invariants``, which sends
``case_changing`` (the case was read under its lock: remember its contribution) and
``case_changed`` (it was saved or inserted: apply the difference), in the write's
transaction; the receivers here apply them to the tallies (``rollups.track``/``sync``).

Tallies are keyed by the city's local day, so a city that changes its time zone has its
tallies recomputed in the same transaction as the change (rare: an administrator's fix).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save

from civicdesk.cases import signals as case_signals
from civicdesk.cases.models import ServiceRequest
from civicdesk.reports import rollups
from civicdesk.tenants.models import City

_CHANGED = "_rollups_timezone_changed"


def _before_city_saved(sender: type[City], instance: City, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    stored = City.objects.filter(pk=instance.pk).values_list("timezone", flat=True).first()
    setattr(instance, _CHANGED, stored is not None and stored != instance.timezone)


def _after_city_saved(sender: type[City], instance: City, created: bool, **kwargs: Any) -> None:
    if getattr(instance, _CHANGED, False):
        with transaction.atomic():
            rollups.rebuild(city=instance)
        setattr(instance, _CHANGED, False)


def _case_changing(sender: type[ServiceRequest], *, case: ServiceRequest, **kwargs: Any) -> None:
    rollups.track(case)


def _case_changed(sender: type[ServiceRequest], *, case: ServiceRequest, **kwargs: Any) -> None:
    rollups.sync(case)


def _cases_written_in_bulk(sender: type[ServiceRequest], *, city: City, start: Any, end: Any, **kwargs: Any) -> None:
    rollups.rebuild(city=city, start=start, end=end)


def connect() -> None:
    """Connect the receivers (from ``ReportsConfig.ready``)."""
    case_signals.case_changing.connect(_case_changing, sender=ServiceRequest, dispatch_uid="reports-case-changing")
    case_signals.case_changed.connect(_case_changed, sender=ServiceRequest, dispatch_uid="reports-case-changed")
    case_signals.cases_written_in_bulk.connect(
        _cases_written_in_bulk, sender=ServiceRequest, dispatch_uid="reports-cases-written-in-bulk"
    )
    pre_save.connect(_before_city_saved, sender=City, dispatch_uid="reports-city-timezone-before")
    post_save.connect(_after_city_saved, sender=City, dispatch_uid="reports-city-timezone-after")
