"""Where a point lies: which member city, which council district.

Boundaries are GeoJSON kept in the database and turned into shapely shapes once per
process, rebuilt when a boundary changes (the index is keyed on every row's
``updated_at``). "Covers" is used rather than "contains" so that a point exactly on a
boundary line still belongs to the area.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

logger = logging.getLogger(__name__)

AREA_TYPES = {"Polygon", "MultiPolygon"}

# A point computed on a boundary line (the midpoint of an edge, a snapped map click) lands
# a floating-point rounding error (~1e-15°) to either side of it; about a third of such
# midpoints on the real city limits fall just outside. A point that no area covers exactly
# but that lies within this distance of one (1e-9° is about 0.1 mm) is treated as on it.
ON_BOUNDARY_TOLERANCE = 1e-9

_NO_AREA = np.iinfo(np.int64).max

_METRES_PER_DEGREE = 111_320.0


def metres_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine: exact enough at city scale)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def shape_from_geojson(data: Any) -> BaseGeometry:
    """Return the (multi)polygon in a GeoJSON geometry, Feature or FeatureCollection.

    ``data`` is parsed GeoJSON (a dict) or its text. A collection's features are merged into
    one area. Invalid rings (self-intersections, as some published maps have) are repaired
    with ``make_valid``; anything that is not an area in longitude/latitude degrees is
    refused with a ValidationError that says what is wrong.
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ValidationError(
                _("The boundary is not GeoJSON: the text could not be read as JSON (%(error)s)."),
                code="invalid_boundary",
                params={"error": exc},
            ) from exc
    if not isinstance(data, dict):
        raise ValidationError(
            _("The boundary is not GeoJSON: expected an object with a “type”, got %(kind)s."),
            code="invalid_boundary",
            params={"kind": type(data).__name__},
        )
    if data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise ValidationError(_("The GeoJSON file holds no features."), code="invalid_boundary")
        shapes = []
        for number, feature in enumerate(features, start=1):
            try:
                shapes.append(shape_from_geojson(feature))
            except ValidationError as exc:
                raise ValidationError(
                    _("Feature %(number)s of %(count)s: %(error)s"),
                    code="invalid_boundary",
                    params={"number": number, "count": len(features), "error": " ".join(exc.messages)},
                ) from exc
        return _area_only(shapely.union_all(shapes)) if len(shapes) > 1 else shapes[0]
    geometry = data.get("geometry") if data.get("type") == "Feature" else data
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or kind not in AREA_TYPES:
        raise ValidationError(
            _("A boundary must be a GeoJSON Polygon or MultiPolygon, not %(kind)s."),
            code="invalid_boundary",
            params={"kind": kind if isinstance(kind, str) and kind else _("something without a geometry type")},
        )
    if not geometry.get("coordinates"):
        raise ValidationError(_("The boundary has no coordinates."), code="invalid_boundary")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
        raise ValidationError(
            _("The boundary's coordinates could not be read: %(error)s"),
            code="invalid_boundary",
            params={"error": str(exc) or type(exc).__name__},
        ) from exc
    if geom.is_empty:
        raise ValidationError(_("The boundary is empty."), code="invalid_boundary")
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise ValidationError(_("The boundary has coordinates that are not numbers."), code="invalid_boundary")
    _check_degrees(geom)
    if not geom.is_valid:
        geom = _area_only(shapely.make_valid(geom))
    return geom


def _check_degrees(geom: BaseGeometry) -> None:
    minx, miny, maxx, maxy = geom.bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return
    if -90 <= minx <= maxx <= 90 and -180 <= miny <= maxy <= 180:
        raise ValidationError(
            _(
                "The boundary's coordinates look like latitude, longitude: GeoJSON puts longitude first "
                "([longitude, latitude])."
            ),
            code="invalid_boundary",
        )
    raise ValidationError(
        _(
            "The boundary is not in longitude/latitude degrees (WGS 84): coordinates such as %(x).0f, %(y).0f "
            "look projected (state-plane feet or meters). Re-export it as GeoJSON in EPSG:4326."
        ),
        code="invalid_boundary",
        params={"x": minx, "y": miny},
    )


def _area_only(geom: BaseGeometry) -> BaseGeometry:
    """The polygons in a repaired or merged shape; a repair can leave stray lines or points."""
    polygons = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, (Polygon, MultiPolygon))]
    area = shapely.union_all(polygons) if polygons else None
    if area is None or area.is_empty or area.area == 0:
        raise ValidationError(_("The boundary encloses no area."), code="invalid_boundary")
    return area


