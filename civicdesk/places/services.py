"""Writing the gazetteer: loading address points and street segments.

A load is idempotent: each row is matched on its identity (an address's ``address_key`` in its
city; a segment's id in its source); a row already there with the same values is left alone,
a changed one is updated, a new one inserted, in batches. Loading the same file twice writes
nothing the second time. One transaction: a load that fails half-way leaves what was there.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

from civicdesk.places.models import AddressPoint, Source, Street, StreetSegment
from civicdesk.places.normalise import Street as StreetName
from civicdesk.places.normalise import address_key
from civicdesk.places.readers import PointRow, SegmentRow, StreetRow
from civicdesk.places.selectors import STREETS_GENERATION_KEY, line_coords
from civicdesk.tenants.models import City

BATCH = 5000
# Seven decimals of a degree are about a centimetre: finer differences are not a change.
_PLACES = 7


@dataclass
class LoadReport:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def written(self) -> int:
        return self.inserted + self.updated

    def summary(self, *, city: str, what: str, shown: int = 50) -> list[str]:
        """What a load command prints: one line of counts (``what`` names the rows: "rows",
        "streets"), then the first ``shown`` rows not loaded, by line and reason."""
        lines = [
            f"{city}: {self.read:,} {what} read in {self.seconds:.1f} s; {self.inserted:,} new, "
            f"{self.updated:,} changed, {self.unchanged:,} unchanged, {self.duplicates:,} repeated in the file, "
            f"{len(self.bad):,} not loaded."
        ]
        lines += [f"  line {line}: {reason}" for line, reason in self.bad[:shown]]
        if len(self.bad) > shown:
            lines.append(f"  … and {len(self.bad) - shown:,} more.")
        return lines


_POINT_VALUES = (
    "number",
    "number_suffix",
    "pre_directional",
    "street_name",
    "street_type",
    "post_directional",
    "unit",
    "place",
    "zip_code",
    "lat",
    "lng",
    "search_key",
    "street_key",
    "source",
    "source_id",
    "illustrative",
)


def _point_values(row: PointRow, source: str, illustrative: bool) -> tuple[Any, ...]:
    street = row.street
    search_key = f"{row.number} {street.key}"
    return (
        row.number,
        row.number_suffix,
        street.pre_directional,
        street.name[:100],
        street.street_type,
        street.post_directional,
        row.unit,
        row.place,
        row.zip_code,
        round(row.lat, _PLACES),
        round(row.lng, _PLACES),
        search_key[:160],
        street.key[:120],
        source,
        row.source_id,
        illustrative,
    )


@transaction.atomic
def addresses_load(
    *,
    city: City,
    rows: Iterable[tuple[int, PointRow | SegmentRow | str]],
    source: Source | str,
    illustrative: bool = False,
) -> LoadReport:
    """Load address points into ``city``'s gazetteer (see the module's docstring)."""
    started = time.perf_counter()
    report = LoadReport()
    existing: dict[str, tuple[int, tuple[Any, ...]]] = {
        key: (pk, tuple(values))
        for pk, key, *values in AddressPoint.objects.filter(city=city).values_list("pk", "address_key", *_POINT_VALUES)
    }
    seen: set[str] = set()
    inserts: list[tuple[Any, ...]] = []
    updates: list[AddressPoint] = []
    for line, row in rows:
        report.read += 1
        if isinstance(row, str):
            report.bad.append((line, row))
            continue
        if not isinstance(row, PointRow):
            report.bad.append((line, "not an address point"))
            continue
        key = address_key(number=row.number, number_suffix=row.number_suffix, street=row.street, unit=row.unit)[:200]
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        values = _point_values(row, str(source), illustrative)
        known = existing.get(key)
        if known is not None and known[1] == values:
            report.unchanged += 1
            continue
        if known is None:
            inserts.append((city.pk, key, *values))
        else:
            point = AddressPoint(city=city, address_key=key, **dict(zip(_POINT_VALUES, values, strict=True)))
            point.pk = known[0]
            updates.append(point)
        if len(inserts) >= BATCH:
            report.inserted += _insert_points(inserts)
            inserts = []
        if len(updates) >= BATCH:
            report.updated += AddressPoint.objects.bulk_update(updates, _POINT_VALUES)
            updates = []
    if inserts:
        report.inserted += _insert_points(inserts)
    if updates:
        report.updated += AddressPoint.objects.bulk_update(updates, _POINT_VALUES)
    report.seconds = time.perf_counter() - started
    return report


def _insert_points(rows: list[tuple[Any, ...]]) -> int:
    """Insert rows of (city id, address key, *_POINT_VALUES) without building model objects:
    COPY on PostgreSQL, one prepared INSERT on SQLite. The ORM's bulk_create spends most of a
    county's load preparing each field of each object; these rows are already clean."""
    table = AddressPoint._meta.db_table
    columns = ["city_id", "address_key", *_POINT_VALUES]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            # Table and column names are our own, quoted; the values are parameters.
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)
    return len(rows)


