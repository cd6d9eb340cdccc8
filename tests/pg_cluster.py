"""`pytest --postgres`: run the suite against a throwaway PostgreSQL cluster.

The cluster is made from the machine's own `initdb`/`pg_ctl` in a temporary directory,
listens on a free loopback port (and a unix socket inside that directory), runs without
fsync, and is stopped and deleted when pytest ends, however it ends.

Why a plugin loaded with ``-p`` (pyproject's addopts) and not conftest.py: pytest-django
reads Django's settings in ``pytest_load_initial_conftests``, before any conftest.py is
imported, and settings read ``DATABASE_URL`` once. Only a plugin that is registered before
that hook runs can set ``DATABASE_URL`` in time; our ``tryfirst`` implementation runs
before pytest-django's.

Under pytest-xdist the controller starts the one cluster and its workers inherit
``DATABASE_URL``; pytest-django gives each worker its own test database (test_postgres_gw0…).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

OPTION = "--postgres"
DB_ONLY_OPTION = "--db-only"
SYSTEM_USER = "postgres"
DATABASE_USER = "postgres"

# Names of fixtures that give a test the database (pytest-django's and ours).
DB_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
        "_django_db_helper",
    }
)

# Runs in its own session so that a Ctrl-C aimed at pytest does not stop it first. It waits
# until its stdin closes (pytest ended, normally or not, even by SIGKILL), then stops the
# cluster and deletes the directory.
_WATCHDOG = r"""
import shutil, subprocess, sys
sys.stdin.read()
root, stop = sys.argv[1], sys.argv[2:]
subprocess.run(stop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
shutil.rmtree(root, ignore_errors=True)
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("civicdesk")
    group.addoption(
        OPTION,
        action="store_true",
        default=False,
        help="run against a throwaway PostgreSQL cluster started from the machine's initdb/pg_ctl",
    )
    group.addoption(
        DB_ONLY_OPTION,
        action="store_true",
        default=False,
        help="run only the tests that use the database (marker django_db or a database fixture)",
    )


def find_pg_bindir() -> Path:
    """Find the directory with initdb and pg_ctl: $PG_BINDIR, pg_config, Debian's layout, PATH."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10)
            candidates.append(Path(out.stdout.strip()))

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        candidates.append(Path(found))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise pytest.UsageError(
        f"{OPTION} needs PostgreSQL's server programs (initdb, pg_ctl) and none were found. "
        "Install them (Debian: apt-get install postgresql, or run scripts/bootstrap.sh) "
        "or set PG_BINDIR to the folder that holds them."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster in a temporary directory, owned by whoever may run the server."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        # /tmp rather than $TMPDIR: the postgres user must be able to reach it, and the unix
        # socket's path must stay under the kernel's 107-character limit.
        base = "/tmp" if os.access("/tmp", os.W_OK | os.X_OK) else None
        self.root = Path(tempfile.mkdtemp(prefix="civicdesk-pg-", dir=base))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.log = self.root / "server.log"
        self.port = 0
        self._runas: list[str] = []
        self._watchdog: subprocess.Popen[bytes] | None = None

    # PostgreSQL refuses to run as root, so root runs it as the postgres system user.
    def _prepare_user(self) -> None:
        if os.geteuid() != 0:
            return
        try:
            pw = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                check=True,
                capture_output=True,
            )
            pw = pwd.getpwnam(SYSTEM_USER)
        for path in (self.root, self.sockets):
            path.mkdir(exist_ok=True)
            os.chown(path, pw.pw_uid, pw.pw_gid)
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        self._runas = [runuser, "-u", SYSTEM_USER, "--"]

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [*self._runas, *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n--- server log ---\n" + "\n".join(self.log.read_text().splitlines()[-30:])
        return ""

    def _stop_command(self) -> list[str]:
        return [*self._runas, str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w"]

    def start(self) -> None:
        """initdb, start the server on a free port, and arrange that it is always cleaned up."""
        self._begin()
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            DATABASE_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# throwaway test cluster: speed over durability\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.sockets}'\n"
                "max_connections = 200\n"
            )
        self._start_on_a_free_port()

    def _begin(self) -> None:
        self.sockets.mkdir()
        self._prepare_user()
        # The watchdog first: from here on, whatever happens, the directory goes away.
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(self.root), *self._stop_command()],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )

    def _start_on_a_free_port(self) -> None:
        # The port is free when we look; another process may take it before the server binds it.
        last_error: Exception | None = None
        for _attempt in range(5):
            self.port = _free_port()
            try:
                self.start_server()
                return
            except RuntimeError as exc:
                last_error = exc
        raise RuntimeError(f"PostgreSQL did not start: {last_error}")

    def stop_server(self, mode: str = "fast") -> None:
        """Stop PostgreSQL but keep the cluster, to start it again on the same port: half of
        a restart, for the fault tests (tests/ops/test_faults.py). Never on the suite's own
        cluster, which every test of the run shares."""
        self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def start_server(self) -> None:
        """Start the server on ``self.port``: the first time, or again after ``stop_server``."""
        pg_ctl = str(self.bindir / "pg_ctl")
        self._run(pg_ctl, "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", f"-p {self.port}")

    @property
    def url(self) -> str:
        return f"postgres://{DATABASE_USER}@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Stop the server and delete its directory (the watchdog does both and we wait for it)."""
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is None:
            return
        if watchdog.stdin:
            watchdog.stdin.close()
        try:
            watchdog.wait(timeout=60)
        except subprocess.TimeoutExpired:
            watchdog.kill()


class ReplicaCluster(Cluster):
    """A hot standby of ``primary``: copied with ``pg_basebackup`` and kept current by
    streaming replication over loopback, as an operator sets one up (docs/operations.md)."""

    def __init__(self, primary: Cluster) -> None:
        super().__init__(primary.bindir)
        self.primary = primary

    def start(self) -> None:
        self._begin()
        self._run(
            str(self.bindir / "pg_basebackup"),
            "--pgdata",
            str(self.data),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.primary.port),
            "--username",
            DATABASE_USER,
            "--write-recovery-conf",  # standby.signal and primary_conninfo: a streaming standby
            "--wal-method=stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\n# the replica's own sockets\nunix_socket_directories = '{self.sockets}'\nhot_standby = on\n")
        self._start_on_a_free_port()

    def query(self, url: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(sql, params).fetchone()
            return row[0] if row else None

    def pause_replay(self) -> None:
        self.query(self.url, "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.query(self.url, "SELECT pg_wal_replay_resume()")

    def caught_up(self) -> bool:
        """Whether the replica has replayed everything the primary has written so far."""
        written = self.query(self.primary.url, "SELECT pg_current_wal_lsn()::text")
        behind = self.query(self.url, "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", (written,))
        return behind is not None and behind <= 0


_cluster: Cluster | None = None


def _terminate(signum: int, frame: Any) -> None:
    # Turn SIGTERM into the Ctrl-C path, so pytest unwinds and stops the cluster.
    raise KeyboardInterrupt


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Start the cluster and export DATABASE_URL before pytest-django reads the settings."""
    global _cluster
    options = early_config.known_args_namespace
    if not getattr(options, "postgres", False) or getattr(options, "help", False):
        return
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # A worker of pytest-xdist: the controller started the cluster and exported its URL.
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise pytest.UsageError(f"{OPTION}: the xdist controller did not pass a PostgreSQL DATABASE_URL")
        return
    _cluster = Cluster(find_pg_bindir())
    try:
        _cluster.start()
    except BaseException:
        _cluster.stop()
        _cluster = None
        raise
    os.environ["DATABASE_URL"] = _cluster.url
    os.environ["CIVICDESK_TEST_PG_DIR"] = str(_cluster.root)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)


def pytest_report_header(config: pytest.Config) -> str | None:
    if _cluster is not None:
        return f"postgres: throwaway cluster on 127.0.0.1:{_cluster.port} in {_cluster.root} ({_cluster.bindir})"
    return None


def uses_database(item: pytest.Item) -> bool:
    """Whether a test touches the database: the django_db marker or a database fixture."""
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DB_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption(DB_ONLY_OPTION):
        return
    keep = [item for item in items if uses_database(item)]
    dropped = [item for item in items if not uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_unconfigure(config: pytest.Config) -> None:
    global _cluster
    if _cluster is not None:
        _cluster.stop()
        _cluster = None