def _coordinate(value: Any, *, latitude: bool) -> float:
    limit = 90 if latitude else 180
    # The fast path for what every caller sends: a float in range. Labels are translated
    # only when there is an error to word (a gettext call costs as much as the lookup).
    if type(value) is float and -limit <= value <= limit:
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(
            _("%(label)s is missing."), code="invalid_coordinates", params={"label": _coordinate_label(latitude)}
        )
    try:
        # bool is an int to Python, but True is no latitude.
        number = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ValidationError(
            _("%(label)s must be a number between -%(limit)s and %(limit)s, not “%(value)s”."),
            code="invalid_coordinates",
            params={"label": _coordinate_label(latitude), "limit": limit, "value": value},
        )
    return number


def _coordinate_label(latitude: bool) -> str:
    return _("Latitude") if latitude else _("Longitude")


def point(lat: Any, lng: Any) -> shapely.Point:
    """A shapely point from a latitude and longitude (numbers or numeric text).

    Raises ValidationError, in words a resident understands, for anything that is not a
    place on Earth: text that is not a number, NaN, infinity, or out-of-range degrees.
    """
    latitude = _coordinate(lat, latitude=True)
    return shapely.Point(_coordinate(lng, latitude=False), latitude)


@dataclass(frozen=True)
class Area:
    pk: int
    geom: BaseGeometry