_SEGMENT_VALUES = (
    "pre_directional",
    "street_name",
    "street_type",
    "post_directional",
    "street_key",
    "left_from",
    "left_to",
    "right_from",
    "right_to",
    "left_parity",
    "right_parity",
    "left_zip",
    "right_zip",
    "geometry",
    "min_lat",
    "min_lng",
    "max_lat",
    "max_lng",
    "illustrative",
)


def _segment_values(row: SegmentRow, illustrative: bool) -> tuple[Any, ...]:
    coords = [[round(x, _PLACES), round(y, _PLACES)] for x, y in row.coords]
    street = row.street
    return (
        street.pre_directional,
        street.name[:100],
        street.street_type,
        street.post_directional,
        street.key[:120],
        row.left_from,
        row.left_to,
        row.right_from,
        row.right_to,
        row.left_parity,
        row.right_parity,
        row.left_zip[:10],
        row.right_zip[:10],
        {"type": "LineString", "coordinates": coords},
        min(y for _, y in coords),
        min(x for x, _ in coords),
        max(y for _, y in coords),
        max(x for x, _ in coords),
        illustrative,
    )


@transaction.atomic
def segments_load(
    *,
    city: City,
    rows: Iterable[tuple[int, PointRow | SegmentRow | str]],
    source: Source | str,
    illustrative: bool = False,
) -> LoadReport:
    """Load street segments with address ranges into ``city``'s gazetteer, idempotently."""

    def values(row: object) -> tuple[Any, ...] | str:
        if not isinstance(row, SegmentRow):
            return "not a street segment"
        return _segment_values(row, illustrative)

    return _load_by_source_id(StreetSegment, _SEGMENT_VALUES, city=city, rows=rows, source=source, values=values)


def _load_by_source_id(
    model: type[StreetSegment] | type[Street],
    fields: tuple[str, ...],
    *,
    city: City,
    rows: Iterable[tuple[int, object]],
    source: Source | str,
    values: Callable[[object], tuple[Any, ...] | str],
) -> LoadReport:
    """Rows identified by their id in their source (segments, centerlines): insert the new,
    update the changed, leave the same alone, in batches. ``values`` gives a row's values for
    ``fields``, or why the row cannot be loaded."""
    started = time.perf_counter()
    report = LoadReport()
    existing = {
        source_id: (pk, tuple(rest))
        for pk, source_id, *rest in model.objects.filter(city=city, source=str(source)).values_list(  # type: ignore[misc,union-attr]
            "pk", "source_id", *fields
        )
    }
    seen: set[str] = set()
    inserts: list[Any] = []
    updates: list[Any] = []
    for line, row in rows:
        report.read += 1
        if isinstance(row, str):
            report.bad.append((line, row))
            continue
        found = values(row)
        if isinstance(found, str):
            report.bad.append((line, found))
            continue
        source_id: str = row.source_id  # type: ignore[attr-defined]
        if source_id in seen:
            report.duplicates += 1
            continue
        seen.add(source_id)
        known = existing.get(source_id)
        if known is not None and known[1] == found:
            report.unchanged += 1
            continue
        item = model(city=city, source=str(source), source_id=source_id, **dict(zip(fields, found, strict=True)))
        if known is None:
            inserts.append(item)
        else:
            item.pk = known[0]
            updates.append(item)
        if len(inserts) >= BATCH:
            report.inserted += len(model.objects.bulk_create(inserts))  # type: ignore[misc,union-attr]
            inserts = []
        if len(updates) >= BATCH:
            report.updated += model.objects.bulk_update(updates, fields)  # type: ignore[misc,union-attr]
            updates = []
    if inserts:
        report.inserted += len(model.objects.bulk_create(inserts))  # type: ignore[misc,union-attr]
    if updates:
        report.updated += model.objects.bulk_update(updates, fields)  # type: ignore[misc,union-attr]
    report.seconds = time.perf_counter() - started
    return report


