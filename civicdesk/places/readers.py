"""Reading the address data cities have, one row at a time (streaming: a county's file is
never held in memory).

Each reader yields ``(line, row)`` where ``row`` is a ``PointRow`` / ``SegmentRow``, or a
string saying in the user's terms why that line cannot be used. ``line`` is the file's line
number for CSV and line-delimited GeoJSON, the feature's number (from 1) for a GeoJSON
collection, and the record's number (from 1) for a shapefile.
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from django.utils.translation import gettext as _

from civicdesk.places.normalise import (
    Street,
    parse_address,
    parse_street,
    split_number,
    street_from_parts,
    unit_from_text,
)


class PointRow(NamedTuple):  # a tuple: a county has 300,000 of them to make
    number: int
    number_suffix: str
    street: Street
    unit: str
    place: str
    zip_code: str
    lat: float
    lng: float
    source_id: str = ""


@dataclass(frozen=True)
class SegmentRow:
    source_id: str
    street: Street
    left_from: int | None
    left_to: int | None
    right_from: int | None
    right_to: int | None
    left_parity: str
    right_parity: str
    left_zip: str
    right_zip: str
    coords: list[tuple[float, float]]  # (lng, lat)


Rows = Iterator[tuple[int, PointRow | SegmentRow | str]]


class MappingError(ValueError):
    """A column mapping that cannot be used, with what to change in it."""


# --- column mappings -----------------------------------------------------------------------

FIELDS = {
    "address": "the whole address on one line (parsed), instead of number and street",
    "number": "the house number, with any suffix (1234, 1234A, 1234 1/2)",
    "street": "the whole street (parsed): S NOLAND RD",
    "pre_directional": "N, S, E, W… before the name, when the street is in separate columns",
    "street_name": "the street's name alone",
    "street_type": "Rd, Street, Ave…",
    "post_directional": "N, S, E, W… after the type",
    "unit": "apartment, suite, unit",
    "place": "the city or place name",
    "zip": "the ZIP code",
    "lat": "latitude in degrees (GeoJSON: taken from the point when not mapped)",
    "lng": "longitude in degrees (GeoJSON: taken from the point when not mapped)",
    "id": "the address's id in the source",
}


@dataclass
class ColumnMapping:
    """Our field -> the source's column (CSV) or property (GeoJSON)."""

    columns: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8-sig"


OPENADDRESSES_CSV = ColumnMapping(
    columns={
        "number": "NUMBER",
        "street": "STREET",
        "unit": "UNIT",
        "place": "CITY",
        "zip": "POSTCODE",
        "lat": "LAT",
        "lng": "LON",
        "id": "HASH",
    }
)
OPENADDRESSES_GEOJSON = ColumnMapping(
    columns={"number": "number", "street": "street", "unit": "unit", "place": "city", "zip": "postcode", "id": "hash"}
)


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read a YAML (or JSON) column mapping, for example::

    columns:
      number: ADDR_NUM
      street: FULL_STREET      # or pre_directional / street_name / street_type / post_directional
      unit: UNIT
      zip: ZIP5
      lat: LATITUDE            # not needed for GeoJSON points
      lng: LONGITUDE
    csv: {delimiter: ",", encoding: utf-8}
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping file ({exc.strerror or exc}).") from exc
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML or JSON: {exc}") from exc
    return parse_mapping(data, name=str(path))


def _mapped_columns(data: Any, *, name: str, fields: Mapping[str, str]) -> dict[str, str]:
    """The ``columns:`` of a mapping file, each of our ``fields`` to the file's column name,
    after checking the file has only ``columns:`` and ``csv:`` and names only known fields."""
    if not isinstance(data, Mapping) or not isinstance(data.get("columns"), Mapping):
        raise MappingError(f"{name}: expected a columns: section mapping our fields to your column names.")
    unknown = sorted(set(data) - {"columns", "csv"})
    if unknown:
        raise MappingError(f"{name}: unknown key(s) {', '.join(map(str, unknown))}; known keys are columns, csv.")
    columns = {str(k): str(v) for k, v in data["columns"].items() if v not in (None, "")}
    bad = sorted(set(columns) - set(fields))
    if bad:
        raise MappingError(
            f"{name}: unknown field(s) {', '.join(bad)} under columns:; known fields are {', '.join(fields)}."
        )
    return columns


