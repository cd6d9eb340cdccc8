"""gunicorn's settings, from the environment: `gunicorn config.wsgi:application --config
python:config.gunicorn_conf` (Procfile.prod for `make serve-prod`, the systemd unit in
docs/operations.md).

PORT (8000) and BIND (127.0.0.1: nginx in front); WEB_CONCURRENCY workers (2 × cores + 1, at
most 9: each holds database connections and its own memory); GUNICORN_THREADS (4),
GUNICORN_TIMEOUT (30 s), GUNICORN_ACCESS_LOG=1 (gunicorn's own access line as well as the
application's), LOG_LEVEL, FORWARDED_ALLOW_IPS (127.0.0.1). The web workers keep their database
connections (DB_CONN_MAX_AGE, 60 s unless set).
"""

from __future__ import annotations

import os

MAX_DEFAULT_WORKERS = 9


def web_concurrency() -> int:
    """WEB_CONCURRENCY, else 2 × cores + 1 (gunicorn's advice), capped."""
    raw = os.environ.get("WEB_CONCURRENCY", "")
    if raw:
        return max(1, int(raw))
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


# A web worker's threads keep their database connections between requests: opening one per
# request (DB_CONN_MAX_AGE=0, the settings' default for the other processes) costs PostgreSQL a
# new backend, which reads its catalogue afresh, and most of the CPU of a short request. The
# workers are forked after this file is read, so they inherit it; an operator's own value wins.
os.environ.setdefault("DB_CONN_MAX_AGE", "60")

bind = f"{os.environ.get('BIND', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = web_concurrency()
# Threads: a worker whose request waits on the database (a report waiting for its city's next
# case number) still answers the page views that come meanwhile.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# A worker is replaced after this many requests: a slow leak never grows for long.
max_requests = 2000
max_requests_jitter = 200
errorlog = "-"
# Starting, workers booting and exiting, timeouts: in LOG_FORMAT's format, at LOG_LEVEL.
logger_class = "civicdesk.core.gunicorn_logging.Logger"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The access line is the app's own (civicdesk.request, with the request id); gunicorn's also
# counts what never reaches Django (a malformed request, a worker timeout).
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "") not in ("", "0") else None
