"""Mapping files: how the columns of someone else's export become our cases.

A mapping is YAML (or JSON, which is YAML too); docs/import.md describes every key with an
example. It is read and checked before the first row, so a typo in it is one clear error,
not a hundred thousand bad rows.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from civicdesk.cases.models import Priority, Resolution, Status
from civicdesk.history.dates import DateFormatError, DateReader

FIELDS = {
    "external_id": "the case id in the source system (required: it makes re-imports skip what is already here)",
    "service_type": "the problem type, looked up in service_types (required)",
    "opened_at": "when the case was opened (required); one column, or a date column and a time column",
    "closed_at": "when the case was closed",
    "updated_at": "when the case last changed",
    "status": "the case's status, looked up in statuses",
    "description": "what was reported",
    "address": "where",
    "lat": "latitude in degrees",
    "lng": "longitude in degrees",
    "district": "the council district number the source recorded (used only for rows without a point)",
    "closing_note": "the note written when the case was closed",
    "priority": "low, normal, high or urgent",
}
REQUIRED = ("external_id", "service_type", "opened_at")
TOP_LEVEL = {
    "columns",
    "date_formats",
    "timezone",
    "closed_without_time",
    "csv",
    "service_types",
    "statuses",
    "match_types_by_name",
    "placeholder_points",
}
DAY_ENDS = ("end_of_day", "start_of_day")


class MappingError(ValueError):
    """A mapping file that cannot be used, with what to change in it."""


@dataclass(frozen=True)
class Placeholder:
    """A point a source system writes when it has no location (often City Hall's)."""

    lat: float
    lng: float
    radius_m: float

    def covers(self, lat: float, lng: float) -> bool:
        from civicdesk.tenants.geo import metres_between

        # A cheap box first: most rows are nowhere near (a degree of latitude is 111 km).
        if abs(lat - self.lat) * 111_000 > self.radius_m + 1:
            return False
        return metres_between(lat, lng, self.lat, self.lng) <= self.radius_m


@dataclass(frozen=True)
class StatusValue:
    status: str
    resolution: str = ""


@dataclass
class ImportMapping:
    """A checked mapping. ``columns`` maps each of our fields to one or more source columns."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    date_formats: list[str] = field(default_factory=list)
    timezone: str = ""
    closed_without_time: str = "end_of_day"
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    type_codes: dict[str, str] = field(default_factory=dict)
    type_otherwise: str = ""
    statuses: dict[str, StatusValue] = field(default_factory=dict)
    match_types_by_name: bool = False
    placeholders: list[Placeholder] = field(default_factory=list)
    name: str = ""

    def bind_to_catalogue(self, types: MappingABC[str, str], *, city: str = "the city") -> None:
        """Check the mapping against the city's types (``types``: code → name), before any row:
        every code it names must be one of them (all unknown ones are listed at once). With
        ``match_types_by_name`` the city's own names and codes are matched too, after the
        ``codes:`` given."""
        by_code = {code.lower(): code for code in types}
        named = sorted(
            {c for c in self.type_codes.values()} | ({self.type_otherwise} if self.type_otherwise else set())
        )
        unknown = [c for c in named if c.lower() not in by_code]
        if unknown:
            raise MappingError(
                f"{self.name}: service_types names code(s) {', '.join(unknown)} that {city} does not have. "
                f"Its codes are: {', '.join(sorted(types)) or 'none yet (import the catalog first)'}."
            )
        if self.match_types_by_name:
            for code, type_name in types.items():
                self.type_codes.setdefault(type_name.strip().casefold(), code)
                self.type_codes.setdefault(code.strip().casefold(), code)

    def placeholder_at(self, lat: float, lng: float) -> bool:
        """Whether the point is one of the declared stand-ins for "no location"."""
        return any(p.covers(lat, lng) for p in self.placeholders)

    def type_code(self, value: str) -> str | None:
        """Our service code for a source type name (None: unknown and no ``otherwise``).

        Without a ``service_types`` section the source value is taken as our code.
        """
        if not self.type_codes:
            return value
        return self.type_codes.get(value.strip().casefold()) or self.type_otherwise or None

    def status_of(self, value: str) -> StatusValue | None:
        """Our status for a source status value; without a ``statuses`` section our own names."""
        key = value.strip()
        if not self.statuses:
            status = key.lower()
            if status in Status.values:
                return StatusValue(status, Resolution.RESOLVED if status == Status.CLOSED else "")
            return None
        return self.statuses.get(key.casefold())

    def reader(self, tz: zoneinfo.ZoneInfo) -> DateReader:
        return DateReader(self.date_formats, self.zone(tz))

    def zone(self, default: zoneinfo.ZoneInfo) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else default


def load_mapping(path: str | Path, *, need_columns: bool = True) -> ImportMapping:
    """Read and check a mapping file; ``MappingError`` says what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping file ({exc.strerror or exc}).") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML or JSON: {exc}") from exc
    return parse_mapping(data, name=str(path), need_columns=need_columns)