def parse_mapping(data: Any, *, name: str = "mapping") -> ColumnMapping:
    columns = _mapped_columns(data, name=name, fields=FIELDS)
    if "address" not in columns and ("number" not in columns or not ({"street", "street_name"} & set(columns))):
        raise MappingError(f"{name}: map either address, or number with street (or street_name).")
    mapping = ColumnMapping(columns=columns)
    options = data.get("csv") or {}
    if not isinstance(options, Mapping):
        raise MappingError(f"{name}: csv: must hold delimiter: and/or encoding:.")
    mapping.delimiter = str(options.get("delimiter", mapping.delimiter))
    mapping.encoding = str(options.get("encoding", mapping.encoding))
    return mapping


# --- one record into a row -----------------------------------------------------------------


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def point_row(
    get: Callable[[str], str], mapping: ColumnMapping, lat: float | None, lng: float | None
) -> PointRow | str:
    """A ``PointRow`` from one record (``get`` reads one of our fields), or why it cannot be one."""
    cols = mapping.columns
    if "lat" in cols or lat is None:
        lat, lng = _number(get("lat")), _number(get("lng"))
    if lat is None or lng is None:
        return _("no coordinates")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
        return _("coordinates %(lat)s, %(lng)s are not a latitude and longitude") % {"lat": lat, "lng": lng}
    unit = unit_from_text(get("unit")) if "unit" in cols else ""
    zip_code = get("zip").strip()[:10] if "zip" in cols else ""
    if "address" in cols:
        text = get("address")
        parsed = parse_address(text)
        if parsed.number is None:
            return _("no house number in “%(text)s”") % {"text": text}
        number, suffix, street = parsed.number, parsed.number_suffix, parsed.street
        unit = unit or parsed.unit
        zip_code = zip_code or parsed.zip_code
    else:
        raw = get("number")
        number_or_none, suffix = split_number(raw)
        if number_or_none is None:
            return _("no house number") if not raw.strip() else _("“%(text)s” is not a house number") % {"text": raw}
        number = number_or_none
        if "street" in cols:
            street = parse_street(get("street"))
        else:
            street = street_from_parts(
                pre_directional=get("pre_directional"),
                name=get("street_name"),
                street_type=get("street_type"),
                post_directional=get("post_directional"),
            )
    if not street.name:
        return _("no street name")
    place = get("place").strip()[:100] if "place" in cols else ""
    return PointRow(
        number, suffix, street, unit[:40], place, zip_code, lat, lng, get("id").strip()[:100] if "id" in cols else ""
    )


# --- CSV and GeoJSON -----------------------------------------------------------------------


def _value(values: dict[str, str], ours: str) -> str:
    return values.get(ours, "")


def mapped_csv_records(path: Path, mapping: ColumnMapping) -> Iterator[tuple[int, dict[str, str]]]:
    """Each record of a CSV as (its first line, {our column: its value}), through the mapping;
    a mapped column the file lacks is a MappingError naming the file's columns."""
    with path.open(newline="", encoding=mapping.encoding) as handle:
        reader = csv.DictReader(handle, delimiter=mapping.delimiter)
        header = {name.strip().casefold(): name for name in reader.fieldnames or []}
        columns: dict[str, str] = {}
        for ours, theirs in mapping.columns.items():
            if theirs.strip().casefold() not in header:
                raise MappingError(
                    f"{path.name}: no column “{theirs}” (for {ours}); the file's columns are {', '.join(header.values())}."
                )
            columns[ours] = header[theirs.strip().casefold()]
        start = reader.line_num
        for record in reader:
            line = start + 1
            start = reader.line_num  # a quoted field with a line break spans lines: report the first
            yield line, {ours: record.get(theirs) or "" for ours, theirs in columns.items()}


