"""Writes of the tenants app: a new member city, council districts from an administrator's map;
and ``city_today``, the day it is on a city's clock, which those writes and every app above read."""

from __future__ import annotations

import datetime
import difflib
import re
import zoneinfo
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from shapely.geometry.base import BaseGeometry

from civicdesk.core import clock
from civicdesk.tenants import districts, geo, signals
from civicdesk.tenants.districts import DistrictShape, outside_limits
from civicdesk.tenants.models import City, District, Region

_T = TypeVar("_T")


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
    *,
    city: City,
    shapes: list[DistrictShape],
    is_illustrative: bool = False,
    replace: bool = False,
    told: list[str] | None = None,
) -> list[District]:
    """Create one district of ``city`` per shape, all or none.

    Districts are one map: a number already used, or an area laid over another district's,
    is refused naming the districts it clashes with, as is a name the city already uses. A
    district outside the city's limits (another city's map) is refused before anything else.
    With ``replace`` the new map replaces the current one: the old districts are retired
    (kept, renamed with the day they were replaced, so every case filed in them keeps its
    district for the reports) and new cases are placed on the new map only; a resident's
    alerts of an old district move to the new one covering most of it
    (``district_replaced_announce``); what was done is added to ``told``, in sentences for
    the administrator.
    """
    outside = outside_limits(shapes, city)
    if outside:
        raise ValidationError(
            [_("These districts are not in %(city)s; nothing was created.") % {"city": city.name}, *outside]
        )
    today = city_today(city)
    replaced: list[District] = []
    if replace:
        # Retired before the new map is written: the database holds each number to one
        # current district of the city (district_number_unique_in_current_map), and the new
        # map usually numbers its districts as the old one did.
        for old in District.objects.filter(city=city, retired_on__isnull=True):
            old.retired_on = today
            old.name = retired_name(old.name, today)
            old.save(update_fields=["retired_on", "name", "updated_at"])
            replaced.append(old)
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
    created = [
        District.objects.create(
            city=city, name=s.name, number=s.number, boundary=s.boundary, is_illustrative=is_illustrative
        )
        for s in shapes
    ]
    # What followed an old district by choice (a resident's alerts) moves to the new one
    # covering most of it, and whoever chose it is told.
    for old in replaced:
        said = district_replaced_announce(old=old, cause=signals.IMPORTED)
        if told is not None:
            told += said
    return created


def city_today(city: City | None, *, now: datetime.datetime | None = None) -> datetime.date:
    """Today on ``city``'s clock: the day in its time zone at ``now`` (the clock's now when
    None). Without a city, the collaborative's today, on the site's clock (``TIME_ZONE``), the
    one the region's pages and periods are read on.

    The one place the product asks what day it is: near midnight the city's day and UTC's
    differ (11:30 p.m. on December 31 in Central time is already January 1 in UTC), and a
    report's default period, a district's retiring day or an agreement's last day is the
    city's.
    """
    zone = city.tz if city is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return (now or clock.now()).astimezone(zone).date()


RETIRED_NAME = gettext_noop("%(name)s (map until %(day)s)")
# A second district of one name retired on one day: "Citywide" cut once per ward added that day.
RETIRED_NAME_AGAIN = gettext_noop("%(name)s (map until %(day)s, %(n)d)")


def retired_name(name: str, day: datetime.date, n: int = 1) -> str:
    """The name a retired district is kept under, "District 3 (map until 2026-12-04)", so a
    district of the new map may take its name; the ``n``th of that name retired that day is
    "Citywide (map until 2026-12-04, 2)". Cut to fit the name's 100 characters."""
    pattern = _(RETIRED_NAME) if n == 1 else _(RETIRED_NAME_AGAIN)
    place = {"name": "", "day": day.isoformat(), "n": n}
    suffix = pattern % place
    return pattern % {**place, "name": name[: 100 - len(suffix)]}


def retired_name_free(district: District, day: datetime.date) -> str:
    """``retired_name`` for ``district`` retired on ``day``, the first its city has not
    given another district (a district redrawn twice in one day, as "Citywide" is when a
    city adds its wards one after another)."""
    taken = set(
        District.objects.filter(city_id=district.city_id, name__startswith=district.name[:90])
        .exclude(pk=district.pk)
        .values_list("name", flat=True)
    )
    n = 1
    while retired_name(district.name, day, n) in taken:
        n += 1
    return retired_name(district.name, day, n)


