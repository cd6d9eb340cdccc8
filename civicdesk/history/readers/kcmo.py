"""The Kansas City, MO 311 export: the generic CSV reader with the shipped mapping
(``mappings/kcmo.yaml``), whose comments say how each of the export's traps is read."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from pathlib import Path

from civicdesk.history.mapping import ImportMapping, load_mapping
from civicdesk.history.readers.csv_mapped import read_csv
from civicdesk.history.rows import BadRow, ImportedCase

MAPPING = Path(__file__).resolve().parents[1] / "mappings" / "kcmo.yaml"


def kcmo_mapping() -> ImportMapping:
    """The shipped mapping of the export's columns, statuses and categories."""
    return load_mapping(MAPPING)


def read_kcmo(
    path: str | Path, *, tz: zoneinfo.ZoneInfo, mapping: ImportMapping | None = None
) -> Iterator[ImportedCase | BadRow]:
    """Yield the cases of one export file (``mapping`` overrides the shipped one)."""
    return read_csv(path, mapping or kcmo_mapping(), tz=tz)