class AreaIndex:
    """A set of areas with an STRtree over them, answering 'which area covers this point'.

    The tree only finds candidates by bounding box; the exact test is the prepared
    polygon's ``covers``. (Asking the tree for ``predicate="covered_by"`` prepares the
    *point* instead of the polygon and is 2–20 times slower on real boundaries.)
    """

    def __init__(self, areas: Sequence[Area], rows: Mapping[int, Any] | None = None) -> None:
        self.areas = list(areas)
        # The areas' rows (without their boundaries), read with the shapes when the caller
        # keeps them: as fresh as the index itself.
        self.rows = dict(rows or {})
        self._geoms = np.array([area.geom for area in self.areas], dtype=object)
        self._pks = np.array([area.pk for area in self.areas], dtype=np.int64)
        for area in self.areas:
            shapely.prepare(area.geom)
            # GEOS builds a prepared polygon's point locator lazily on first use, and that
            # first use is not thread-safe: do it here, before the index is shared.
            area.geom.covers(area.geom.representative_point())
        self.tree = STRtree(self._geoms) if self.areas else None

    def covering(self, pt: BaseGeometry) -> list[int]:
        """Ids of every area covering the point (on its boundary counts), lowest first."""
        if self.tree is None:
            return []
        candidates = self.tree.query(pt)
        hits = [int(self._pks[i]) for i in candidates if self._geoms[i].covers(pt)]
        if not hits:
            near = self.tree.query(pt, predicate="dwithin", distance=ON_BOUNDARY_TOLERANCE)
            hits = [int(self._pks[i]) for i in near]
        return sorted(hits)

    def covering_many(self, lats: Sequence[Any], lngs: Sequence[Any]) -> list[int | None]:
        """For each point, the id of the area covering it, or None where none does.

        The bulk form of ``covering`` for importers: hundreds of thousands of points a
        second in one call, about ten times the one-point-at-a-time rate. Where areas overlap (a point on a shared border line) the lowest id
        wins, as in ``tenants.selectors.city_at``. A missing (None/NaN) or impossible
        coordinate gets None too; call ``point`` on a row to learn what is wrong with it.
        """
        try:
            lat = np.asarray(lats, dtype=float)
            lng = np.asarray(lngs, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                _("Coordinates must be numbers: %(error)s"), code="invalid_coordinates", params={"error": exc}
            ) from exc
        if lat.shape != lng.shape or lat.ndim != 1:
            raise ValidationError(
                _("Give one longitude for each latitude (%(lats)s latitudes, %(lngs)s longitudes)."),
                code="invalid_coordinates",
                params={"lats": lat.size, "lngs": lng.size},
            )
        found = np.full(lat.shape, _NO_AREA, dtype=np.int64)
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(lat) & np.isfinite(lng) & (np.abs(lat) <= 90) & (np.abs(lng) <= 180)
        rows = np.flatnonzero(usable)
        if self.tree is not None and rows.size:
            pts = shapely.points(lng[rows], lat[rows])
            pt_i, area_i = self.tree.query(pts)  # bounding boxes only: cheap
            inside = shapely.covers(self._geoms[area_i], pts[pt_i])
            np.minimum.at(found, rows[pt_i[inside]], self._pks[area_i[inside]])
            missed = np.flatnonzero(found[rows] == _NO_AREA)
            if missed.size:
                pt_i, area_i = self.tree.query(pts[missed], predicate="dwithin", distance=ON_BOUNDARY_TOLERANCE)
                np.minimum.at(found, rows[missed[pt_i]], self._pks[area_i])
        ids = cast(list[int], found.tolist())
        return [None if pk == _NO_AREA else pk for pk in ids]

    def boundaries_near(self, pt: BaseGeometry, metres: float) -> list[tuple[int, float]]:
        """Areas whose boundary line passes within ``metres`` of the point, with that
        distance in metres, nearest first (for "please check your pin" warnings)."""
        if self.tree is None:
            return []
        # A degree of longitude is shorter than one of latitude: search with the wider of
        # the two, then measure each candidate exactly.
        degrees = metres / (_METRES_PER_DEGREE * max(0.01, math.cos(math.radians(pt.y))))
        found = []
        for i in self.tree.query(pt, predicate="dwithin", distance=degrees):
            edge = self._geoms[i].boundary
            on_edge = shapely.shortest_line(edge, pt).coords[0]
            distance = metres_between(pt.y, pt.x, on_edge[1], on_edge[0])
            if distance <= metres:
                found.append((int(self._pks[i]), distance))
        return sorted(found, key=lambda hit: hit[1])

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
    """Built indexes keyed by what they cover, each with the stamp it was built from.

    Reading the stamp is a query; within GEO_FRESHNESS_SECONDS of the last check an index
    is used without asking again, so a burst of reports (or an import) costs no query per
    point, and an edited boundary is seen by every process within that window.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[tuple[str, Any], tuple[Any, AreaIndex, float]] = {}

    def get(self, key: tuple[str, Any], read_stamp: Callable[[], Any], build: Callable[[], AreaIndex]) -> AreaIndex:
        from django.conf import settings

        window = float(getattr(settings, "GEO_FRESHNESS_SECONDS", 0))
        now = time.monotonic()
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None and window > 0 and now - entry[2] < window:
            return entry[1]
        stamp = read_stamp()
        if entry is not None and entry[0] == stamp:
            with self.lock:
                self.entries[key] = (stamp, entry[1], now)
            return entry[1]
        index = build()
        with self.lock:
            self.entries[key] = (stamp, index, now)
        return index

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_cache = _Cache()


def clear_cache() -> None:
    """Forget every built index (tests; a boundary edited behind the ORM's back)."""
    _cache.clear()


def _areas(rows: Any, what: str) -> list[Area]:
    areas = []
    for pk, boundary in rows:
        try:
            areas.append(Area(pk, shape_from_geojson(boundary)))
        except ValidationError as exc:
            # One unreadable boundary (written around the model's validators) must not
            # stop the other areas from routing; it is left out and logged loudly.
            logger.error("%s %s has an unusable boundary and is left out of routing: %s", what, pk, exc.messages)
    return areas


def city_index() -> AreaIndex:
    """The index of every city's limits, rebuilt when any city is added, removed or saved.

    The stamp is each row's ``updated_at``, which ``save()`` sets; a bulk ``update()`` of a
    boundary must set ``updated_at`` too (or call ``clear_cache`` in every process).
    """
    from civicdesk.tenants.models import City

    # Stamp first, boundaries second: a change in between leaves a stale stamp on fresh
    # shapes, which only costs one extra rebuild.
    def stamp() -> Any:
        return tuple(City.objects.order_by("pk").values_list("pk", "updated_at"))

    def build() -> AreaIndex:
        return AreaIndex(_areas(City.objects.values_list("pk", "boundary"), "City"))

    return _cache.get(("cities", None), stamp, build)


def district_index(city_id: int) -> AreaIndex:
    """The index of one city's council districts, rebuilt when any of them changes."""
    from civicdesk.tenants.models import District

    def stamp() -> Any:
        return tuple(District.objects.filter(city_id=city_id).order_by("pk").values_list("pk", "updated_at"))

    def build() -> AreaIndex:
        # The city's current map: a retired district keeps its cases but takes no new point.
        # (Built here, not on every call: a report's look-up in a kept index makes no query
        # and should not build one either.)
        rows = District.objects.filter(city_id=city_id, retired_on__isnull=True)
        # The districts' rows too: a report at a point reads its district from here, not
        # with a query (same freshness as the shapes: a saved district rebuilds both).
        kept = {district.pk: district for district in rows.defer("boundary")}
        return AreaIndex(_areas(rows.values_list("pk", "boundary"), "District"), kept)

    return _cache.get(("districts", city_id), stamp, build)


def neighbour_index() -> AreaIndex:
    """The index of the known non-member neighbours' limits (for naming them to residents)."""
    from civicdesk.tenants.models import NeighbourArea

    def stamp() -> Any:
        return tuple(NeighbourArea.objects.order_by("pk").values_list("pk", "updated_at"))

    def build() -> AreaIndex:
        return AreaIndex(_areas(NeighbourArea.objects.values_list("pk", "boundary"), "Neighbor area"))

    return _cache.get(("neighbours", None), stamp, build)
