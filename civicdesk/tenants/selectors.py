"""Reads about cities and places."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from civicdesk.core.errors import OutsideServiceArea
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, Department, District


@dataclass(frozen=True)
class Location:
    city: City
    district: District | None


def city_list() -> QuerySet[City]:
    return City.objects.select_related("region").order_by("name")


def city_at(*, lat: float, lng: float) -> City:
    """The member city whose limits cover the point.

    A point on a city's boundary line belongs to it. Where two cities' limits meet at a
    shared border line, the one with the lowest id wins, so the answer is stable in every
    process. Coordinates that are no place on Earth raise ValidationError; a point outside
    every member city raises ``OutsideServiceArea`` with a message a resident can act on.
    """
    pt = geo.point(lat, lng)
    hits = geo.city_index().covering(pt)
    if not hits:
        raise OutsideServiceArea(
            _("This location is outside the service area: it is not inside any of the member cities."),
            code="outside_service_area",
        )
    return City.objects.defer("boundary").get(pk=hits[0])  # the index holds the shape already


def district_at(*, city: City, lat: float, lng: float) -> District | None:
    """The city's council district covering the point, or None where none does."""
    hits = geo.district_index(city.pk).covering(geo.point(lat, lng))
    return District.objects.defer("boundary").get(pk=hits[0]) if hits else None


def location_of(*, lat: float, lng: float) -> Location:
    """The member city and council district at a point (see ``city_at`` for the errors)."""
    city = city_at(lat=lat, lng=lng)
    return Location(city=city, district=district_at(city=city, lat=lat, lng=lng))


def department_list(*, city: City) -> QuerySet[Department]:
    return Department.objects.filter(city=city, active=True).order_by("name")
