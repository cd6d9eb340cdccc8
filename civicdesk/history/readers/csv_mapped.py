"""Any CSV export, read through a mapping file (see ``mapping`` and docs/import.md).

Rows are read one at a time: memory stays the same for ten rows or ten million. Each row
comes out as an ``ImportedCase`` or, when something in it cannot be read, a ``BadRow``
that names the line (the line the record starts on: a quoted value may hold line breaks)
and what is wrong, in the words of the file's own column names.
"""

from __future__ import annotations

import csv
import math
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path

from civicdesk.cases.models import Status
from civicdesk.history.dates import Parsed, end_of_day
from civicdesk.history.mapping import PRIORITIES, ImportMapping
from civicdesk.history.rows import BadRow, ImportedCase


class ImportFileError(ValueError):
    """A file that cannot be read at all (missing, empty, wrong columns), with what to do."""


class _RowError(ValueError):
    pass


def read_csv(path: str | Path, mapping: ImportMapping, *, tz: zoneinfo.ZoneInfo) -> Iterator[ImportedCase | BadRow]:
    """Yield each record of the CSV file as an ``ImportedCase`` or a ``BadRow``.

    ``tz`` is the city's time zone, used for times written without a zone unless the
    mapping names another. Raises ``ImportFileError`` before the first row when the file
    lacks a mapped column.
    """
    path = Path(path)
    source = path.name
    try:
        handle = open(path, newline="", encoding=mapping.encoding)  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot open the file ({exc.strerror or exc}).") from exc
    with handle:
        reader = csv.reader(handle, delimiter=mapping.delimiter)
        try:
            header = next(reader, None)
        except UnicodeDecodeError as exc:
            # The text is decoded a block at a time: the bad byte may be past the header.
            raise ImportFileError(
                f"{path}: the text near the start is not {mapping.encoding}; "
                "set csv.encoding in the mapping (e.g. cp1252)."
            ) from exc
        except csv.Error as exc:
            raise ImportFileError(f"{path}: the header cannot be read: {exc}") from exc
        if not header:
            raise ImportFileError(f"{path}: the file is empty; expected a header row of column names.")
        build = _row_builder([h.strip() for h in header], mapping, tz, path)
        width = len(header)
        previous_end = reader.line_num
        while True:
            line = previous_end + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"{path}: the text after line {previous_end} is not {mapping.encoding}; "
                    "set csv.encoding in the mapping (e.g. cp1252)."
                ) from exc
            except csv.Error as exc:
                previous_end = reader.line_num
                yield BadRow(source, line, f"The record cannot be read as CSV: {exc}.")
                continue
            previous_end = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line
            if len(record) != width:
                yield BadRow(
                    source,
                    line,
                    f"The row has {len(record)} columns where the header has {width}: a column is missing "
                    "or a value holds an unquoted delimiter.",
                    record[0].strip() if record else "",
                )
                continue
            try:
                yield build(record, line)
            except _RowError as exc:
                yield BadRow(source, line, exc.args[0], exc.args[1] if len(exc.args) > 1 else "")


