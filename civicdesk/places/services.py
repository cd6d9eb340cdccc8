"""Writing the gazetteer: loading address points and street segments.

A load is idempotent: each row is matched on its identity (an address's ``address_key`` in its
city; a segment's id in its source); a row already there with the same values is left alone,
a changed one is updated, a new one inserted, in batches. Loading the same file twice writes
nothing the second time. One transaction: a load that fails half-way leaves what was there.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from civicdesk.places.models import AddressPoint, Source, StreetSegment
from civicdesk.places.normalise import address_key
from civicdesk.places.readers import PointRow, SegmentRow
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
    started = time.perf_counter()
    report = LoadReport()
    existing = {
        source_id: (pk, tuple(values))
        for pk, source_id, *values in StreetSegment.objects.filter(city=city, source=str(source)).values_list(
            "pk", "source_id", *_SEGMENT_VALUES
        )
    }
    seen: set[str] = set()
    inserts: list[StreetSegment] = []
    updates: list[StreetSegment] = []
    for line, row in rows:
        report.read += 1
        if isinstance(row, str):
            report.bad.append((line, row))
            continue
        if not isinstance(row, SegmentRow):
            report.bad.append((line, "not a street segment"))
            continue
        if row.source_id in seen:
            report.duplicates += 1
            continue
        seen.add(row.source_id)
        values = _segment_values(row, illustrative)
        known = existing.get(row.source_id)
        if known is not None and known[1] == values:
            report.unchanged += 1
            continue
        segment = StreetSegment(
            city=city, source=str(source), source_id=row.source_id, **dict(zip(_SEGMENT_VALUES, values, strict=True))
        )
        if known is None:
            inserts.append(segment)
        else:
            segment.pk = known[0]
            updates.append(segment)
        if len(inserts) >= BATCH:
            report.inserted += len(StreetSegment.objects.bulk_create(inserts))
            inserts = []
        if len(updates) >= BATCH:
            report.updated += StreetSegment.objects.bulk_update(updates, _SEGMENT_VALUES)
            updates = []
    if inserts:
        report.inserted += len(StreetSegment.objects.bulk_create(inserts))
    if updates:
        report.updated += StreetSegment.objects.bulk_update(updates, _SEGMENT_VALUES)
    report.seconds = time.perf_counter() - started
    return report
