"""The one clock every service reads.

Importers and the demo loader replay history: inside ``clock.frozen_at(moment)`` every
service stamps its events with that moment instead of the wall clock.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_frozen: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("civicdesk_clock", default=None)


def now() -> dt.datetime:
    """The current moment (aware, UTC), or the frozen one inside ``frozen_at``."""
    frozen = _frozen.get()
    return frozen if frozen is not None else timezone.now()


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
