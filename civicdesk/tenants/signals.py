"""What happens to a city's map, announced to the apps above ``tenants``.

- ``district_redrawn(old, new)``: ``old`` (retired, renamed with its last day) was replaced by
  ``new``, the district of the same name and number with a new area: a district cut to make
  room for another (``services.district_cut``). What is tied to the district by choice,
  not by the place of a case (a resident's alerts of a district), follows ``new``; cases
  keep ``old``. Sent inside the write's transaction: a receiver's writes commit with it.

- ``district_replacing(old, by)``: asked before ``old`` is retired whole (for a district
  uploaded over it, the admin's “Cut it out of the districts it lies over”; by an import with
  “Replace the current map”; by hand, “Retire”), so the page can say beforehand what follows
  it (``services.district_replacing_words``). ``by``: the names of the districts that will cover it, each
  with the share (0–1) of ``old``'s area it covers, most first (empty: none). Each receiver
  returns a list of sentences in the administrator's language (what it will do), and does
  nothing yet.
- ``district_replaced(old, by)``: ``old`` was retired whole and the new map is in place (an
  upload that covers it, an import that replaces the map, or *Retire* by hand): ``by``, the current districts
  covering its area with their shares, most first (``services.district_successors``; empty:
  none). What follows a district by choice moves to the first, and whoever chose it is told;
  each receiver returns sentences saying what it did. Sent inside the write's transaction.
  ``cause``: why it left the map, so it is told in true words (``DRAWN_OVER``, ``IMPORTED``,
  ``RETIRED``).
- ``district_retiring(old)``: asked before ``old`` is retired by hand (“Retire”), so the page
  can say what stays with it (its open cases keep it) beside what follows it
  (``district_replacing``). Each receiver returns a list of sentences in the
  administrator's language, and does nothing yet; all of them empty: nothing is attached to
  it (``services.district_retire_plan``).

``sender`` is ``District``.
"""

from __future__ import annotations

from django.dispatch import Signal

# Why a district was retired whole (``district_replaced``'s ``cause``): a district uploaded over
# it (the admin's “Cut it out of the districts it lies over”), an import with “Replace the
# current map” (the admin's or ``manage.py districts_import --replace``), or “Retire” by hand.
DRAWN_OVER, IMPORTED, RETIRED = "drawn-over", "imported", "retired"

district_redrawn = Signal()
district_replacing = Signal()
district_replaced = Signal()
district_retiring = Signal()
