"""The cases' bulk writer (``cases.bulk``) as the history import uses it: what COPY or
``bulk_create`` writes is what was read, every column a new case has is set, numbers follow
the city's, and the roll-ups are rebuilt even when the import stops part-way."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator

import pytest

from civicdesk.cases.bulk import IMPORT_ACTOR
from civicdesk.cases.models import CaseEvent, Channel, EventKind, ServiceRequest, Status
from civicdesk.catalog.models import ServiceType
from civicdesk.history.pipeline import cases_import
from civicdesk.history.rows import BadRow, ImportedCase
from civicdesk.reports import rollups
from civicdesk.reports.models import CaseTally
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
LAT, LNG = INSIDE["independence"]

# What COPY's text format would have to escape, and what it reads as NULL.
AWKWARD = ["tab\there", "back\\slash", "\\N", "\\.", "cr\rlf\nend", "quote \" and ' and ,", "ünïcödé 🕳️", ""]


@pytest.fixture
def trash(independence: City, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(independence, "trash", name="Trash", target_days=3)


def row(n: int, text: str, *, closed: bool) -> ImportedCase:
    opened = dt.datetime(2021, 3, 1 + n % 27, 9, n % 60, tzinfo=CHICAGO)
    return ImportedCase(
        line=n + 2,
        source="awkward.csv",
        external_id=f"A-{n}",
        service_code="trash",
        opened_at=opened,
        description=f"d<{text}>",
        address=f"a<{text}>",
        lat=LAT,
        lng=LNG,
        status=Status.CLOSED if closed else Status.NEW,
        closed_at=opened + dt.timedelta(days=2) if closed else None,
        closing_note=f"c<{text}>" if closed else "",
    )


def test_text_that_copy_would_have_to_escape_reads_back_exactly_with_every_column_set(
    independence: City, trash: ServiceType
) -> None:
    rows = [row(n, text, closed=n % 2 == 0) for n, text in enumerate(AWKWARD)]
    first_number = independence.next_case_number

    report = cases_import(city=independence, rows=rows, batch_size=3)

    assert (report.read, report.imported, report.bad) == (len(rows), len(rows), 0)
    cases = list(ServiceRequest.objects.filter(city=independence).order_by("number"))
    assert [c.external_id for c in cases] == [r.external_id for r in rows]
    assert [c.number for c in cases] == list(range(first_number, first_number + len(rows)))
    independence.refresh_from_db()
    assert independence.next_case_number == first_number + len(rows)
    assert len({c.tracking_token for c in cases}) == len(rows)
    for case, source, text in zip(cases, rows, AWKWARD, strict=True):
        assert (case.description, case.address, case.closing_note) == (
            f"d<{text}>",
            f"a<{text}>",
            f"c<{text}>" if source.closed_at else "",
        )
        assert (case.channel, case.is_imported, case.notify_reporter) == (Channel.IMPORT, True, False)
        assert (case.service_type_id, case.attributes, case.reporter_email, case.assignee_id) == (
            trash.pk,
            {},
            "",
            None,
        )
        assert case.opened_at == source.opened_at
        assert case.due_at == source.opened_at + dt.timedelta(days=3)
        assert case.closed_at == source.closed_at
        assert case.updated_at == (source.closed_at or source.opened_at)
        assert len(case.tracking_token) == 32
        events = list(CaseEvent.objects.filter(case=case).order_by("at"))
        assert [(e.kind, e.actor_label, e.is_public, e.actor_id) for e in events] == [
            (EventKind.CREATED, IMPORT_ACTOR, True, None),
            *([(EventKind.CLOSED, IMPORT_ACTOR, True, None)] if source.closed_at else []),
        ]
        assert events[0].text == f"d<{text}>"
        assert events[0].changes == {
            "service_type": [None, "Trash"],
            "department": [None, trash.department.name if trash.department else None],
            "district": [None, case.district.name if case.district else None],
        }
        if source.closed_at:
            assert (events[1].at, events[1].text) == (source.closed_at, f"c<{text}>")
            assert events[1].changes == {"status": ["new", "closed"], "resolution": [None, "resolved"]}


def test_an_import_that_stops_part_way_keeps_its_batches_and_their_roll_ups(
    independence: City, trash: ServiceType
) -> None:
    def rows() -> Iterator[ImportedCase | BadRow]:
        for n in range(4):
            yield row(n, "fine", closed=n % 2 == 0)
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="the disk went away"):
        cases_import(city=independence, rows=rows(), batch_size=2)

    assert ServiceRequest.objects.filter(city=independence).count() == 4
    assert CaseTally.objects.filter(city=independence).exists()
    assert rollups.verify(city=independence) == []