def name_before_retiring(district: District) -> str:
    """The name ``district`` had before it was retired: ``retired_name`` undone, in whichever
    language it was retired in (the administrator's). A name without the day is its own."""
    if district.retired_on is None:
        return district.name
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            again = _(RETIRED_NAME_AGAIN) % {"name": "", "day": district.retired_on.isoformat(), "n": 0}
            suffix = _(RETIRED_NAME) % {"name": "", "day": district.retired_on.isoformat()}
        if suffix and district.name.endswith(suffix) and len(district.name) > len(suffix):
            return district.name[: -len(suffix)]
        # "Citywide (map until 2026-12-04, 2)": the pattern up to its number, then digits and the rest.
        head, _zero, tail = again.rpartition("0")
        found = re.fullmatch(f"(.+){re.escape(head)}[0-9]+{re.escape(tail)}", district.name, flags=re.DOTALL)
        if head and found:
            return found[1]
    return district.name


def district_retire_problems(*, district: District, on: datetime.date) -> list[str]:
    """Why ``district`` cannot be retired on ``on``, in the administrator's words; empty: it can.

    A retired district takes no new case from the day it is retired, so the day is today or
    before, and not before a case already filed in it (that case was filed in a current
    district, and the reports of its period count it there).
    """
    city = district.city
    today = city_today(city)
    if district.retired_on is not None:
        return [
            _("%(name)s was already retired on %(day)s.")
            % {"name": district.name, "day": district.retired_on.isoformat()}
        ]
    if on > today:
        return [
            _(
                "A district is retired today or on a day already past: %(day)s is after today (%(today)s in "
                "%(city)s). Retire it on the day the new map takes effect."
            )
            % {"day": on.isoformat(), "today": today.isoformat(), "city": city.name}
        ]
    last = district.cases.order_by("-opened_at").values_list("opened_at", flat=True).first()
    if last is not None and last.astimezone(city.tz).date() > on:
        return [
            _(
                "Cases were filed in %(name)s until %(last)s: retire it on that day or later, so that "
                "every case of it was filed while it was on the map."
            )
            % {"name": district.name, "last": last.astimezone(city.tz).date().isoformat()}
        ]
    return []


@transaction.atomic
def district_retire(*, district: District, on: datetime.date) -> District:
    """Take one district off its city's current map from the day ``on``.

    It is kept, renamed with that day (``retired_name_free``): the cases filed in it keep it and
    the reports of past periods still count them; new cases are not placed in it, and its
    number and area are free for the districts that replace it. Refused (``ValidationError``)
    for a district already retired or a day ``district_retire_problems`` names.
    """
    row = District.objects.select_for_update().select_related("city").get(pk=district.pk)
    problems = district_retire_problems(district=row, on=on)
    if problems:
        raise ValidationError(problems)
    row.retired_on, row.name = on, retired_name_free(row, on)
    row.save(update_fields=["retired_on", "name", "updated_at"])
    return row


@transaction.atomic
def district_cut(*, district: District, rest: BaseGeometry, on: datetime.date) -> District:
    """Redraw ``district`` as ``rest``, the part of it another district leaves (the admin's
    “Cut it out of the districts it lies over”, ``districts.make_room``), from the day ``on``.

    A redraw, as a map's: the district as it was is retired on ``on`` and kept under its
    name with the day (``district_retire``), with every case filed in it; a new district of
    the same name, number and illustrative mark takes ``rest``, and new cases at its points
    are placed in it. Whatever follows a district by choice (a resident's alerts of it) moves
    to the new one (``signals.district_redrawn``). Refused (``ValidationError``) as a
    retirement on ``on`` is, or when ``rest`` is no area.
    """
    if rest.is_empty or rest.area == 0:
        raise ValidationError(_("%(name)s would keep no area: retire it instead.") % {"name": district.name})
    name = district.name
    old = district_retire(district=district, on=on)
    new = District.objects.create(
        city=old.city,
        name=name,
        number=old.number,
        boundary=DistrictShape(name, old.number, rest).boundary,
        is_illustrative=old.is_illustrative,
    )
    signals.district_redrawn.send(sender=District, old=old, new=new)
    return new


# A district retired by hand, with no new district uploaded over it, is followed (a resident's
# alerts moved) only when the city's current districts cover most of it: together at least this
# share of its area. Less, and what follows it stays on it, and its resident is told.
MOSTLY_COVERED = 0.5


