"""Writes of the tenants app: a new member city, council districts from an administrator's map."""

from __future__ import annotations

import difflib
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicdesk.tenants import geo
from civicdesk.tenants.districts import DistrictShape
from civicdesk.tenants.models import City, District, Region


@transaction.atomic
def district_import(*, city: City, shapes: list[DistrictShape], is_illustrative: bool = False) -> list[District]:
    """Create one district of ``city`` per shape, all or none.

    A name the city already uses is refused rather than overwritten: replacing an adopted
    map is done district by district, where the administrator sees what changes.
    """
    taken = set(District.objects.filter(city=city, name__in=[s.name for s in shapes]).values_list("name", flat=True))
    if taken:
        raise ValidationError(
            _("%(city)s already has districts named %(names)s; rename or delete them first.")
            % {"city": city.name, "names": ", ".join(f"“{n}”" for n in sorted(taken))}
        )
    return [
        District.objects.create(
            city=city, name=s.name, number=s.number, boundary=s.boundary, is_illustrative=is_illustrative
        )
        for s in shapes
    ]


def timezone_names() -> list[str]:
    """The time zones a city may have: zoneinfo's list (IANA names), sorted."""
    return sorted(zoneinfo.available_timezones())


def validate_timezone_name(value: str) -> None:
    """``value`` must be one of ``timezone_names()``: a typo is refused with the nearest names."""
    if value not in zoneinfo.available_timezones():
        near = difflib.get_close_matches(value, timezone_names(), n=3)
        hint = _(" Did you mean %(names)s?") % {"names": ", ".join(near)} if near else ""
        raise ValidationError(
            {
                "timezone": _("“%(tz)s” is not a known time zone, such as America/Chicago.%(hint)s")
                % {"tz": value, "hint": hint}
            }
        )


@transaction.atomic
def region_create(*, name: str, slug: str) -> Region:
    """The collaborative itself, on a fresh install (before its first city)."""
    region = Region(name=name.strip(), slug=slug.strip())
    region.full_clean()
    region.save()
    return region


@transaction.atomic
def city_create(
    *,
    region: Region,
    name: str,
    slug: str,
    boundary: Any,
    timezone: str,
    fiscal_year_start_month: int = 1,
    case_prefix: str,
    population: int | None = None,
    jurisdiction_id: str = "",
) -> City:
    """A new member city with its limits, checked as a whole before anything is written.

    ``boundary`` is parsed GeoJSON (a Polygon, MultiPolygon, Feature or FeatureCollection);
    it is stored as one (multi)polygon. Errors are a ``ValidationError`` per field.
    """
    errors: dict[str, list[str]] = {}
    try:
        validate_timezone_name(timezone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not 1 <= int(fiscal_year_start_month) <= 12:
        errors["fiscal_year_start_month"] = [
            _("The fiscal year's first month is a number from 1 (January) to 12 (December), not %(n)s.")
            % {"n": fiscal_year_start_month}
        ]
    try:
        geom = geo.shape_from_geojson(boundary)
    except ValidationError as exc:
        errors["boundary"] = exc.messages
        geom = None
    city = City(
        region=region,
        name=name.strip(),
        slug=slug.strip(),
        jurisdiction_id=(jurisdiction_id or slug).strip(),
        case_prefix=case_prefix.strip().upper(),
        timezone=timezone,
        fiscal_year_start_month=fiscal_year_start_month,
        boundary=DistrictShape("", None, geom).boundary if geom is not None else {},
        population=population,
    )
    try:
        city.full_clean(exclude=["boundary", "timezone", "fiscal_year_start_month", *errors])
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            errors.setdefault(field_name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    city.save()
    return city
