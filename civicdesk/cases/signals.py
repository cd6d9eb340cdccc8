"""What happens to cases, announced to the apps above ``cases`` (the only public way in).

``cases`` does not know who listens: ``notifications`` writes the emails of these events to
its outbox, ``reports`` keeps its roll-ups current. Every signal is sent synchronously, inside
the transaction of the write it announces, so what a receiver writes commits or rolls back
with the case (the transactional outbox depends on it); a receiver that raises undoes the
write. Anything slow or external (sending mail) waits for ``transaction.on_commit``. The two
signals of a case being made, ``case_routing`` and ``case_numbering``, come before its write
and its transaction (inside the caller's, when it has one): their receivers only read and
prepare, and write nothing.

Each signal's ``sender`` is ``ServiceRequest``; the arguments are named below.

Two signals are sent by ``cases.invariants`` for every write, whichever service makes it, so
no writer can forget them:

- ``case_changing(case)``: the case was just read under its row lock, before any change;
- ``case_changed(case, created)``: the case row was just inserted (``created``) or saved.

The others are the domain events the services announce:

- ``case_routing(route, channel, opened_at)``: a new case is routed (its city, type,
  department, district and due date are ``route``, a ``cases.invariants.Route``) and not yet
  numbered: the city's number lock is not yet taken. The moment for a receiver that reads
  other rows to tell something about the case (its expected closing date), without holding
  up every other report of the city behind the lock. A receiver returns a dict (or None);
  the dicts are merged and handed to ``case_created`` as ``intake``. A receiver must not
  raise for its own trouble: the report matters more than what it adds;
- ``case_numbering(case, intake)``: a new case is complete but for its number: ``case`` is
  the row about to be written, unsaved (no ``pk``), its ``number`` a stand-in
  (``cases.invariants.stand_in_number``: 18 random digits) until the city's number lock is
  taken, just after; ``intake`` is what ``case_routing``'s receivers returned. The moment to
  prepare from the case what is written with it (its emails, rendered), off the lock, the
  stand-in to be replaced by ``case.number`` in ``case_created``. Receivers return a dict
  (or None), merged into ``intake``; same rule as ``case_routing`` on raising;
- ``case_created(case, intake)``: a new case (also an imported one: see ``case.channel``);
  ``intake`` is what the receivers of ``case_routing`` and ``case_numbering`` returned
  (e.g. ``{"expected": …}``);
- ``case_assigned(case, note, by=None)``: the case has new people or a new department to work
  it (assigned, re-routed by a type change, transferred, a transfer refused); ``by`` is the
  staff member who handed it over (an assignment, a type change), whom the email names;
- ``case_note_added(case, event, author_email, from_resident)``: a note (or a public event
  with words for the reporter, such as a transfer) is on the timeline; ``author_email`` is
  the resident who wrote it, not to be sent their own words; ``from_resident`` says the staff
  working the case should hear of it;
- ``case_closed(case)``;
- ``case_reopened(case, event)``: a closed case is open again; ``event`` is the reopening
  on the timeline, its text the reason (public or not, as ``event.is_public`` says). It
  goes back to its assignee, if any, with no ``case_assigned``: the receivers tell them it
  was reopened;
- ``case_follow_requested(case, email, language)``: a resident is to follow the case (a
  caller added to it, the reporter of a duplicate). A receiver that refuses the address
  raises ``ValidationError``, which undoes the write.

One is for writes in bulk (the history import, ``cases.bulk``), which insert cases without
sending ``case_changed`` for each:

- ``cases_written_in_bulk(city, start, end)``: cases of ``city`` opened from the local day
  ``start`` to ``end`` were inserted in bulk; whatever is derived from them for those days
  (the roll-ups) is to be recomputed.
"""

from __future__ import annotations

from django.dispatch import Signal

case_changing = Signal()
case_changed = Signal()

case_routing = Signal()
case_numbering = Signal()
case_created = Signal()
case_assigned = Signal()
case_note_added = Signal()
case_closed = Signal()
case_reopened = Signal()
case_follow_requested = Signal()

cases_written_in_bulk = Signal()