def read_csv(path: Path, mapping: ColumnMapping) -> Rows:
    for line, values in mapped_csv_records(path, mapping):
        yield line, point_row(functools.partial(_value, values), mapping, None, None)


def _features(path: Path, encoding: str) -> Iterator[tuple[int, Any]]:
    """Features of a GeoJSON file: one per line (OpenAddresses' form, read as a stream), or a
    FeatureCollection (read whole)."""
    with path.open(encoding=encoding) as handle:
        first = handle.read(4096)
        handle.seek(0)
        stripped = first.lstrip()
        if stripped.startswith("{") and '"FeatureCollection"' in first and "\n{" not in stripped[:4096].rstrip():
            try:
                data = json.load(handle)
            except ValueError as exc:
                raise MappingError(f"{path.name}: not valid GeoJSON ({exc}).") from exc
            for number, feature in enumerate(data.get("features") or [], start=1):
                yield number, feature
            return
        for number, text in enumerate(handle, start=1):
            text = text.strip().rstrip(",")
            if not text or text in ("[", "]"):
                continue
            try:
                yield number, json.loads(text)
            except ValueError:
                yield number, None


def read_geojson(path: Path, mapping: ColumnMapping) -> Rows:
    for line, feature in _features(path, mapping.encoding.replace("-sig", "")):
        if not isinstance(feature, dict):
            yield line, _("not a GeoJSON feature")
            continue
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        lat = lng = None
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            lng, lat = _number(geometry["coordinates"][0]), _number(geometry["coordinates"][1])

        def get(ours: str, props: dict[str, Any] = props) -> str:
            column = mapping.columns.get(ours)
            value = props.get(column) if column else None
            return "" if value is None else str(value)

        yield line, point_row(get, mapping, lat, lng)


# --- TIGER/Line shapefiles -----------------------------------------------------------------


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def read_tiger(path: Path, *, kind: str) -> Rows:
    """Address ranges from TIGER/Line ADDRFEAT (``kind="addrfeat"``) or EDGES (``"edges"``),
    a .shp or the .zip the Census Bureau publishes."""
    import shapefile  # pyshp

    names = {
        "addrfeat": ("LFROMHN", "LTOHN", "RFROMHN", "RTOHN"),
        "edges": ("LFROMADD", "LTOADD", "RFROMADD", "RTOADD"),
    }[kind]
    try:
        reader = shapefile.Reader(str(path))
    except (shapefile.ShapefileException, OSError) as exc:
        raise MappingError(f"{path.name}: not a shapefile ({exc}).") from exc
    with reader:
        fields = [f[0] for f in reader.fields[1:]]
        missing = [n for n in ("TLID", "FULLNAME", *names) if n not in fields]
        if missing:
            raise MappingError(
                f"{path.name}: no {', '.join(missing)} field(s): is this a TIGER/Line {kind.upper()} file?"
            )
        for number, item in enumerate(reader.iterShapeRecords(), start=1):
            record = item.record.as_dict()
            lf, lt, rf, rt = (_int(record.get(n)) for n in names)
            name = str(record.get("FULLNAME") or "").strip()
            if kind == "edges" and (not name or (lf is None and rf is None)):
                continue  # edges without a street or without numbers: rivers, rails, boundaries, alleys
            if not name:
                yield number, _("no street name")
                continue
            if lf is None and lt is None and rf is None and rt is None:
                yield number, _("no address range")
                continue
            coords = [(float(x), float(y)) for x, y, *_ in item.shape.points]
            if len(coords) < 2:
                yield number, _("the line has fewer than two points")
                continue
            source_id = str(record["TLID"])
            if kind == "addrfeat":
                source_id += f":{record.get('ARIDL') or ''}:{record.get('ARIDR') or ''}"
            yield (
                number,
                SegmentRow(
                    source_id=source_id,
                    street=parse_street(name),
                    left_from=lf,
                    left_to=lt,
                    right_from=rf,
                    right_to=rt,
                    left_parity=str(record.get("PARITYL") or "").strip()[:1],
                    right_parity=str(record.get("PARITYR") or "").strip()[:1],
                    left_zip=str(record.get("ZIPL") or "").strip(),
                    right_zip=str(record.get("ZIPR") or "").strip(),
                    coords=coords,
                ),
            )