# --- street centerlines --------------------------------------------------------------------

# MAF/TIGER Feature Class Codes of roads -> the rank the map draws them from (models.Street).
_MTFCC_RANK = {
    "S1100": 1,  # primary road (interstates, limited access)
    "S1200": 2,  # secondary road (US and state highways, main arteries)
    "S1400": 3,  # local neighbourhood road, city street
    "S1630": 4,  # ramp
    "S1640": 4,  # service drive
}
# Words a city export uses for its classes, read as the nearest MTFCC rank.
_WORD_RANK = (
    ("interstate", 1),
    ("freeway", 1),
    ("expressway", 1),
    ("highway", 2),
    ("arterial", 2),
    ("major", 2),
    ("collector", 2),
    ("primary", 1),
    ("secondary", 2),
    ("ramp", 4),
    ("service", 4),
    ("alley", 5),
    ("private", 5),
    ("trail", 5),
    ("path", 5),
    ("walk", 5),
    ("parking", 5),
)


def street_rank(kind: str) -> int:
    """How important a street of this class is (1 highest): the map's small zooms draw only
    the important ones. Unknown classes are local streets."""
    code = kind.strip().upper()
    if code in _MTFCC_RANK:
        return _MTFCC_RANK[code]
    if code.startswith("S1"):
        return 5  # other road classes: 4WD tracks, alleys, private roads, walkways, stairs
    words = kind.casefold()
    return next((rank for word, rank in _WORD_RANK if word in words), 3)


_STREET_VALUES = ("name", "kind", "rank", "geometry", "min_lat", "min_lng", "max_lat", "max_lng", "illustrative")


def _street_values(row: StreetRow, illustrative: bool) -> tuple[Any, ...]:
    lines = [[[round(x, _PLACES), round(y, _PLACES)] for x, y in line] for line in row.lines]
    geometry = (
        {"type": "LineString", "coordinates": lines[0]}
        if len(lines) == 1
        else {"type": "MultiLineString", "coordinates": lines}
    )
    xs = [x for line in lines for x, _ in line]
    ys = [y for line in lines for _, y in line]
    return (row.name, row.kind, street_rank(row.kind), geometry, min(ys), min(xs), max(ys), max(xs), illustrative)


@transaction.atomic
def streets_load(
    *,
    city: City,
    rows: Iterable[tuple[int, StreetRow | str]],
    source: Source | str,
    illustrative: bool = False,
) -> LoadReport:
    """Load street centerlines for ``city``'s map, idempotently (see the module's docstring)."""

    def values(row: object) -> tuple[Any, ...] | str:
        if not isinstance(row, StreetRow):
            return "not a street centerline"
        return _street_values(row, illustrative)

    report = _load_by_source_id(Street, _STREET_VALUES, city=city, rows=rows, source=source, values=values)
    if report.written:
        # Every process serving the map sees new tiles at once (the cache is the database's).
        transaction.on_commit(streets_generation_renew)
    return report


def streets_generation_renew() -> None:
    """A new token for the street tiles' ETags and cache keys (selectors.streets_generation)."""
    cache.set(STREETS_GENERATION_KEY, uuid.uuid4().hex[:12], timeout=None)


def street_rows_from_segments(*, city: City) -> Iterator[tuple[int, StreetRow | str]]:
    """Centerlines made from the street segments already loaded (TIGER ADDRFEAT or EDGES carry
    the line and the name): one line per segment, for a city that has its address ranges and
    not (yet) its ROADS file. The segments have no road class: all are local streets."""
    segments = StreetSegment.objects.filter(city=city).order_by("pk")
    for number, segment in enumerate(segments.iterator(chunk_size=2000), start=1):
        coords = line_coords(segment.geometry)
        if len(coords) < 2:
            yield number, "the segment's line has fewer than two points"
            continue
        name = StreetName(
            segment.pre_directional, segment.street_name, segment.street_type, segment.post_directional
        ).label
        yield (
            number,
            StreetRow(
                source_id=f"{segment.source}:{segment.source_id}"[:100],
                name=name,
                kind="",
                lines=[coords],
            ),
        )