def _row_builder(
    header: list[str], mapping: ImportMapping, city_tz: zoneinfo.ZoneInfo, path: Path
) -> Callable[[list[str], int], ImportedCase]:
    """Compile the mapping against the header: a function from a record to an ImportedCase."""
    missing = [c for cols in mapping.columns.values() for c in cols if c not in header]
    if missing:
        raise ImportFileError(
            f"{path}: the mapping {mapping.name} names column(s) {', '.join(repr(c) for c in missing)} "
            f"that the file does not have. Its columns are: {', '.join(header)}."
        )
    index = {f: [header.index(c) for c in cols] for f, cols in mapping.columns.items()}
    label = {f: ", ".join(cols) for f, cols in mapping.columns.items()}
    tz = mapping.zone(city_tz)
    read_date = mapping.reader(tz)
    source = path.name
    close_at_day_end = mapping.closed_without_time == "end_of_day"
    formats = " or ".join(mapping.date_formats)

    def getter(name: str, sep: str = " ") -> Callable[[list[str]], str]:
        cols = index.get(name)
        if not cols:
            return lambda record: ""
        if len(cols) == 1:
            (only,) = cols
            return lambda record: record[only].strip()
        return lambda record: sep.join(v for v in (record[c].strip() for c in cols) if v)

    getters = {name: getter(name, " " if name.endswith("_at") else "\n") for name in mapping.columns}
    empty = lambda record: ""  # noqa: E731

    def text(record: list[str], name: str) -> str:
        return getters.get(name, empty)(record)

    # Dates repeat (a day's cases share their closing date): a bounded memo of parsed values.
    memo: dict[str, object] = {}

    def moment(record: list[str], name: str, external_id: str, *, closing: bool = False):  # type: ignore[no-untyped-def]
        value = text(record, name)
        if not value:
            return None
        parsed = memo.get(value)
        if parsed is None:
            parsed = read_date(value)
            if len(memo) > 50_000:
                memo.clear()
            memo[value] = parsed if parsed is not None else False
        if not parsed:
            raise _RowError(f"{label[name]}: “{value}” is not a date in the form {formats}.", external_id)
        assert isinstance(parsed, Parsed)
        if parsed.date_only and closing and close_at_day_end:
            # A closing date without a time means "closed some time that day": its end.
            return end_of_day(parsed.moment)
        return parsed.moment

    def degrees(record: list[str], name: str, limit: int, external_id: str) -> float | None:
        value = text(record, name)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise _RowError(f"{label[name]}: “{value}” is not a number of degrees.", external_id) from None
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise _RowError(f"{label[name]}: {value} is not between -{limit} and {limit}.", external_id)
        return number

    has_status = "status" in index

    def build(record: list[str], line: int) -> ImportedCase:
        external_id = text(record, "external_id")
        if not external_id:
            raise _RowError(f"{label['external_id']} is empty: without the case id a re-import would duplicate it.")
        type_name = text(record, "service_type")
        if not type_name:
            raise _RowError(f"{label['service_type']} is empty.", external_id)
        code = mapping.type_code(type_name)
        if code is None:
            raise _RowError(
                f"{label['service_type']}: “{type_name}” is not a known problem type; add it under "
                f"service_types in {mapping.name}.",
                external_id,
            )
        opened_at = moment(record, "opened_at", external_id)
        if opened_at is None:
            raise _RowError(f"{label['opened_at']} is empty: the date the case was opened is needed.", external_id)
        closed_at = moment(record, "closed_at", external_id, closing=True)
        updated_at = moment(record, "updated_at", external_id)
        warnings: list[str] = []
        resolution = ""
        status: str
        if has_status:
            raw_status = text(record, "status")
            found = mapping.status_of(raw_status) if raw_status else None
            if found is None and raw_status:
                known = ", ".join(sorted(mapping.statuses)) or ", ".join(Status.values)
                raise _RowError(f"{label['status']}: “{raw_status}” is not a known status ({known}).", external_id)
            if found is None:
                status = Status.CLOSED if closed_at else Status.NEW
            else:
                status, resolution = found.status, found.resolution
        else:
            status = Status.CLOSED if closed_at else Status.NEW
        lat = degrees(record, "lat", 90, external_id)
        lng = degrees(record, "lng", 180, external_id)
        if lat == 0 and lng == 0:
            lat = lng = None  # exports write 0, 0 for "no point"; no member city is there
        district = None
        recorded = text(record, "district")
        if recorded:
            try:
                district = int(float(recorded))  # exports write district 3 as "3.0"
            except (ValueError, OverflowError):  # "inf" overflows int()
                warnings.append(f"{label['district']}: “{recorded}” is not a district number; ignored.")
        priority = text(record, "priority").lower() or "normal"
        if priority not in PRIORITIES:
            raise _RowError(f"{label['priority']}: “{priority}” is not low, normal, high or urgent.", external_id)
        return ImportedCase(
            line=line,
            source=source,
            external_id=external_id,
            service_code=code,
            opened_at=opened_at,
            closed_at=closed_at,
            updated_at=updated_at,
            status=status,
            resolution=resolution,
            description=text(record, "description"),
            address=text(record, "address"),
            closing_note=text(record, "closing_note"),
            lat=lat,
            lng=lng,
            district_number=district,
            priority=priority,
            warnings=warnings,
        )

    return build
