"""Forget the regional comparison's kept figures (``RegionalFigure``) that a change makes
wrong: a common measure's definition, a city's mapping of its types, a city's population
or clock, its service types (a figure counts the cases of the types whose codes it maps)
or its business days, or cases of a city written in bulk (an import: no case log of
today tells of them). Each forgets the figures of the cities it touches
(``regional.forget_figures``), in the writer's own transaction: a figure whose computation
had started before is never kept or served as holding (``regional.still_holds``). The next
visitor, or the next refresh, gets them computed again. Other case
changes are picked up by the task worker's refresh (``tasks.refresh_ensure``) within
minutes, from the cases' logs (``regional.cities_changed_since``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from civicdesk.cases import signals as case_signals
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.performance import regional
from civicdesk.performance.models import CommonMeasure, CommonMeasureMapping, DashboardSettings
from civicdesk.tenants.models import City


def _measure_changed(sender: type, instance: CommonMeasure, **kwargs: Any) -> None:
    regional.forget_figures(City.objects.filter(region_id=instance.region_id).values_list("pk", flat=True))


def _mapping_changed(sender: type, instance: CommonMeasureMapping, **kwargs: Any) -> None:
    regional.forget_figures([instance.city_id])


def _city_changed(sender: type, instance: City, **kwargs: Any) -> None:
    if kwargs.get("created"):
        return
    regional.forget_figures([instance.pk])


def _city_setting_changed(sender: type, instance: ServiceType | DashboardSettings, **kwargs: Any) -> None:
    regional.forget_figures([instance.city_id])


def _cases_written_in_bulk(sender: type, *, city: City, **kwargs: Any) -> None:
    regional.forget_figures([city.pk])


def connect() -> None:
    post_save.connect(_measure_changed, sender=CommonMeasure, dispatch_uid="regional-figures-measure")
    post_save.connect(_mapping_changed, sender=CommonMeasureMapping, dispatch_uid="regional-figures-mapping")
    post_delete.connect(_mapping_changed, sender=CommonMeasureMapping, dispatch_uid="regional-figures-mapping-gone")
    post_save.connect(_city_changed, sender=City, dispatch_uid="regional-figures-city")
    post_save.connect(_city_setting_changed, sender=ServiceType, dispatch_uid="regional-figures-service-type")
    post_delete.connect(_city_setting_changed, sender=ServiceType, dispatch_uid="regional-figures-service-type-gone")
    post_save.connect(_city_setting_changed, sender=DashboardSettings, dispatch_uid="regional-figures-business-days")
    case_signals.cases_written_in_bulk.connect(
        _cases_written_in_bulk, sender=ServiceRequest, dispatch_uid="regional-figures-cases-in-bulk"
    )
