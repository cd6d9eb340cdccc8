"""Council districts from GeoJSON files: reading an administrator's upload into one shape
per feature of a map (``services.district_import`` creates the districts).

Files come from city GIS offices in many shapes (a bare geometry, a Feature, a
FeatureCollection of every district). Each problem is reported in words an administrator
can act on: not JSON, not areas, not longitude/latitude, a missing name property, a number
given to two districts, a district outside the city's limits, a number or an area another
district of the city already has (``number_owner``, ``overlaps``: the import's rule and the
admin's single-district form's alike).

``district_template`` writes the file the import reads as it is: one feature per district
with the properties ``name`` and ``number``. For a new city it holds one district, "Citywide",
equal to the city's limits: a city that elects its council at large imports it unchanged; a
city with wards replaces it with one feature per ward from its adopted map (docs/onboarding.md).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from typing import IO, Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from civicdesk.tenants.geo import AREA_TYPES, shape_from_geojson
from civicdesk.tenants.models import City, District

MAX_GEOJSON_BYTES = 20 * 1024 * 1024
# A district with less than this share of its area inside its city's limits is refused: it
# is from another city's map (a district of the right map strays past the limits by metres).
MIN_SHARE_INSIDE = 0.01
# One less than this share inside is imported, with a warning to check the file.
MOSTLY_OUTSIDE = 0.5
# An invalid outline is repaired when the repair keeps its area (a ring touching itself at a
# point); one whose area the repair changes by more than this share (a figure eight) is refused.
REPAIR_TOLERANCE = 0.01
# Two districts of one map share borders, never area: an overlap larger than this share of
# the smaller of the two is a second map laid over the first, or a district drawn over its
# neighbour. Smaller overlaps are the slivers of digitised borders, which differ by metres.
OVERLAP_SHARE = 0.02
# The properties of the template (and the import's defaults for ``manage.py districts_import``).
NAME_PROPERTY, NUMBER_PROPERTY = "name", "number"
# The template's one district for a city that elects its council at large.
AT_LARGE_NAME = "Citywide"


@dataclass(frozen=True)
class DistrictShape:
    """One area read from a file, ready to become a district."""

    name: str
    number: int | None
    geom: BaseGeometry

    @property
    def boundary(self) -> dict[str, Any]:
        return json.loads(json.dumps(mapping(self.geom)))


@dataclass(frozen=True)
class Overlap:
    """Another district an area overlaps: ``share`` of the smaller of the two is shared."""

    name: str
    share: float
    covers: bool  # the area is the larger: it covers ``share`` of the other district


def current_shapes(city: City, *, excluding: int | None = None) -> list[DistrictShape]:
    """The districts of ``city``'s current map (a retired one takes no new case), but the
    district ``excluding`` (the one being edited). An unreadable boundary routes nothing
    and is left out: it can clash with nothing."""
    rows = District.objects.filter(city=city, retired_on__isnull=True).order_by("number", "name")
    if excluding is not None:
        rows = rows.exclude(pk=excluding)
    shapes = []
    for row in rows:
        with contextlib.suppress(ValidationError):
            shapes.append(DistrictShape(row.name, row.number, shape_from_geojson(row.boundary)))
    return shapes


def number_owner(number: int | None, placed: list[DistrictShape]) -> DistrictShape | None:
    """The district of ``placed`` that has ``number`` already (a district without a number
    clashes with none): each district of a city has its own number."""
    if number is None:
        return None
    return next((item for item in placed if item.number == number), None)


def overlaps(geom: BaseGeometry, placed: list[DistrictShape]) -> list[Overlap]:
    """The districts of ``placed`` that ``geom`` overlaps by more than ``OVERLAP_SHARE`` of
    the smaller of the two.

    Why it matters: a case is placed in the district whose boundary covers its point
    (``selectors.district_at``, by point in polygon, first match). A point inside two
    districts would belong to both, and the case would go to whichever the index finds
    first: its council member, the district's reports and its dashboard would be wrong
    without anyone being told. The share is of the smaller area, so a small district drawn
    inside a large one and a large one drawn over a small one are refused alike.
    """
    found = []
    for item in placed:
        if not geom.intersects(item.geom):
            continue
        smaller = min(geom.area, item.geom.area) or 1.0
        share = float(geom.intersection(item.geom).area / smaller)
        if share > OVERLAP_SHARE:
            found.append(Overlap(item.name, share, covers=item.geom.area <= geom.area))
    return found


def read_geojson(upload: IO[bytes], *, filename: str = "") -> Any:
    """Parse an uploaded file as JSON, or raise ValidationError saying why it is not."""
    raw = upload.read(MAX_GEOJSON_BYTES + 1)
    name = filename or getattr(upload, "name", "") or _("The file")
    if len(raw) > MAX_GEOJSON_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(mb)d MB; simplify the map before uploading it.")
            % {"name": name, "mb": MAX_GEOJSON_BYTES // (1024 * 1024)}
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _(
                "%(name)s is not a GeoJSON file: it is not text (a shapefile or a zip must be converted to GeoJSON first)."
            )
            % {"name": name}
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            _("%(name)s is not a GeoJSON file: it is not valid JSON (%(error)s at line %(line)d, column %(col)d).")
            % {"name": name, "error": exc.msg, "line": exc.lineno, "col": exc.colno}
        ) from exc
    if not isinstance(data, dict) or "type" not in data:
        raise ValidationError(
            _("%(name)s is JSON but not GeoJSON: it has no “type” (Polygon, Feature or FeatureCollection).")
            % {"name": name}
        )
    return data


def features_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The features of a GeoJSON document; a bare geometry counts as one feature."""
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise ValidationError(_("The GeoJSON file holds no features."))
        return [f if isinstance(f, dict) else {} for f in features]
    if kind == "Feature":
        return [data]
    return [{"type": "Feature", "properties": {}, "geometry": data}]


