"""Readers of case history from other systems' exports, one module per format.

Each reader yields, row by row, an ``ImportedCase`` (``civicdesk.history.rows``) or a
``BadRow`` with the row's line and what is wrong with it; ``cases_import`` applies the
city's rules and writes them. Formats: ``kcmo`` (Kansas City's 311 export), ``georeport``
(Open311 GeoReport v2 JSON), ``csv`` (any CSV through a mapping file).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from civicdesk.history.mapping import ImportMapping, MappingError, load_mapping
from civicdesk.history.readers.csv_mapped import ImportFileError, read_csv
from civicdesk.history.readers.georeport import read_georeport
from civicdesk.history.readers.kcmo import kcmo_mapping, read_kcmo
from civicdesk.history.rows import BadRow, ImportedCase

FORMATS = ("kcmo", "georeport", "csv")

__all__ = ["FORMATS", "ImportFileError", "MappingError", "read_files"]


def read_files(
    fmt: str,
    paths: Iterable[str | Path],
    *,
    tz: zoneinfo.ZoneInfo,
    mapping_path: str | Path | None = None,
    city_types: Mapping[str, str] | None = None,
    city_name: str = "the city",
) -> Iterator[ImportedCase | BadRow]:
    """The rows of every file in turn, read as ``fmt``.

    The mapping (required for ``csv``, optional for the others) is read and checked before
    any file is opened — against the city's types too when ``city_types`` (code → name) is
    given — and each file's header before its first row: ``MappingError`` and
    ``ImportFileError`` say what to fix. A point the mapping declares a stand-in
    (``placeholder_points``) is read as no point.
    """
    if fmt not in FORMATS:
        raise ImportFileError(f"Unknown format {fmt!r}; the formats are {', '.join(FORMATS)}.")
    mapping: ImportMapping | None = None
    if mapping_path is not None:
        mapping = load_mapping(mapping_path, need_columns=fmt == "csv")
    elif fmt == "csv":
        raise MappingError("A CSV import needs --mapping FILE: which column holds what (see docs/import.md).")
    elif fmt == "kcmo":
        mapping = kcmo_mapping()
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise ImportFileError(f"{path}: no such file.")
    if mapping is not None and city_types is not None:
        mapping.bind_to_catalogue(city_types, city=city_name)
    return _chain(fmt, files, tz, mapping)


def _chain(
    fmt: str, paths: list[Path], tz: zoneinfo.ZoneInfo, mapping: ImportMapping | None
) -> Iterator[ImportedCase | BadRow]:
    rows = _read_each(fmt, paths, tz, mapping)
    if mapping is None or not mapping.placeholders:
        yield from rows
        return
    stand_in = mapping.placeholder_at
    for row in rows:
        if isinstance(row, ImportedCase) and row.lat is not None and row.lng is not None and stand_in(row.lat, row.lng):
            # The source's "no location" (e.g. City Hall): the district then comes from the
            # district the source recorded, as for any row without a point.
            row.lat = row.lng = None
        yield row


def _read_each(
    fmt: str, paths: list[Path], tz: zoneinfo.ZoneInfo, mapping: ImportMapping | None
) -> Iterator[ImportedCase | BadRow]:
    for path in paths:
        if fmt == "kcmo":
            yield from read_kcmo(path, tz=tz, mapping=mapping)
        elif fmt == "georeport":
            yield from read_georeport(path, tz=tz, mapping=mapping)
        else:
            assert mapping is not None
            yield from read_csv(path, mapping, tz=tz)
