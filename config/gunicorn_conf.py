"""gunicorn's settings, from the environment: `gunicorn config.wsgi:application --config
python:config.gunicorn_conf` (Procfile.prod for `make serve-prod`, the systemd unit in
docs/operations.md).

PORT (8000) and BIND (127.0.0.1: nginx in front); WEB_CONCURRENCY workers (2 × cores + 1, at
most 9: each holds database connections and its own memory); GUNICORN_THREADS per worker (1 when
the database is on this machine, 4 when it is across a network: default_threads),
GUNICORN_TIMEOUT (30 s), GUNICORN_ACCESS_LOG=1 (gunicorn's own access line as well as the
application's), LOG_LEVEL, FORWARDED_ALLOW_IPS (127.0.0.1). The web workers keep their database
connections (DB_CONN_MAX_AGE, 60 s unless set).
"""

from __future__ import annotations

import gc
import ipaddress
import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

MAX_DEFAULT_WORKERS = 9
THREADS_DATABASE_HERE = 1
THREADS_DATABASE_ELSEWHERE = 4


def web_concurrency() -> int:
    """WEB_CONCURRENCY, else 2 × cores + 1 (gunicorn's advice), capped."""
    raw = os.environ.get("WEB_CONCURRENCY", "")
    if raw:
        return max(1, int(raw))
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def database_is_here(url: str) -> bool:
    """Whether DATABASE_URL names a database on this machine: SQLite (the settings' default
    when it is unset), or PostgreSQL on a loopback address or a Unix socket."""
    if not url or url.startswith("sqlite"):
        return True
    parts = urlsplit(url)
    host = unquote(parts.hostname or "") or (parse_qs(parts.query).get("host") or [""])[0]
    if host in ("", "localhost") or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_threads() -> int:
    """GUNICORN_THREADS, else by where the database is.

    A thread earns its keep while another waits: on a database across a network, each of a
    page's queries is a round trip during which the worker's other threads can run. With the
    database on this machine the waits are a few microseconds and a worker's threads only take
    turns at one interpreter lock: measured at 1,000,000 cases on two cores (docs/operations.md),
    5 workers × 1 thread answered a burst of Open311 reports faster and with a p99 a third
    lower than 5 × 4; the other runs were within the machine's own swing either way.
    """
    raw = os.environ.get("GUNICORN_THREADS", "")
    if raw:
        return max(1, int(raw))
    here = database_is_here(os.environ.get("DATABASE_URL", ""))
    return THREADS_DATABASE_HERE if here else THREADS_DATABASE_ELSEWHERE


# A web worker's threads keep their database connections between requests: opening one per
# request (DB_CONN_MAX_AGE=0, the settings' default for the other processes) costs PostgreSQL a
# new backend, which reads its catalogue afresh, and most of the CPU of a short request. The
# workers are forked after this file is read, so they inherit it; an operator's own value wins.
os.environ.setdefault("DB_CONN_MAX_AGE", "60")

bind = f"{os.environ.get('BIND', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = web_concurrency()
threads = default_threads()


def worker_class_for(threads: int) -> str:
    """One thread: the sync worker; more: gthread (threads need it).

    A sync worker takes a connection only when it is free, so requests wait in one queue, the
    kernel's, first come first served. A gthread worker accepts connections while its threads
    are busy and queues them itself: at one thread a request waited behind whichever worker
    took it, while another stood idle. Measured at 1,000,000 cases (docs/operations.md), the busy
    morning's p99 fell from about 1.1 s to 0.4 s for every kind of page, at the same throughput.
    The sync worker keeps no connection open between requests, which is what nginx in front
    does anyway (it speaks HTTP/1.0 to gunicorn, one connection per request, and buffers slow
    clients); and ``timeout`` becomes a limit on each request (30 s; a worker stuck past it is
    replaced), which no page or report of ours comes near."""
    return "sync" if threads == 1 else "gthread"


worker_class = worker_class_for(threads)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# A worker is replaced after this many requests: a slow leak never grows for long.
max_requests = 2000
max_requests_jitter = 200
# The application is imported once, by the master, and every worker is forked from it: a
# replaced worker starts with Django, the apps and the static files' index already loaded and
# its memory shared with the others until written. Measured on serve-prod (docs/operations.md):
# replacing a worker cost 1.1 s of CPU when each imported the application itself, 0.6 s
# preloaded, 0.4 s preloaded with the master's objects frozen (``pre_fork``); at 2,000 requests a
# worker, that is 0.6 ms or 0.2 ms added to every request (the cheapest page takes 1 ms). Code
# changes need a restart (systemctl restart, as every deploy does for its migrations), not a HUP.
preload_app = True
errorlog = "-"
# Starting, workers booting and exiting, timeouts: in LOG_FORMAT's format, at LOG_LEVEL.
logger_class = "civicdesk.core.gunicorn_logging.Logger"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The access line is the app's own (civicdesk.request, with the request id); gunicorn's also
# counts what never reaches Django (a malformed request, a worker timeout).
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "") not in ("", "0") else None


def pre_fork(server: Any, worker: Any) -> None:
    """In the master, before it forks a worker. No database connection is handed down (the
    master opens none, but one a module opened at import would be shared by every worker's
    queries), and the master's objects are frozen: a worker's garbage collections then never
    walk them, so they neither cost its CPU nor copy the pages it shares with the master
    (the use Python's documentation gives for ``gc.freeze``)."""
    if server.cfg.preload_app:
        from django.db import connections

        connections.close_all()
    if not gc.get_freeze_count():
        gc.collect()  # once, before the first fork: no garbage of the master's start frozen with it
    gc.freeze()


def when_ready(server: Any) -> None:
    """The shape the operator got (GUNICORN_CMD_ARGS included), in the log once at start."""
    where = "on this machine" if database_is_here(os.environ.get("DATABASE_URL", "")) else "across a network"
    cfg = server.cfg
    each = "1 thread" if cfg.threads == 1 else f"{cfg.threads} threads"
    loaded = "the application loaded once, by the master" if cfg.preload_app else "each worker loads the application"
    server.log.info(
        "%s workers, %s each (%s; the database is %s; %s)", cfg.workers, each, cfg.worker_class_str, where, loaded
    )
