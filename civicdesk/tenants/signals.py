"""What happens to a city's map, announced to the apps above ``tenants``.

- ``district_redrawn(old, new)``: ``old`` (retired, renamed with its last day) was replaced by
  ``new``, the district of the same name and number with a new area: a district cut to make
  room for another (``services.district_cut``). What is tied to the district by choice,
  not by the place of a case (a resident's alerts of a district), follows ``new``; cases
  keep ``old``. Sent inside the write's transaction: a receiver's writes commit with it.

``sender`` is ``District``.
"""

from __future__ import annotations

from django.dispatch import Signal

district_redrawn = Signal()
