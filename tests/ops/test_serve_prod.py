"""`make serve-prod` (scripts/serve_prod.py): refuses what production must not run with, and
otherwise runs gunicorn with several workers, the task worker and the sweeper, answers
/healthz, serves hashed static files through WhiteNoise, writes JSON log lines with the
request id, and stops everything on SIGTERM. On PostgreSQL with --postgres, else on a
SQLite file (ALLOW_SQLITE_IN_PRODUCTION=1)."""

from __future__ import annotations

import gc
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from civicdesk.core.priority import session_nice
from tests.loopback import http_server
from tests.ops.loadgen import Target, run_trivial
from tests.ops.prod_server import (
    HOST,
    SCRIPT,
    SECRET,
    ServeProd,
    base_env,
    cpu_seconds,
    prod_env,
    tree_cpu_seconds,
)

pytestmark = pytest.mark.slow


def test_it_refuses_to_start_without_a_database_url(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, SCRIPT], env=base_env(tmp_path, SECRET_KEY=SECRET), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "DATABASE_URL is not set. Production runs on PostgreSQL" in done.stdout


def test_it_refuses_sqlite_unless_allowed(tmp_path: Path) -> None:
    env = base_env(tmp_path, SECRET_KEY=SECRET, DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")
    done = subprocess.run([sys.executable, SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "ALLOW_SQLITE_IN_PRODUCTION=1" in done.stdout


def test_it_refuses_the_development_secret_key(tmp_path: Path) -> None:
    env = base_env(tmp_path, ALLOW_SQLITE_IN_PRODUCTION="1")
    done = subprocess.run([sys.executable, SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stdout + done.stderr


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": HOST, **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_serve_prod_runs_the_production_shape_and_stops_on_sigterm(database_url: str, tmp_path: Path) -> None:
    env = base_env(
        tmp_path,
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        ALLOW_SQLITE_IN_PRODUCTION="1",
        ALLOWED_HOSTS=HOST,
        WEB_CONCURRENCY="3",
        LOG_FORMAT="json",
        SECURE_COOKIES="0",
    )
    with ServeProd(env) as server:
        port, lines = server.port, server.lines
        assert any("3 web workers" in line for line in lines)
        # The test's database is on this machine: one thread per worker (config/gunicorn_conf.py).
        # ...in sync workers, which take a connection only when free: one queue, first come first served.
        assert any(
            "3 workers, 1 thread each (sync; the database is on this machine; the application loaded once, by the"
            " master)" in line
            for line in lines
        )
        # Preloaded: the master holds the application's libraries (shapely's GEOS, for the city
        # limits), which every worker, forked from it, shares instead of loading again.
        [master] = [p.pid for p in server.processes() if p.name == "gunicorn master"]
        assert "libgeos" in Path(f"/proc/{master}/maps").read_text()

        status, headers, body = get(f"http://127.0.0.1:{port}/healthz", **{"X-Request-ID": "probe-42"})
        assert status == 200 and json.loads(body)["database"] == "ok"
        assert headers["X-Request-ID"] == "probe-42"

        status, _, page = get(f"http://127.0.0.1:{port}/console/login/")
        assert status == 200
        css = re.search(rb'href="(/static/civicdesk/site\.[0-9a-f]{12}\.css)"', page)
        assert css, "the page links the hashed (manifest) name of the stylesheet"
        status, headers, _ = get(f"http://127.0.0.1:{port}{css.group(1).decode()}")
        assert status == 200 and "max-age=315360000" in headers.get("Cache-Control", "")

        # Each gunicorn worker, the task worker and the sweeper are running.
        roles = [p.name for p in server.processes()]
        assert roles.count("gunicorn worker") == 3
        assert "gunicorn master" in roles and "task worker" in roles and "sweeper" in roles
        # The task worker and the sweeper yield the CPU to the web workers (Procfile.prod: nice 10).
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        niceness = {p.name: os.getpriority(os.PRIO_PROCESS, p.pid) - ours for p in server.processes()}
        assert niceness["task worker"] == niceness["sweeper"] == 10
        assert niceness["gunicorn worker"] == niceness["gunicorn master"] == 0
        # ...and across sessions: each Procfile line runs in a session of its own, and with
        # autogroup scheduling a nice value only counts inside its session
        # (civicdesk/core/priority.py). The worker and the sweeper give theirs to their session.
        if Path("/proc/self/autogroup").exists():
            pids = {p.name: p.pid for p in server.processes()}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not all(
                session_nice(pids[name]) == os.getpriority(os.PRIO_PROCESS, pids[name])
                for name in ("task worker", "sweeper")
            ):
                time.sleep(0.2)
            for name in ("task worker", "sweeper"):
                assert session_nice(pids[name]) == os.getpriority(os.PRIO_PROCESS, pids[name]) > 0, name
            assert session_nice(pids["gunicorn worker"]) == 0

        time.sleep(1)
        logged = [json.loads(line) for line in lines if line.startswith("{")]
        access = [e for e in logged if e.get("logger") == "civicdesk.request" and e.get("request_id") == "probe-42"]
        assert access and access[0]["path"] == "/healthz" and access[0]["status"] == 200
    assert server.returncode == 0, server.output(30)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "gunicorn still listens after the stop"


def test_a_500_in_the_servers_output_is_shown_with_its_traceback() -> None:
    """What the load tests print when a request got a 500: the record and its traceback, from
    honcho's interleaved output (another program's lines passed over, up to the next record)."""
    server = ServeProd({"PORT": "1"})
    server.lines = [
        "09:05:12 web.1     | 2026-12-05 09:05:12,700 INFO civicdesk.request [a1] GET / 200\n",
        "09:05:12 web.1     | 2026-12-05 09:05:12,763 ERROR django.request [b2] Internal Server Error: /open311/v2/requests.json\n",
        "09:05:12 web.1     | Traceback (most recent call last):\n",
        '09:05:12 web.1     |   File "civicdesk/cases/services.py", line 211, in case_create\n',
        "09:05:12 worker.1  | 2026-12-05 09:05:12,764 INFO civicdesk.outbox [-] sent 2\n",
        "09:05:12 web.1     | django.db.transaction.TransactionManagementError: An error occurred\n",
        "09:05:13 web.1     | [2026-12-05 09:05:13 -0600] [42] [ERROR] Error handling request /healthz\n",
        "09:05:13 web.1     | Traceback (most recent call last):\n",
        "09:05:13 web.1     | OSError: broken\n",
        "09:05:13 web.1     | 2026-12-05 09:05:13,100 WARNING civicdesk.unavailable [c3] answered 503\n",
    ]
    first, second = server.logged_errors()
    assert first.splitlines() == [line.rstrip("\n") for line in server.lines[1:4] + server.lines[5:6]]
    assert second.splitlines() == [line.rstrip("\n") for line in server.lines[6:9]]
    assert server.logged_errors("nothing like it") == []


def test_a_5xx_answer_is_kept_with_the_start_of_its_body() -> None:
    """A load run keeps what a 500 said (Django's page, or gunicorn's own when the error
    escaped Django), for the assertion that finds it."""

    class Failing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body><h1>Internal Server Error</h1>" + b"x" * 1000
            status = 500 if self.path.startswith("/broken") else 200
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with http_server(Failing) as port:
        target = Target(
            port=port,
            host_header="localhost",
            jurisdiction_id="",
            api_key="",
            service_code="",
            city_slug="",
            points=[],
            trivial_path="/broken",
        )
        run = run_trivial(target, clients=2, requests_per_client=2)
        assert [o.answer for o in run.server_errors()] == ["<html><body><h1>Internal Server Error</h1>" + "x" * 258] * 4
        target = Target(**{**target.__dict__, "trivial_path": "/fine"})
        assert [o.answer for o in run_trivial(target, clients=1, requests_per_client=2).outcomes] == ["", ""]


def test_cpu_seconds_count_a_process_and_the_children_it_reaped() -> None:
    """What bench/load.py divides per request: a recycled worker's or a closed backend's CPU is
    not lost with it, it moves to its parent once reaped."""
    before = cpu_seconds(os.getpid())
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
    assert cpu_seconds(os.getpid()) - before >= 0.28
    own = cpu_seconds(os.getpid())  # read first: this process's CPU only grows between the reads
    assert tree_cpu_seconds(os.getpid()) >= own
    assert cpu_seconds(2**22 + 1) == 0.0  # no such process


def test_the_master_freezes_its_objects_before_each_fork() -> None:
    """gunicorn's pre_fork hook: the objects the master holds (the preloaded application) are
    moved out of the garbage collector's reach, so a worker's collections never walk them."""
    from types import SimpleNamespace

    from config import gunicorn_conf

    before = gc.get_freeze_count()
    try:
        gunicorn_conf.pre_fork(SimpleNamespace(cfg=SimpleNamespace(preload_app=False)), None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_a_stop_that_times_out_leaves_no_process_of_it_running(database_url: str, tmp_path: Path) -> None:
    # The harness's last resort when a stop times out (tests/ops/prod_server.py): SIGKILL to
    # serve-prod's process group took honcho and its relays, and left the web server, worker and
    # sweeper (each in a session of its own) running; one CI run left them behind that way.
    with ServeProd(prod_env(tmp_path, database_url, WEB_CONCURRENCY="2")) as server:
        everything = {p.pid: p.name for p in server.processes()}
        assert {"gunicorn worker", "task worker", "sweeper"} <= set(everything.values())
        server.kill()

    def alive(pid: int) -> bool:
        try:
            return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return False

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(pid) for pid in everything):
        time.sleep(0.2)
    assert not {pid: name for pid, name in everything.items() if alive(pid)}


def test_when_one_process_dies_serve_prod_stops_the_others_and_exits_1(database_url: str, tmp_path: Path) -> None:
    env = base_env(
        tmp_path,
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        ALLOW_SQLITE_IN_PRODUCTION="1",
        ALLOWED_HOSTS=HOST,
        WEB_CONCURRENCY="1",
        TASK_WORKERS="2",
    )
    server = ServeProd(env)
    with server:
        processes = server.processes()
        roles = [p.name for p in processes]
        assert roles.count("task worker") == 2  # TASK_WORKERS: honcho's concurrency
        sweeper = next(p.pid for p in processes if p.name == "sweeper")
        os.kill(sweeper, signal.SIGKILL)
        assert server.proc is not None
        server.returncode = server.proc.wait(timeout=60)
    assert server.returncode == 1, server.output(30)
    assert any("serve-prod: sweeper.1 stopped unexpectedly (exit code -9)" in line for line in server.lines)
    running = [p.pid for p in processes if p.name not in ("supervisor (serve_prod.py)", "gone") and alive(p.pid)]
    assert not running, running
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", server.port)) != 0, "gunicorn still listens"


def alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_gunicorns_workers_keep_their_database_connections_unless_told_otherwise() -> None:
    """config/gunicorn_conf.py sets DB_CONN_MAX_AGE=60 for the workers it forks (a connection
    per request cost PostgreSQL a new backend each time); an operator's own value wins."""
    probe = "import os, config.gunicorn_conf; print(os.environ['DB_CONN_MAX_AGE'])"
    env = {k: v for k, v in os.environ.items() if k != "DB_CONN_MAX_AGE"}
    repo = Path(__file__).resolve().parents[2]
    for given, expected in ((None, "60"), ("0", "0"), ("300", "300")):
        run_env = env if given is None else {**env, "DB_CONN_MAX_AGE": given}
        done = subprocess.run(
            [sys.executable, "-c", probe], env=run_env, cwd=repo, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected


def test_gunicorn_runs_one_thread_per_worker_beside_its_database_and_four_across_a_network() -> None:
    """config/gunicorn_conf.py: threads only pay while another waits on the network; an
    operator's GUNICORN_THREADS wins either way."""
    cases = [
        ("", "", 1),  # unset: the settings' SQLite file
        ("sqlite:////srv/civicdesk/var/civicdesk.sqlite3", "", 1),
        ("postgres://civicdesk@localhost/civicdesk", "", 1),
        ("postgres://civicdesk@127.0.0.1:5432/civicdesk", "", 1),
        ("postgres://civicdesk@[::1]:5432/civicdesk", "", 1),
        ("postgres:///civicdesk", "", 1),  # libpq's default Unix socket
        ("postgres://civicdesk@%2Fvar%2Frun%2Fpostgresql/civicdesk", "", 1),
        ("postgres://civicdesk@/civicdesk?host=/var/run/postgresql", "", 1),
        ("postgres://civicdesk@db.internal:5432/civicdesk", "", 4),
        ("postgres://civicdesk@10.0.0.5/civicdesk", "", 4),
        ("postgres://civicdesk@db.internal/civicdesk", "2", 2),
        ("postgres://civicdesk@127.0.0.1/civicdesk", "8", 8),
    ]
    probe = (
        "import json, os, sys, config.gunicorn_conf as conf\n"
        "out = []\n"
        "for url, given, _ in json.loads(sys.argv[1]):\n"
        "    os.environ['DATABASE_URL'] = url\n"
        "    os.environ['GUNICORN_THREADS'] = given\n"
        "    threads = conf.default_threads()\n"
        "    out.append([threads, conf.worker_class_for(threads)])\n"
        "print(json.dumps(out))\n"
    )
    repo = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GUNICORN_THREADS")}
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(cases)], env=env, cwd=repo, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    expected = [[threads, "sync" if threads == 1 else "gthread"] for _url, _given, threads in cases]
    assert got == expected, list(zip(cases, got, strict=True))
