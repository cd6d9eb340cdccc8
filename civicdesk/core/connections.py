"""The database connection of a process that runs for days: the task worker and the outbox sweeper.

Both close their connection after each round (django-tasks-db's worker calls Django's
``close_old_connections`` before and after every task, as a request ends), which with the
settings' default ``DB_CONN_MAX_AGE`` of 0 means a new connection for every task: a new
PostgreSQL backend each time, which reads its catalogue afresh. Under a burst of reports that
was a sizeable part of the task worker's CPU and PostgreSQL's. Like the web workers
(config/gunicorn_conf.py), they now keep it for ``KEPT_SECONDS``, health-checked before reuse
(``conn_health_checks``: a connection lost to a database restart is replaced), unless the
operator set ``DB_CONN_MAX_AGE``, which wins.
"""

from __future__ import annotations

import os

from django.db import connections

KEPT_SECONDS = 60


def keep_connections_between_rounds() -> None:
    """Keep this process's database connections for ``KEPT_SECONDS`` (see the module); call it
    before the first query."""
    if os.environ.get("DB_CONN_MAX_AGE", "") != "":
        return
    for alias in connections:
        connections[alias].settings_dict["CONN_MAX_AGE"] = KEPT_SECONDS
