"""Where a point lies: which member city, which council district.

Boundaries are GeoJSON kept in the database and turned into shapely shapes once per
process, rebuilt when a boundary changes (the index is keyed on every row's
``updated_at``). ``covers`` is used rather than ``contains`` so that a point exactly on a
boundary line still belongs to the area.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

AREA_TYPES = {"Polygon", "MultiPolygon"}


def shape_from_geojson(data: Any) -> BaseGeometry:
    """Return the (multi)polygon in a GeoJSON geometry, Feature or one-feature collection.

    Invalid rings (self-intersections, as some published maps have) are repaired with
    ``make_valid``; anything that is not an area is refused with a clear message.
    """
    geometry = data
    if isinstance(geometry, dict) and geometry.get("type") == "FeatureCollection":
        features = geometry.get("features") or []
        shapes = [shape_from_geojson(feature) for feature in features]
        if not shapes:
            raise ValidationError(_("The GeoJSON file holds no features."))
        return shapely.union_all(shapes)
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in AREA_TYPES:
        raise ValidationError(_("A boundary must be a GeoJSON Polygon or MultiPolygon."))
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise ValidationError(_("The boundary's coordinates could not be read: %(error)s") % {"error": exc}) from exc
    if geom.is_empty:
        raise ValidationError(_("The boundary is empty."))
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        polygons = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, (Polygon, MultiPolygon))]
        geom = shapely.union_all(polygons)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError(_("The boundary is not in longitude/latitude degrees (WGS 84)."))
    return geom


def point(lat: float, lng: float) -> BaseGeometry:
    if not (-90 <= lat <= 90) or not (-180 <= lng <= 180):
        raise ValidationError(_("Latitude must be between -90 and 90 and longitude between -180 and 180."))
    return shapely.Point(lng, lat)


@dataclass(frozen=True)
class Area:
    pk: int
    geom: BaseGeometry


class AreaIndex:
    """A set of areas with an STRtree over them, answering 'which area covers this point'."""

    def __init__(self, areas: list[Area]) -> None:
        self.areas = areas
        for area in areas:
            shapely.prepare(area.geom)
        self.tree = STRtree([area.geom for area in areas]) if areas else None

    def covering(self, pt: BaseGeometry) -> list[int]:
        if self.tree is None:
            return []
        hits = self.tree.query(pt, predicate="covered_by")
        return [self.areas[int(i)].pk for i in hits]

    def nearest(self, pt: BaseGeometry) -> tuple[int, float] | None:
        """The closest area and its distance in degrees (for 'just outside' answers)."""
        if self.tree is None:
            return None
        i = self.tree.nearest(pt)
        if i is None:
            return None
        area = self.areas[int(i)]
        return area.pk, float(area.geom.distance(pt))


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[tuple[str, Any], tuple[Any, AreaIndex]] = {}

    def get(self, key: tuple[str, Any], stamp: Any, build: Any) -> AreaIndex:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and entry[0] == stamp:
                return entry[1]
        index = build()
        with self.lock:
            self.entries[key] = (stamp, index)
        return index

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_cache = _Cache()


def clear_cache() -> None:
    _cache.clear()


def city_index() -> AreaIndex:
    from civicdesk.tenants.models import City

    stamp = tuple(City.objects.order_by("pk").values_list("pk", "updated_at"))

    def build() -> AreaIndex:
        return AreaIndex([Area(pk, shape_from_geojson(b)) for pk, b in City.objects.values_list("pk", "boundary")])

    return _cache.get(("cities", None), stamp, build)


def district_index(city_id: int) -> AreaIndex:
    from civicdesk.tenants.models import District

    rows = District.objects.filter(city_id=city_id)
    stamp = tuple(rows.order_by("pk").values_list("pk", "updated_at"))

    def build() -> AreaIndex:
        return AreaIndex([Area(pk, shape_from_geojson(b)) for pk, b in rows.values_list("pk", "boundary")])

    return _cache.get(("districts", city_id), stamp, build)
