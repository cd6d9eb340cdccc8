"""Forget the regional comparison's kept figures (``RegionalFigure``) that a change makes
wrong: a common measure's definition, a city's mapping of its types, or a city's population
or clock. The next visitor gets them computed again, at once; case changes are picked up by
the task worker's refresh (``tasks.refresh_ensure``) within minutes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from civicdesk.performance.models import CommonMeasure, CommonMeasureMapping, RegionalFigure
from civicdesk.tenants.models import City


def _measure_changed(sender: type, instance: CommonMeasure, **kwargs: Any) -> None:
    RegionalFigure.objects.filter(common_measure_id=instance.pk).delete()


def _mapping_changed(sender: type, instance: CommonMeasureMapping, **kwargs: Any) -> None:
    RegionalFigure.objects.filter(common_measure_id=instance.common_measure_id, city_id=instance.city_id).delete()


def _city_changed(sender: type, instance: City, **kwargs: Any) -> None:
    if kwargs.get("created"):
        return
    RegionalFigure.objects.filter(city_id=instance.pk).delete()


def connect() -> None:
    post_save.connect(_measure_changed, sender=CommonMeasure, dispatch_uid="regional-figures-measure")
    post_save.connect(_mapping_changed, sender=CommonMeasureMapping, dispatch_uid="regional-figures-mapping")
    post_delete.connect(_mapping_changed, sender=CommonMeasureMapping, dispatch_uid="regional-figures-mapping-gone")
    post_save.connect(_city_changed, sender=City, dispatch_uid="regional-figures-city")
