"""The import of case history, streamed: ``cases_import``.

Rows come from any reader (``civicdesk.history.readers``) as ``ImportedCase`` or, for a row
the reader could not understand, ``BadRow``. The import holds one batch at a time whatever
the size of the input, in two halves that run at the same time:

- preparing (a thread of its own, never touching the database): the reader parses the file,
  ``prepare.new_cases`` checks a batch and applies the city's rules, and the cases' writer
  makes the rows ready for the database;
- writing (the calling thread): ``cases.bulk``'s writer inserts each prepared batch in its
  own transaction, so a failure at row 900,000 keeps the 899,000 before it, and running the
  same import again skips every case already present (same city, same ``external_id``).

Counting and reporting (rows read, imported, already present, bad, warned) are here; every
bad row goes to ``on_bad_row`` in the order of the file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from queue import Full, Queue
from typing import Any

from django.utils import translation

from civicdesk.cases.bulk import CaseBatchWriter, CityRules, PreparedBatch, cases_import_batches
from civicdesk.core.querylog import forget_queries
from civicdesk.history.prepare import new_cases
from civicdesk.history.rows import BadRow, ImportedCase
from civicdesk.tenants.models import City

DEFAULT_BATCH_SIZE = 5000


@dataclass
class ImportReport:
    """What an import did: rows read, cases imported, already present (skipped), bad rows.

    ``bad_rows`` and ``warnings`` keep the first few examples (``examples`` of each); every
    bad row goes to the ``on_bad_row`` callback and every warning of a case imported to
    ``on_warning``, which can write them all to a file.
    """

    read: int = 0
    imported: int = 0
    already_present: int = 0
    bad: int = 0
    warned: int = 0  # cases imported now with a warning (none for a case already here)
    dry_run: bool = False
    elapsed: float = 0.0
    bad_rows: list[BadRow] = field(default_factory=list)
    warnings: list[BadRow] = field(default_factory=list)
    examples: int = 20

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.read / self.elapsed if self.elapsed > 0 else 0.0

    def add_bad(self, row: BadRow) -> None:
        self.bad += 1
        if len(self.bad_rows) < self.examples:
            self.bad_rows.append(row)

    def add_warning(self, row: BadRow) -> None:
        self.warned += 1
        if len(self.warnings) < self.examples:
            self.warnings.append(row)


@dataclass(slots=True)
class _Prepared:
    """One batch after the rules, ready for the database."""

    read: int
    bad: list[BadRow]  # in the order of the file
    warnings: list[BadRow]
    cases: PreparedBatch


def _chunks(rows: Iterable[ImportedCase | BadRow], size: int) -> Iterator[list[ImportedCase | BadRow]]:
    batch: list[ImportedCase | BadRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepare(batch: list[ImportedCase | BadRow], rules: CityRules, writer: CaseBatchWriter) -> _Prepared:
    """Check a batch, apply the rules and make it ready to write: all the import's Python work."""
    # Bad rows are reported in the order of the file, whichever step found them.
    position = {id(item): n for n, item in enumerate(batch)}
    found: list[tuple[int, BadRow]] = []
    candidates: list[ImportedCase] = []
    for n, item in enumerate(batch):
        if isinstance(item, BadRow):
            found.append((n, item))
        else:
            candidates.append(item)

    def note_bad(row: BadRow, case: ImportedCase) -> None:
        found.append((position[id(case)], row))

    ready = new_cases(candidates, rules, note_bad)
    found.sort(key=lambda pair: pair[0])
    warnings = [
        BadRow(row.source, row.line, warning, row.external_id) for row, _case in ready for warning in row.warnings
    ]
    return _Prepared(
        read=len(batch),
        bad=[row for _n, row in found],
        warnings=warnings,
        cases=writer.prepare([case for _row, case in ready]),
    )


_DONE = object()


def _prepared_ahead(
    batches: Iterator[list[ImportedCase | BadRow]], prepare: Callable[[list[ImportedCase | BadRow]], _Prepared]
) -> Iterator[_Prepared]:
    """The batches, read and prepared by a thread up to two batches ahead of the writes.

    Reading the file, the rules and making the rows ready are the import's Python work;
    writing is the database's. While the database takes in one batch (the calling thread
    waits in libpq, without the GIL) the next is prepared: on two cores the halves overlap
    instead of taking turns. Memory stays bounded by the queue's depth. The thread never
    touches the database (tests run the import inside their own transaction, which another
    thread's connection could not see). A reader's exception is raised here.
    """
    queue: Queue[Any] = Queue(maxsize=2)
    stop = threading.Event()
    language = translation.get_language()

    def work() -> None:
        try:
            # Reasons are written in the caller's language, which is per thread.
            with translation.override(language):
                for batch in batches:
                    prepared = prepare(batch)
                    while not stop.is_set():
                        try:
                            queue.put(prepared, timeout=0.2)
                            break
                        except Full:
                            continue
                    if stop.is_set():
                        return
            queue.put(_DONE)
        except BaseException as exc:  # handed to the importing thread, which raises it
            queue.put(exc)

    thread = threading.Thread(target=work, name="history-import-prepare", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def cases_import(
    *,
    city: City,
    rows: Iterable[ImportedCase | BadRow],
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    on_bad_row: Callable[[BadRow], None] | None = None,
    on_warning: Callable[[BadRow], None] | None = None,
    examples: int = 20,
) -> ImportReport:
    """Import case history into ``city``: every good row becomes an imported case, every bad
    one is reported with its line and reason, and nothing already present is changed.

    Each batch of ``batch_size`` rows is one transaction (see the module docstring). With
    ``dry_run`` every rule is applied and counted but nothing is written.
    """
    started = time.perf_counter()
    report = ImportReport(dry_run=dry_run, examples=examples)
    rules = CityRules(city)
    with cases_import_batches(city=city, dry_run=dry_run) as writer:
        batches = _prepared_ahead(_chunks(rows, batch_size), lambda batch: _prepare(batch, rules, writer))
        for prepared in batches:
            report.read += prepared.read
            for row in prepared.bad:
                report.add_bad(row)
                if on_bad_row is not None:
                    on_bad_row(row)
            if not prepared.cases.cases:
                continue
            imported, present = writer.write(prepared.cases)
            report.imported += imported
            report.already_present += present
            forget_queries()
            # A warning is about a case imported now: one already here was warned of when
            # it was imported, and a re-run must not say it was imported again.
            for row in prepared.warnings:
                if row.external_id not in writer.present:
                    report.add_warning(row)
                    if on_warning is not None:
                        on_warning(row)
    report.elapsed = time.perf_counter() - started
    return report