# --- street centerlines (the map's street layer) -------------------------------------------


@dataclass(frozen=True)
class StreetRow:
    source_id: str
    name: str  # as the map labels it: "S Noland Rd"
    kind: str  # MTFCC ("S1400") or the export's own class
    lines: list[list[tuple[float, float]]]  # one or more lines of (lng, lat)


StreetRows = Iterator[tuple[int, StreetRow | str]]

STREET_FIELDS = {
    "name": "the street's whole name: S NOLAND RD (or name_parts below)",
    "pre_directional": "N, S, E, W… before the name, when the name is in separate columns",
    "street_name": "the street's name alone",
    "street_type": "Rd, Street, Ave…",
    "post_directional": "N, S, E, W… after the type",
    "kind": "the road class: a Census MTFCC code (S1100, S1200, S1400…) or the export's own words",
    "id": "the centerline's id in the source (needed to reload the same file without repeats)",
    "geometry": "CSV only: the line as WKT, LINESTRING (…) or MULTILINESTRING (…)",
}


def parse_street_mapping(data: Any, *, name: str = "mapping") -> ColumnMapping:
    """A street export's mapping: ``columns:`` from our STREET_FIELDS to the export's names."""
    columns = _mapped_columns(data, name=name, fields=STREET_FIELDS)
    if "name" not in columns and "street_name" not in columns:
        raise MappingError(f"{name}: map name (or street_name) to the column holding the street's name.")
    if "id" not in columns:
        raise MappingError(f"{name}: map id to the column holding each centerline's id (a reload matches on it).")
    mapping = ColumnMapping(columns=columns)
    options = data.get("csv") or {}
    if not isinstance(options, Mapping):
        raise MappingError(f"{name}: csv: must hold delimiter: and/or encoding:.")
    mapping.delimiter = str(options.get("delimiter", mapping.delimiter))
    mapping.encoding = str(options.get("encoding", mapping.encoding))
    return mapping


def load_street_mapping(path: str | Path) -> ColumnMapping:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping file ({exc.strerror or exc}).") from exc
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML or JSON: {exc}") from exc
    return parse_street_mapping(data, name=str(path))


def street_label(text: str) -> str:
    """How the map writes a street's name. TIGER's names are already written for people
    ("S Noland Rd", "I- 70"): kept. An export in capitals ("S NOLAND RD") is read as a street."""
    text = " ".join(text.split())
    if not text or any(c.islower() for c in text):
        return text
    return parse_street(text).label or text