def parse_mapping(data: Any, *, name: str = "mapping", need_columns: bool = True) -> ImportMapping:
    """Check a mapping already read into Python (see ``load_mapping``)."""

    def fail(message: str) -> MappingError:
        return MappingError(f"{name}: {message}")

    if not isinstance(data, MappingABC):
        raise fail("expected keys such as columns:, date_formats:, service_types: at the top.")
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(map(str, unknown))}; known keys are {', '.join(sorted(TOP_LEVEL))}.")
    mapping = ImportMapping(name=name)

    columns = data.get("columns") or {}
    if not isinstance(columns, MappingABC):
        raise fail("columns: must map our fields to column names, e.g. external_id: CASE ID.")
    for key, value in columns.items():
        if key not in FIELDS:
            raise fail(f"columns: unknown field {key!r}; the fields are {', '.join(FIELDS)}.")
        names = [value] if isinstance(value, (str, int)) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, (str, int)) for n in names):
            raise fail(f"columns.{key}: give a column name or a list of column names.")
        mapping.columns[key] = [str(n).strip() for n in names]
    if need_columns:
        missing = [f for f in REQUIRED if f not in mapping.columns]
        if missing:
            raise fail(f"columns: {', '.join(missing)} must be mapped to a column.")

    formats = data.get("date_formats") or []
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise fail('date_formats: give a list of formats such as "%m/%d/%Y %I:%M %p".')
    if need_columns and not formats:
        raise fail('date_formats: give at least one format, such as "%Y-%m-%d %H:%M".')
    mapping.date_formats = formats
    if formats:
        try:
            DateReader(formats, zoneinfo.ZoneInfo("UTC"))
        except DateFormatError as exc:
            raise fail(f"date_formats: {exc}") from exc

    tz = data.get("timezone") or ""
    if tz:
        try:
            zoneinfo.ZoneInfo(str(tz))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise fail(f"timezone: {tz} is not a known time zone (e.g. America/Chicago).") from exc
    mapping.timezone = str(tz)

    day_end = data.get("closed_without_time", "end_of_day")
    if day_end not in DAY_ENDS:
        raise fail(f"closed_without_time: {day_end!r} must be one of {', '.join(DAY_ENDS)}.")
    mapping.closed_without_time = day_end

    csv_options = data.get("csv") or {}
    if not isinstance(csv_options, MappingABC) or set(csv_options) - {"delimiter", "encoding"}:
        raise fail("csv: only delimiter: and encoding: can be set.")
    mapping.delimiter = str(csv_options.get("delimiter", ","))
    if len(mapping.delimiter) != 1:
        raise fail("csv.delimiter: must be one character.")
    mapping.encoding = str(csv_options.get("encoding", "utf-8-sig"))

    _parse_types(data.get("service_types"), mapping, fail)
    _parse_statuses(data.get("statuses"), mapping, fail)
    by_name = data.get("match_types_by_name", False)
    if not isinstance(by_name, bool):
        raise fail("match_types_by_name: write true or false.")
    mapping.match_types_by_name = by_name
    mapping.placeholders = _parse_placeholders(data.get("placeholder_points"), fail)
    return mapping