def covering_shares(area: BaseGeometry, candidates: Iterable[tuple[_T, str, BaseGeometry]]) -> list[tuple[_T, float]]:
    """Each of ``candidates`` (an item, its name, its area) that covers part of ``area``, with
    the share (0–1) of ``area`` it covers, most first (then by name). A share under
    ``districts.OVERLAP_SHARE`` is the sliver of a shared edge, not a district that covers it,
    and is left out. The one reckoning of what covers a district leaving the map: the upload
    page's, the import's and *Retire*'s, before and after saving."""
    if area.is_empty or area.area == 0:
        return []
    found = []
    for item, name, geom in candidates:
        if not geom.intersects(area):
            continue
        share = float(geom.intersection(area).area / area.area)
        if share >= districts.OVERLAP_SHARE:
            found.append((item, share, name))
    return [(item, share) for item, share, _name in sorted(found, key=lambda f: (-f[1], f[2]))]


def _area_of(district: District) -> BaseGeometry | None:
    try:
        return geo.shape_from_geojson(district.boundary)
    except ValidationError:
        return None


def district_successors(
    old: District, *, excluding: Collection[int] = (), at_least: float = 0.0
) -> list[tuple[District, float]]:
    """The current districts of ``old``'s city (but ``excluding``, by id) that cover its
    area, each with the share (0–1) of that area it covers, most first (``covering_shares``).
    Empty when together they cover less than ``at_least`` of it."""
    area = _area_of(old)
    if area is None:
        return []
    rows = District.objects.filter(city_id=old.city_id, retired_on__isnull=True).exclude(pk=old.pk)
    candidates = []
    for row in rows.exclude(pk__in=list(excluding)):
        geom = _area_of(row)
        if geom is not None:
            candidates.append((row, row.name, geom))
    found = covering_shares(area, candidates)
    return found if sum(share for _row, share in found) >= at_least else []


def district_replacing_words(*, old: District, by: list[tuple[str, float]]) -> list[str]:
    """What will follow ``old`` when it leaves the map, covered by the districts ``by`` (names
    and shares, most first; empty: none), in sentences for the administrator, asked before
    anything is saved (``signals.district_replacing``: a resident's alerts, and where they go)."""
    answers = signals.district_replacing.send(sender=District, old=old, by=by)
    return [line for _receiver, lines in answers for line in (lines or [])]


def district_import_plan(*, city: City, shapes: list[DistrictShape]) -> list[str]:
    """What importing ``shapes`` with *Replace the current map* (``district_import`` with
    ``replace``) will do to what follows each of ``city``'s current districts, which it
    retires: the words of ``district_replacing_words``, each old district covered by the new
    ones as ``district_replaced_announce`` will find it once they are saved. Empty: nothing to
    say."""
    lines: list[str] = []
    for old in District.objects.filter(city=city, retired_on__isnull=True).order_by("number", "name"):
        area = _area_of(old)
        if area is None:
            continue
        by = covering_shares(area, [(s.name, s.name, s.geom) for s in shapes])
        lines += district_replacing_words(old=old, by=by)
    return lines


def share_words(share: float) -> str:
    """A share as the district pages say it: 2.4% is not told as "2%", nor 0.3% as "0%"."""
    return f"{share:.1%}" if share < 0.1 else f"{share:.0%}"


@dataclass(frozen=True)
class RetirePlan:
    """What retiring ``district`` by hand will do, said before anything is retired: ``lines``,
    in the administrator's words (one line when nothing is attached to it)."""

    district: District
    lines: list[str]


def _new_cases_words(covering: list[tuple[District, float]]) -> str:
    """Where new cases in the area of a district leaving the map will go: the current districts
    ``covering`` it (with their shares, most first), or none."""
    if not covering:
        return _(
            "No district still on the map covers any of its area: a new case there is placed in no district "
            "until one does (add it, or import the new map)."
        )
    named = ", ".join(f"“{row.name}” ({share_words(share)})" for row, share in covering)
    words = ngettext(
        "New cases in its area go to the district still on the map that covers part of it: %(named)s.",
        "New cases in its area go to the districts still on the map that cover parts of it: %(named)s.",
        len(covering),
    ) % {"named": named}
    rest = 1.0 - sum(share for _row, share in covering)
    if rest >= districts.OVERLAP_SHARE:
        words += " " + _("The rest of it (%(pct)s) is in no district until one covers it.") % {"pct": share_words(rest)}
    return words


def district_staying_words(*, old: District) -> list[str]:
    """What stays with ``old`` when it is retired by hand (``signals.district_retiring``: its
    open cases keep it), in sentences for the administrator; said before retiring and, asked
    just before, once it is retired (the same words)."""
    answers = signals.district_retiring.send(sender=District, old=old)
    return [line for _receiver, lines in answers for line in (lines or [])]