def area_of(feature: dict[str, Any], *, position: int, count: int) -> BaseGeometry:
    """The (multi)polygon of one feature; errors name the feature when there are several."""
    try:
        geom = shape_from_geojson(feature)
        refuse_unclear_outline(feature.get("geometry") if feature.get("type") == "Feature" else feature)
        return geom
    except ValidationError as exc:
        if count == 1:
            raise
        raise ValidationError(
            _("Feature %(n)d of %(count)d: %(error)s")
            % {"n": position, "count": count, "error": " ".join(exc.messages)}
        ) from exc


def refuse_unclear_outline(geometry: Any) -> None:
    """Refuse an outline whose repair would change its area, saying where it goes wrong.

    ``shape_from_geojson`` repairs invalid rings, as published maps have them: a ring that
    touches itself at one point encloses the same area once repaired. But an outline that
    crosses itself (two corners out of order draw a figure eight) or a hole drawn outside
    its area has no one meaning: the repair would keep an area nobody drew. ``geometry``
    is one that ``shape_from_geojson`` has already read without error.
    """
    if not isinstance(geometry, dict) or geometry.get("type") not in AREA_TYPES:
        return  # a collection inside a collection: its parts were each read on their own
    drawn = shape(geometry)
    parts = list(getattr(drawn, "geoms", [drawn]))
    for part in parts:
        if part.is_valid:
            continue
        repaired = shapely.make_valid(part).area
        if abs(repaired - part.area) <= REPAIR_TOLERANCE * repaired:
            continue
        reason = shapely.is_valid_reason(part)
        lng, lat = part.representative_point().coords[0]
        where = re.search(r"\[(\S+) (\S+?)\]", reason)  # GEOS: "Self-intersection[-94.39 39.09]"
        if where:
            with contextlib.suppress(ValueError):
                lng, lat = float(where[1]), float(where[2])
        place = {"lng": f"{lng:.5f}", "lat": f"{lat:.5f}"}
        if "Self-intersection" in reason:
            message = _(
                "The boundary's outline crosses itself near longitude %(lng)s, latitude %(lat)s, so the area it "
                "encloses is unclear (two corners out of order draw a figure eight). Correct the outline and upload "
                "it again."
            )
        elif reason.startswith("Hole lies outside shell"):
            message = _(
                "The boundary has a hole drawn outside its area, near longitude %(lng)s, latitude %(lat)s. Correct "
                "the outline and upload it again."
            )
        else:
            message = _(
                "The boundary's outline is not valid near longitude %(lng)s, latitude %(lat)s (%(reason)s). Correct "
                "the outline and upload it again."
            )
            place["reason"] = reason.split("[")[0]
        raise ValidationError(message % place, code="invalid_boundary")


