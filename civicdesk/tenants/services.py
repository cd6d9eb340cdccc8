"""Writes of the tenants app: a new member city, council districts from an administrator's map."""

from __future__ import annotations

import difflib
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicdesk.core import clock
from civicdesk.tenants import districts, geo
from civicdesk.tenants.districts import DistrictShape, outside_limits
from civicdesk.tenants.models import City, District, Region


def district_clashes(*, city: City, shapes: list[DistrictShape]) -> list[str]:
    """What stops ``shapes`` joining ``city``'s current districts, in the administrator's
    words: numbers used twice, areas laid over another district's (``districts.number_owner``
    and ``districts.overlaps``, the admin's rules for one district). Empty: they fit."""
    placed = districts.current_shapes(city)
    clashes: list[str] = []
    numbered = list(placed)
    for shape in shapes:
        owner = districts.number_owner(shape.number, numbered)
        if owner is not None and shape.number is not None:
            clashes.append(
                _("“%(new)s” has number %(n)d, which “%(old)s” already has.")
                % {"new": shape.name, "n": shape.number, "old": owner.name}
            )
        else:
            numbered.append(shape)
    for shape in shapes:
        for overlap in districts.overlaps(shape.geom, placed):
            message = (
                _("“%(new)s” covers %(pct)d%% of “%(old)s”.")
                if overlap.covers
                else _("“%(new)s” lies %(pct)d%% inside “%(old)s”.")
            )
            clashes.append(message % {"new": shape.name, "old": overlap.name, "pct": round(overlap.share * 100)})
        placed.append(shape)
    return clashes


@transaction.atomic
def district_import(
    *, city: City, shapes: list[DistrictShape], is_illustrative: bool = False, replace: bool = False
) -> list[District]:
    """Create one district of ``city`` per shape, all or none.

    Districts are one map: a number already used, or an area laid over another district's,
    is refused naming the districts it clashes with, as is a name the city already uses. A
    district outside the city's limits (another city's map) is refused before anything else.
    With ``replace`` the new map replaces the current one: the old districts are retired
    (kept, renamed with the day they were replaced, so every case filed in them keeps its
    district for the reports) and new cases are placed on the new map only.
    """
    outside = outside_limits(shapes, city)
    if outside:
        raise ValidationError(
            [_("These districts are not in %(city)s; nothing was created.") % {"city": city.name}, *outside]
        )
    today = clock.now().astimezone(city.tz).date()
    if replace:
        for old in District.objects.filter(city=city, retired_on__isnull=True):
            old.retired_on = today
            old.name = _("%(name)s (map until %(day)s)") % {"name": old.name, "day": today.isoformat()}
            old.save(update_fields=["retired_on", "name", "updated_at"])
    taken = set(District.objects.filter(city=city, name__in=[s.name for s in shapes]).values_list("name", flat=True))
    if taken:
        raise ValidationError(
            _("%(city)s already has districts named %(names)s; rename or delete them first.")
            % {"city": city.name, "names": ", ".join(f"“{n}”" for n in sorted(taken))}
        )
    clashes = district_clashes(city=city, shapes=shapes)
    if clashes:
        raise ValidationError(
            [
                _(
                    "These districts would clash with %(city)s's current map; nothing was created. "
                    "To replace the old map, check “Replace the current map” (its districts are kept "
                    "for the cases filed in them)."
                )
                % {"city": city.name},
                *clashes,
            ]
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
    email: str = "",
    phone: str = "",
    website: str = "",
) -> City:
    """A new member city with its limits, checked as a whole before anything is written.
    ``email`` is the address residents write to (email intake, and the Reply-To of every
    acknowledgement), ``phone`` the number residents are given.

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
        email=email.strip(),
        phone=phone.strip(),
        website=website.strip(),
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