def district_retire_plan(*, chosen: list[District]) -> list[RetirePlan]:
    """What retiring ``chosen`` by hand (``districts_retire``) will do, for each: what stays
    with it (``signals.district_retiring``: its open cases), what follows it (the words of
    ``district_replacing_words``: a resident's alerts, with the current districts that will
    still cover it, none of ``chosen``, when they cover most of it, ``MOSTLY_COVERED``), and
    where new cases in its area will go. Nothing attached to it: one line that says so."""
    leaving = [d.pk for d in chosen]
    plans: list[RetirePlan] = []
    for old in chosen:
        staying = district_staying_words(old=old)
        covering = district_successors(old, excluding=leaving)
        mostly = covering if sum(share for _row, share in covering) >= MOSTLY_COVERED else []
        following = district_replacing_words(old=old, by=[(row.name, share) for row, share in mostly])
        if not staying and not following:
            nothing = _(
                "Nothing is attached to %(name)s: no open case, no resident's alert. Retiring it moves nothing "
                "and emails nobody."
            ) % {"name": old.name}
            plans.append(RetirePlan(old, [nothing]))
            continue
        plans.append(RetirePlan(old, [*staying, *following, _new_cases_words(covering)]))
    return plans


@transaction.atomic
def districts_retire(
    *, chosen: list[District], on: datetime.date
) -> tuple[list[tuple[str, District, list[str]]], list[str]]:
    """Retire each of ``chosen`` by hand from the day ``on`` (``district_retire``), all or
    none. What follows one (a resident's alerts) moves to the current district covering most of
    it when the city's current districts cover most of it (``MOSTLY_COVERED``), and stays
    otherwise; either way whoever chose it is told (``district_replaced_announce``). Returns
    each district's name before with the district retired and what stays with it
    (``district_staying_words``, asked under its name before: its open cases), and what the
    followers did, in sentences for the administrator."""
    retired: list[tuple[str, District, list[str]]] = []
    for d in chosen:
        staying = district_staying_words(old=d)  # under the name it has before, as the page said
        retired.append((d.name, district_retire(district=d, on=on), staying))
    lines: list[str] = []
    for _name, district, _staying in retired:
        lines += district_replaced_announce(old=district, at_least=MOSTLY_COVERED, cause=signals.RETIRED)
    return retired, lines


def district_replaced_announce(*, old: District, at_least: float = 0.0, cause: str = signals.DRAWN_OVER) -> list[str]:
    """Say that ``old`` was retired whole and the map that replaces it is in place
    (``signals.district_replaced``, with ``district_successors``, covering at least
    ``at_least`` of it together): a resident's alerts of it move to the district covering most
    of it, and the resident is told, in words of the ``cause`` (``signals.DRAWN_OVER``,
    ``IMPORTED``, ``RETIRED``). Called after the new districts are written, in the same
    transaction. Returns what the receivers did, in sentences for the administrator."""
    by = district_successors(old, at_least=at_least)
    answers = signals.district_replaced.send(sender=District, old=old, by=by, cause=cause)
    return [line for _receiver, lines in answers for line in (lines or [])]


def district_restore_problems(*, district: District, name: str) -> list[str]:
    """Why ``district`` cannot come back onto its city's current map under ``name``: the
    rules of a new district, checked again (the map may have changed since it was retired):
    its name free, its number no current district's, its area over no current district's,
    and inside the city's limits. Empty: it can."""
    city = district.city
    problems = []
    if District.objects.filter(city=city, name=name).exclude(pk=district.pk).exists():
        problems.append(
            _("Another district of %(city)s is named “%(name)s”: choose another name.")
            % {"city": city.name, "name": name}
        )
    try:
        shape = DistrictShape(name, district.number, geo.shape_from_geojson(district.boundary))
    except ValidationError as exc:
        return [*problems, *exc.messages]
    problems += outside_limits([shape], city)
    problems += district_clashes(city=city, shapes=[shape])
    return problems


@transaction.atomic
def district_restore(*, district: District, name: str) -> District:
    """Put a retired district back on its city's current map, under ``name`` (usually the
    name it had, ``name_before_retiring``): new cases at its points are placed in it again.
    Refused (``ValidationError``) when it is not retired, or its name, number or area now
    clash with the current map (``district_restore_problems``)."""
    row = District.objects.select_for_update().select_related("city").get(pk=district.pk)
    if row.retired_on is None:
        raise ValidationError(_("%(name)s is on the current map already.") % {"name": row.name})
    name = name.strip()
    problems = district_restore_problems(district=row, name=name)
    if problems:
        raise ValidationError(problems)
    row.retired_on, row.name = None, name
    row.save(update_fields=["retired_on", "name", "updated_at"])
    return row


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