def single_area(data: dict[str, Any]) -> BaseGeometry:
    """The one area in a file meant for one district; a map of several is refused, not merged."""
    features = features_of(data)
    if len(features) > 1:
        raise ValidationError(
            _(
                "This file holds %(count)d areas. Upload a file with one area here, or use "
                "“Import districts from GeoJSON” to create one district per area."
            )
            % {"count": len(features)}
        )
    return area_of(features[0], position=1, count=1)


def property_names(features: list[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for feature in features:
        names.update(dict.fromkeys(str(k) for k in (feature.get("properties") or {})))
    return list(names)


def default_number_property(data: dict[str, Any]) -> str:
    """The number property when none is named: the template's ``number`` when the features
    have it, else none (a name that is a whole number is its number)."""
    return NUMBER_PROPERTY if NUMBER_PROPERTY in property_names(features_of(data)) else ""


def district_shapes(
    data: dict[str, Any], *, name_property: str, number_property: str = "", name_prefix: str = ""
) -> list[DistrictShape]:
    """Read one district per feature, named by ``name_property`` (plus an optional prefix).

    The number comes from ``number_property``, or from the name when it is a whole number
    (``"4"`` → district 4).
    """
    features = features_of(data)
    available = property_names(features)
    for wanted in filter(None, [name_property, number_property]):
        if wanted not in available:
            raise ValidationError(
                _("The features have no property “%(name)s”. Properties found: %(found)s.")
                % {"name": wanted, "found": ", ".join(available) or _("none")}
            )
    shapes: list[DistrictShape] = []
    errors: list[str] = []
    for position, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        value = str(props.get(name_property) or "").strip()
        if not value:
            errors.append(_("Feature %(n)d has no value for “%(name)s”.") % {"n": position, "name": name_property})
            continue
        given = props.get(number_property) if number_property else value
        raw_number = "" if given is None else str(given).strip()
        number = int(raw_number) if raw_number.isdigit() else None
        # An empty number (null in the template) is a district without one, such as "Citywide".
        if number_property and number is None and raw_number:
            errors.append(
                _("Feature %(n)d: “%(value)s” in “%(name)s” is not a whole number.")
                % {"n": position, "value": raw_number, "name": number_property}
            )
            continue
        try:
            geom = area_of(feature, position=position, count=len(features))
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        shapes.append(DistrictShape(name=f"{name_prefix}{value}"[:100], number=number, geom=geom))
    seen: set[str] = set()
    numbered: dict[int, DistrictShape] = {}
    for item in shapes:
        if item.name in seen:
            errors.append(_("Two features are both named “%(name)s”.") % {"name": item.name})
        seen.add(item.name)
        if item.number is None:
            continue
        first = numbered.setdefault(item.number, item)
        if first is not item:
            errors.append(
                _("“%(first)s” and “%(second)s” both have the number %(n)d: each district of a map has its own number.")
                % {"first": first.name, "second": item.name, "n": item.number}
            )
    if errors:
        raise ValidationError(errors)
    return shapes


def share_inside(geom: BaseGeometry, city: City, *, limits: BaseGeometry | None = None) -> float:
    """The share (0–1) of an area that lies within the city's limits: the one measure of
    the import's refusal (``outside_limits``) and of its warnings (``mostly_outside``).
    ``limits``: the city's boundary, when the caller has read it already (once per file)."""
    if geom.area == 0:
        return 0.0
    if limits is None:
        limits = shape_from_geojson(city.boundary)
    return float(geom.intersection(limits).area / geom.area)


def outside_limits(shapes: list[DistrictShape], city: City) -> list[str]:
    """What lies outside ``city``'s limits, in the administrator's words: each district of
    which less than ``MIN_SHARE_INSIDE`` is inside. Such a district could never hold a case
    (cases are placed in the district of their city at their point); the file is another
    city's map, or its coordinates were moved in a conversion."""
    limits = shape_from_geojson(city.boundary)
    problems = []
    for item in shapes:
        share = share_inside(item.geom, city, limits=limits)
        if share < MIN_SHARE_INSIDE:
            problems.append(
                _(
                    "“%(name)s” lies outside %(city)s's limits (%(pct)s of it is inside): is the file another "
                    "city's map?"
                )
                % {"name": item.name or _("The district"), "city": city.name, "pct": f"{share:.0%}"}
            )
    return problems


def mostly_outside(shapes: list[DistrictShape], city: City) -> list[tuple[DistrictShape, float]]:
    """The districts imported though less than ``MOSTLY_OUTSIDE`` of each is inside ``city``'s
    limits, with that share: what the admin and ``manage.py districts_import`` warn of."""
    limits = shape_from_geojson(city.boundary)
    shares = [(item, share_inside(item.geom, city, limits=limits)) for item in shapes]
    return [(item, share) for item, share in shares if share < MOSTLY_OUTSIDE]


def district_template(city: City) -> str:
    """A districts file the import takes as it is: one district, "Citywide", equal to the
    city's limits, with the properties ``name`` and ``number`` (null: no number). GeoJSON,
    in longitude/latitude; each feature on lines of its own, its boundary on one line, so
    that it reads and edits in a text editor."""
    feature = {
        "type": "Feature",
        "properties": {NAME_PROPERTY: AT_LARGE_NAME, NUMBER_PROPERTY: None},
        "geometry": mapping(shape_from_geojson(city.boundary)),
    }
    geometry = json.dumps(json.loads(json.dumps(feature["geometry"])), separators=(",", ":"))
    return (
        "{\n"
        '  "type": "FeatureCollection",\n'
        '  "features": [\n'
        "    {\n"
        '      "type": "Feature",\n'
        f'      "properties": {json.dumps(feature["properties"], ensure_ascii=False)},\n'
        f'      "geometry": {geometry}\n'
        "    }\n"
        "  ]\n"
        "}\n"
    )


@dataclass(frozen=True)
class Room:
    """What becomes of one current district when a district is placed over it (``make_room``).

    ``rest``: the area it keeps, when it is cut (``None``: it is retired whole);
    ``share``: the share (0–1) of the city's limits in ``rest`` (or in what is left without a
    district when it is retired over slivers); ``redrawn``: it is the district being redrawn
    (same name or number), not a neighbour."""

    district: DistrictShape
    rest: BaseGeometry | None
    share: float
    redrawn: bool = False

    @property
    def cut(self) -> bool:
        return self.rest is not None


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The areas of a geometry (a difference may leave lines and points along shared edges)."""
    geom = shapely.make_valid(geom)
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in AREA_TYPES and not g.is_empty]
    areas = [p for part in parts for p in getattr(part, "geoms", [part])]
    return shapely.union_all(areas) if areas else shapely.Polygon()


def share_of_city(geom: BaseGeometry, limits: BaseGeometry) -> float:
    """The share (0–1) of the city's limits that ``geom`` holds."""
    return float(geom.intersection(limits).area / (limits.area or 1.0))


def make_room(
    geom: BaseGeometry, *, name: str, number: int | None, placed: list[DistrictShape], limits: BaseGeometry
) -> list[Room]:
    """What placing ``geom`` (district ``name``, ``number``) does to the districts of ``placed``
    it overlaps (``overlaps``), so that each point stays in one district and none is lost:

    - one of the same name or number is the district being redrawn: retired, ``geom`` takes
      its place;
    - one it only partly covers is cut: redrawn as its area minus ``geom``, so that a city
      moving from "Citywide" to wards one at a time keeps every point in a district;
    - one it covers wholly, or all but slivers, is retired: what it would keep is less than
      ``OVERLAP_SHARE`` of its area or ``MIN_SHARE_INSIDE`` of the city's (the slivers between
      a ward map's edges and the city's limits, which differ by metres, and stay without a
      district rather than become one).
    """
    rooms = []
    found = {o.name for o in overlaps(geom, placed)}
    for item in placed:
        if item.name not in found:
            continue
        rest = polygonal(item.geom.difference(geom))
        share = share_of_city(rest, limits)
        redrawn = item.name == name or (number is not None and item.number == number)
        if redrawn or rest.area < OVERLAP_SHARE * item.geom.area or share < MIN_SHARE_INSIDE:
            rooms.append(Room(item, None, share, redrawn=redrawn))
        else:
            rooms.append(Room(item, rest, share))
    return rooms