def _parse_placeholders(section: Any, fail: Any) -> list[Placeholder]:
    if section is None:
        return []
    example = "placeholder_points: [{lat: 39.0915, lng: -94.4155, radius_m: 25}]"
    if not isinstance(section, list):
        raise fail(f"placeholder_points: give a list of points, e.g. {example}.")
    out = []
    for n, item in enumerate(section, start=1):
        if (
            not isinstance(item, MappingABC)
            or set(item) - {"lat", "lng", "radius_m"}
            or not {"lat", "lng"} <= set(item)
        ):
            raise fail(f"placeholder_points, point {n}: give lat:, lng: and optionally radius_m:, e.g. {example}.")
        try:
            lat, lng, radius = float(item["lat"]), float(item["lng"]), float(item.get("radius_m", 10))
        except (TypeError, ValueError):
            raise fail(f"placeholder_points, point {n}: lat, lng and radius_m must be numbers.") from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise fail(f"placeholder_points, point {n}: {lat}, {lng} is not a latitude and longitude in degrees.")
        if not 0 <= radius <= 5000:
            raise fail(f"placeholder_points, point {n}: radius_m must be between 0 and 5000 meters.")
        out.append(Placeholder(lat, lng, radius))
    return out


def _parse_types(section: Any, mapping: ImportMapping, fail: Any) -> None:
    if section is None:
        return
    if not isinstance(section, MappingABC) or set(section) - {"codes", "otherwise"}:
        raise fail("service_types: give codes: (our code: [source names]) and optionally otherwise: (a code).")
    codes = section.get("codes") or {}
    if not isinstance(codes, MappingABC):
        raise fail("service_types.codes: map each of our codes to a source name or a list of them.")
    for code, names in codes.items():
        names = [names] if isinstance(names, (str, int)) else names
        if not isinstance(names, list):
            raise fail(f"service_types.codes.{code}: give a source name or a list of them.")
        for source_name in names:
            key = str(source_name).strip().casefold()
            if key in mapping.type_codes and mapping.type_codes[key] != str(code):
                raise fail(f"service_types: {source_name!r} is listed under both {mapping.type_codes[key]} and {code}.")
            mapping.type_codes[key] = str(code)
    mapping.type_otherwise = str(section.get("otherwise") or "")


def _parse_statuses(section: Any, mapping: ImportMapping, fail: Any) -> None:
    if section is None:
        return
    if not isinstance(section, MappingABC):
        raise fail(
            "statuses: map each source status to one of ours, e.g. RESOL: {status: closed, resolution: resolved}."
        )
    for source, value in section.items():
        if isinstance(value, str):
            value = {"status": value}
        if not isinstance(value, MappingABC) or set(value) - {"status", "resolution"}:
            raise fail(f"statuses.{source}: give status: and, for a closed status, resolution:.")
        status = str(value.get("status", "")).lower()
        if status not in Status.values:
            raise fail(f"statuses.{source}: status must be one of {', '.join(Status.values)}, not {status!r}.")
        resolution = str(value.get("resolution") or "").lower()
        if status == Status.CLOSED:
            resolution = resolution or Resolution.RESOLVED
            if resolution not in Resolution.values:
                raise fail(
                    f"statuses.{source}: resolution must be one of {', '.join(Resolution.values)}, not {resolution!r}."
                )
        elif resolution:
            raise fail(f"statuses.{source}: only a closed status has a resolution.")
        mapping.statuses[str(source).strip().casefold()] = StatusValue(status, resolution)


PRIORITIES = set(Priority.values)
