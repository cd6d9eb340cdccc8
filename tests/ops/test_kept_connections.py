"""The task worker and the outbox sweeper keep their database connection from one round to the
next (civicdesk/core/connections.py), unless the operator set DB_CONN_MAX_AGE."""

from __future__ import annotations

import pytest
from django.db import close_old_connections, connection, connections

from civicdesk.core.connections import KEPT_SECONDS, keep_connections_between_rounds

pytestmark = pytest.mark.django_db(transaction=True)


def _closes_for_real() -> bool:
    # Django never closes SQLite's in-memory test database (it would be gone).
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def test_a_long_running_process_keeps_its_connection_between_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    for alias in connections:
        monkeypatch.setitem(connections[alias].settings_dict, "CONN_MAX_AGE", 0)
    connection.close()
    connection.ensure_connection()
    close_old_connections()  # what django-tasks-db's worker does around each task
    if _closes_for_real():
        assert connection.connection is None  # the settings' default: a new connection every round

    keep_connections_between_rounds()
    assert connection.settings_dict["CONN_MAX_AGE"] == KEPT_SECONDS
    connection.close()
    connection.ensure_connection()
    kept = connection.connection
    for _round in range(3):
        close_old_connections()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert kept is not None and connection.connection is kept


def test_the_operator_s_db_conn_max_age_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    for alias in connections:
        monkeypatch.setitem(connections[alias].settings_dict, "CONN_MAX_AGE", 0)
    monkeypatch.setenv("DB_CONN_MAX_AGE", "0")
    keep_connections_between_rounds()
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
