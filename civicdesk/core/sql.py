"""Plain SQL for the few reads every request makes.

Building and compiling an ORM query costs Django a few tenths of a millisecond of CPU: for
a query of several ``OR``-ed conditions (the area alerts' "does anyone listen here?") or of a
few joined tables close to a millisecond, five times the database's own work. A report asks a
handful of yes-or-no questions, nearly always answered "no", on every POST; a case page asks
whether the case was handed off or has duplicates; every staff request reads its session and
the signed-in user with their city and department. These are written as plain SQL beside the
code that asks them (the same text on SQLite and PostgreSQL, every value a parameter) and run
by ``first_row`` on the database the ORM would have used; ``Columns`` makes the objects of a
row as the ORM would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model


def first_row(
    model: type[Model], sql: str, params: Sequence[Any], *, using: str | None = None
) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (``%s`` placeholders), read from ``using`` or else the
    database the router gives for reading ``model``; None when there is none."""
    with connections[using or router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row


def column_of(model: type[Model], field: str, alias: str) -> str:
    """The column of ``model``'s ``field``, quoted for the database ``alias``."""
    return connections[alias].ops.quote_name(str(model._meta.get_field(field).column))  # type: ignore[union-attr]


def table_of(model: type[Model], alias: str) -> str:
    """``model``'s table, quoted for the database ``alias``."""
    return connections[alias].ops.quote_name(model._meta.db_table)


def any_row(model: type[Model], field: str, value: Any) -> bool:
    """Whether ``model``'s table has a row whose ``field`` is ``value`` (``SELECT 1 … LIMIT 1``):
    the question a page asks before reading the rows and their joins, nearly always "no"."""
    alias = router.db_for_read(model)
    sql = f"SELECT 1 FROM {table_of(model, alias)} WHERE {column_of(model, field, alias)} = %s LIMIT 1"  # noqa: S608 (names from the model)
    return first_row(model, sql, [value], using=alias) is not None


class Columns:
    """A model's columns in a plain ``SELECT`` (all but ``leave_out``, which stay deferred), and
    the object made from them as the ORM makes it: each value through the same converters (on
    SQLite a time is read as text, a boolean as 0 or 1), then ``Model.from_db``.

    ``Columns(User, "u").select("default")`` gives ``u."id", u."password", …`` to write into a
    statement; ``build("default", values)`` the object from that slice of a row."""

    def __init__(self, model: type[Model], table_alias: str, *, leave_out: Sequence[str] = ()) -> None:
        self.model = model
        self.table_alias = table_alias
        self.fields = [f for f in model._meta.concrete_fields if f.name not in leave_out]
        self.attnames = [f.attname for f in self.fields]
        self.columns = [f.get_col(table_alias) for f in self.fields]
        self._converters: dict[str, list[list[Any]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def select(self, alias: str) -> str:
        quote = connections[alias].ops.quote_name
        return ", ".join(f"{self.table_alias}.{quote(str(f.column))}" for f in self.fields)

    def _converters_of(self, alias: str) -> list[list[Any]]:
        if alias not in self._converters:
            connection = connections[alias]
            converters = []
            for column in self.columns:
                converters.append([*connection.ops.get_db_converters(column), *column.get_db_converters(connection)])
            self._converters[alias] = converters
        return self._converters[alias]

    def build(self, alias: str, values: Sequence[Any]) -> Any:
        connection = connections[alias]
        converted = []
        for column, value, converters in zip(self.columns, values, self._converters_of(alias), strict=True):
            for convert in converters:
                value = convert(value, column, connection)
            converted.append(value)
        return self.model.from_db(alias, self.attnames, converted)
