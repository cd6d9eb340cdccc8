"""The console search's trigram index (migration cases 0012) on PostgreSQL: built, valid, and
built again when an earlier build was interrupted (CREATE INDEX CONCURRENTLY leaves an invalid
index behind, which IF NOT EXISTS alone would keep, unused, for ever)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

migration = importlib.import_module("civicdesk.cases.migrations.0012_search_trigram_index")


def valid() -> bool | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
            [migration.INDEX],
        )
        row = cursor.fetchone()
    return None if row is None else bool(row[0])


def test_an_interrupted_build_of_the_search_index_is_built_again() -> None:
    if connection.vendor != "postgresql":
        migration.create(None, SimpleNamespace(connection=connection))  # nothing to do, nothing done
        return
    assert valid() is True
    with connection.cursor() as cursor:  # what an interrupted CONCURRENTLY build leaves
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [migration.INDEX])
    assert valid() is False
    migration.create(None, SimpleNamespace(connection=connection))
    assert valid() is True