def _lines(geometry: Any) -> list[list[tuple[float, float]]] | str:
    """The lines of a GeoJSON LineString/MultiLineString, checked, or why they cannot be used."""
    if not isinstance(geometry, Mapping):
        return _("no geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "LineString":
        parts = [coordinates]
    elif kind == "MultiLineString":
        parts = coordinates if isinstance(coordinates, list) else []
    else:
        return _("a %(kind)s, not a line") % {"kind": kind or _("geometry of no type")}
    lines = []
    for part in parts:
        if not isinstance(part, list):
            return _("the line's coordinates are not a list of points")
        line = []
        for position in part:
            if not isinstance(position, list | tuple) or len(position) < 2:
                return _("the line's coordinates are not a list of points")
            x, y = _number(position[0]), _number(position[1])
            if x is None or y is None or not (-180 <= x <= 180 and -90 <= y <= 90):
                return _("coordinates %(x)s, %(y)s are not a longitude and latitude") % {
                    "x": position[0],
                    "y": position[1],
                }
            line.append((x, y))
        if len(line) >= 2:
            lines.append(line)
    if not lines:
        return _("the line has fewer than two points")
    return lines


def _street_row(get: Callable[[str], str], mapping: ColumnMapping, geometry: Any) -> StreetRow | str:
    cols = mapping.columns
    if "name" in cols:
        name = street_label(get("name"))
    else:
        name = street_from_parts(
            pre_directional=get("pre_directional"),
            name=get("street_name"),
            street_type=get("street_type"),
            post_directional=get("post_directional"),
        ).label
    source_id = get("id").strip()[:100]
    if not source_id:
        return _("no id")
    lines = _lines(geometry)
    if isinstance(lines, str):
        return lines
    return StreetRow(source_id=source_id, name=name[:120], kind=get("kind").strip()[:40], lines=lines)


def read_street_geojson(path: Path, mapping: ColumnMapping) -> StreetRows:
    for line, feature in _features(path, mapping.encoding.replace("-sig", "")):
        if not isinstance(feature, dict):
            yield line, _("not a GeoJSON feature")
            continue
        props = feature.get("properties") or {}

        def get(ours: str, props: dict[str, Any] = props) -> str:
            column = mapping.columns.get(ours)
            value = props.get(column) if column else None
            return "" if value is None else str(value)

        yield line, _street_row(get, mapping, feature.get("geometry"))


def read_street_csv(path: Path, mapping: ColumnMapping) -> StreetRows:
    """A CSV export with the line as WKT in one column (what most GIS write for a CSV)."""
    import shapely
    from shapely.geometry import mapping as as_geojson

    if "geometry" not in mapping.columns:
        raise MappingError(f"{path.name}: a CSV of streets needs geometry: mapped to its WKT column.")
    for line, values in mapped_csv_records(path, mapping):
        wkt = values.get("geometry", "").strip()
        if not wkt:
            yield line, _("no geometry")
            continue
        try:
            geometry: Any = json.loads(json.dumps(as_geojson(shapely.from_wkt(wkt))))
        except (shapely.errors.GEOSException, ValueError, TypeError):
            yield line, _("“%(text)s” is not a WKT line") % {"text": wkt[:40]}
            continue
        yield line, _street_row(functools.partial(_value, values), mapping, geometry)


def read_tiger_roads(path: Path) -> StreetRows:
    """Centerlines from a TIGER/Line ROADS shapefile (``tl_YYYY_CCCCC_roads``), .zip or .shp:
    LINEARID identifies a road, FULLNAME names it, MTFCC classes it."""
    import shapefile  # pyshp

    try:
        reader = shapefile.Reader(str(path))
    except (shapefile.ShapefileException, OSError) as exc:
        raise MappingError(f"{path.name}: not a shapefile ({exc}).") from exc
    with reader:
        fields = [f[0] for f in reader.fields[1:]]
        missing = [n for n in ("LINEARID", "FULLNAME", "MTFCC") if n not in fields]
        if missing:
            raise MappingError(f"{path.name}: no {', '.join(missing)} field(s): is this a TIGER/Line ROADS file?")
        for number, item in enumerate(reader.iterShapeRecords(), start=1):
            record = item.record.as_dict()
            source_id = str(record.get("LINEARID") or "").strip()
            if not source_id:
                yield number, _("no LINEARID")
                continue
            points = [(float(x), float(y)) for x, y, *_ in item.shape.points]
            starts = [*item.shape.parts, len(points)]
            lines = [points[a:b] for a, b in itertools.pairwise(starts) if b - a >= 2]
            if not lines:
                yield number, _("the line has fewer than two points")
                continue
            checked = _lines({"type": "MultiLineString", "coordinates": [[list(p) for p in ln] for ln in lines]})
            if isinstance(checked, str):
                yield number, checked
                continue
            yield (
                number,
                StreetRow(
                    source_id=source_id[:100],
                    name=street_label(str(record.get("FULLNAME") or ""))[:120],
                    kind=str(record.get("MTFCC") or "").strip()[:40],
                    lines=checked,
                ),
            )
