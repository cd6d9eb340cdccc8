"""What every benchmark of ``make bench`` shares: where things are, the throwaway PostgreSQL
cluster and Django on it, plain SQL, the timer, the machine."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import statistics
import sys
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
SPAN_DAYS = 730  # two years of history: a one-year report covers half the cases


def start_cluster() -> Any:
    from tests.pg_cluster import Cluster, find_pg_bindir

    cluster = Cluster(find_pg_bindir())
    cluster.start()
    return cluster


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Pages are rendered without collectstatic having run: plain static URLs, no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    logging.getLogger("civicdesk.request").setLevel(logging.WARNING)  # one line per page timed is noise


def sql(query: str, params: Any = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def raw_cursor() -> Any:
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.cursor()


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time in milliseconds of ``repeat`` runs after one warm-up run."""
    fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(runs), 1)


def machine() -> dict[str, Any]:
    def first(path: str, prefix: str) -> str:
        with contextlib.suppress(OSError, StopIteration), open(path) as fh:
            return next(line for line in fh if line.startswith(prefix)).split(":")[1].strip()
        return ""

    mem, cpu = first("/proc/meminfo", "MemTotal"), first("/proc/cpuinfo", "model name")
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": sql("SHOW server_version")[0][0],
    }
