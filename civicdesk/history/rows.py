"""What a reader yields for each record of an export: an ``ImportedCase`` or a ``BadRow``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from civicdesk.cases.models import Priority, Status


@dataclass(slots=True)
class ImportedCase:
    """One case of history as a reader understood it, before the city's rules are applied.

    Times are aware. ``service_code`` is the code of one of the target city's service types.
    ``district_number`` is the district the source recorded: used only when the row has no
    point, since a point decides the district as it does for a new case.
    """

    line: int
    external_id: str
    service_code: str
    opened_at: dt.datetime
    source: str = ""
    description: str = ""
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    status: str = Status.NEW
    resolution: str = ""
    closed_at: dt.datetime | None = None
    closing_note: str = ""
    updated_at: dt.datetime | None = None
    district_number: int | None = None
    priority: str = Priority.NORMAL
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that was not imported, where it is (file and line) and why, in the user's words."""

    source: str
    line: int
    reason: str
    external_id: str = ""

    def __str__(self) -> str:
        where = f"{self.source}, line {self.line}" if self.source else f"line {self.line}"
        return f"{where}: {self.reason}"
