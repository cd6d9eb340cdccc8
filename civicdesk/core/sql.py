"""Plain SQL for the few yes-or-no questions every report asks.

Building and compiling an ORM query costs Django a few tenths of a millisecond of CPU: for
a query of several ``OR``-ed conditions (the area alerts' "does anyone listen here?") close
to a millisecond, five times the database's own work. A report asks a handful of such
questions, nearly always answered "no", on every POST. The hottest are written as plain SQL
beside the code that asks them (the same text on SQLite and PostgreSQL, every value a
parameter) and run by ``first_row`` on the database the ORM would have used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model


def first_row(model: type[Model], sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (``%s`` placeholders), read from the database the router
    gives for reading ``model``; None when there is none."""
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row
