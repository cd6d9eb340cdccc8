"""Run processes of a Procfile with honcho, for `make run` (Procfile) and `make serve-prod`
(Procfile.prod): scripts/run_dev.py and scripts/serve_prod.py prepare the database, then call
``run_procfile``.

honcho does the supervising, as ``honcho start`` would: each process in its own session, its
output relayed with its name in front, SIGINT or SIGTERM stops them all, and when one stops on
its own the others are stopped too. What is added here, in honcho's own terms (its Manager and
Printer, pinned in requirements):

- the exit code: 0 after a stop that was asked for (Ctrl-C, SIGTERM, SIGHUP), 1 when a process
  stopped on its own, even with exit code 0, so a broken setup never looks like a clean stop;
- SIGHUP (the terminal closed) stops everything too: honcho starts each process in a session of
  its own, so the terminal's hang-up would reach none of them;
- a readiness probe: ``on_ready`` is called once ``ready()`` is true (the URL banner, the
  "serve-prod: ready" line);
- with ``note``, honcho's own lines ("web.1 started (pid=…)") go through it: serve-prod writes
  them as JSON lines when the logs are JSON;
- a signal is acted on by the loop, not inside its handler (``_Manager.loop``): honcho's
  handler prints, and waited for ever on the print lock when the signal came mid-line;
- a run killed outright (SIGKILL, the out-of-memory killer) stops its processes too: honcho's
  relays would outlive it, and with them the web server on its port and a worker polling the
  database. Each relay asks Linux for a SIGHUP when its parent dies (``prctl``
  PR_SET_PDEATHSIG) and then stops its process as a stop would (SIGTERM, SIGKILL after
  ``STOP_GRACE_SECONDS``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from honcho import manager as honcho_manager
from honcho.environ import expand_processes, parse_procfile
from honcho.printer import Printer

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# Between SIGTERM and SIGKILL (honcho's default is 5 s): gunicorn finishes the requests in hand.
STOP_GRACE_SECONDS = 10
# honcho's line when a process ends, e.g. "worker.1 stopped (rc=-9)".
_STOPPED = re.compile(r"^(?P<name>\S+) stopped \(rc=(?P<rc>-?\d+)\)")
_ASKED_TO_STOP = {130, 143, 129}  # what honcho's Manager (and our SIGHUP) set on a signal

_print_lock = threading.Lock()


def say(text: str = "") -> None:
    with _print_lock:
        print(text, flush=True)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


class _Printer(Printer):
    """honcho's printer, which also remembers the first process that stopped, and hands honcho's
    own lines to ``note`` when there is one."""

    def __init__(self, *, prefix: bool, note: Callable[[str], None] | None) -> None:
        super().__init__(sys.stdout, colour=True, prefix=prefix)
        self.note = note
        self.first_stopped: tuple[str, int] | None = None

    def write(self, message: Any) -> None:
        if message.name == honcho_manager.SYSTEM_PRINTER_NAME:
            text = str(message.data).strip()
            stopped = _STOPPED.match(text)
            if stopped and self.first_stopped is None:
                self.first_stopped = (stopped["name"], int(stopped["rc"]))
            if self.note is not None:
                self.note(text)
                return
        with _print_lock:
            super().write(message)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _hang_up_when_orphaned() -> bool:
    """Ask Linux for a SIGHUP when this process's parent dies; False where it cannot be asked."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGHUP), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _relay(process: Any, events: Any, supervisor: int) -> None:
    """honcho's relay (``Process.run``: start the program, pass its lines on), stopping the
    program if the supervisor dies without stopping it."""

    def orphaned(signum: int, frame: Any) -> None:
        if os.getppid() == supervisor:
            return  # the terminal's hang-up: the supervisor is alive and stops everything
        child = getattr(process, "_child", None)
        if child is None:
            return

        def signal_program(sig: int) -> None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, sig)  # the program's own session (honcho starts it so)

        signal_program(signal.SIGTERM)
        later = threading.Timer(STOP_GRACE_SECONDS, signal_program, args=(signal.SIGKILL,))
        later.daemon = True
        later.start()

    signal.signal(signal.SIGHUP, orphaned)
    if _hang_up_when_orphaned() and os.getppid() != supervisor:
        return  # the supervisor died before the request was in place: start nothing
    process.run(events, True)


# The signals that stop everything, and the exit code honcho's Manager gives each (ours for SIGHUP).
_STOP_SIGNALS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


class _Manager(honcho_manager.Manager):
    def __init__(self, printer: _Printer, after_start: Callable[[], None], on_hang_up: Callable[[], None]) -> None:
        super().__init__(printer)
        self._after_start = after_start
        self._on_hang_up = on_hang_up

    def _start(self) -> None:
        # honcho's _start, with our relay around its Process.run.
        supervisor = os.getpid()
        for name, entry in self._processes.items():
            entry["process"] = multiprocessing.Process(
                name=name, target=_relay, args=(entry["obj"], self.events, supervisor)
            )
            entry["process"].start()
        # Only now, after the relays are forked: no thread of ours is copied into them.
        self._after_start()

    def loop(self) -> None:
        """What honcho's ``Manager.loop`` does (start the processes, relay their lines, stop them
        all when a signal comes or one of them stops, SIGKILL after ``KILL_WAIT``), except that a
        signal handler here only notes the signal, and the loop acts on it.

        honcho's handler prints "SIGTERM received" and "sending SIGTERM to …" from inside the
        handler. A signal that came while this thread was printing a process's line, holding
        ``_print_lock``, left the handler waiting for that lock for ever: a serve-prod stopped
        at the end of a load test's burst of log lines never stopped."""
        received: list[int] = []

        def note_signal(signum: int, frame: Any) -> None:
            if os.getpid() == supervisor:  # not in a relay forked before it set its own handlers
                received.append(signum)

        supervisor = os.getpid()
        for signum in _STOP_SIGNALS:
            signal.signal(signum, note_signal)
        self._start()

        stop_asked_at: float | None = None
        finished = killed = False
        while True:
            if received and self._all_started():  # every pid is known: terminate can signal them all
                signum = received.pop(0)
                self._act_on(signum)
                stop_asked_at = stop_asked_at or time.monotonic()
            try:
                message = self.events.get(timeout=0.1)
            except queue.Empty:
                if finished:
                    return
            else:
                self._relay_message(message)
            if self._all_started() and self._all_stopped():
                finished = True
            elif self._all_started() and self._any_stopped() and stop_asked_at is None:
                stop_asked_at = time.monotonic()
                self.terminate()
            late = stop_asked_at is not None and time.monotonic() - stop_asked_at > honcho_manager.KILL_WAIT
            if late and not killed:
                killed = True
                self.kill()

    def _act_on(self, signum: int) -> None:
        if signum == signal.SIGHUP:
            self._on_hang_up()
        else:
            self._system_print(f"{signal.Signals(signum).name} received\n")
        if self.returncode is None or signum != signal.SIGHUP:
            self.returncode = _STOP_SIGNALS[signum]
        self.terminate()

    def _relay_message(self, message: Any) -> None:
        if message.type == "line":
            self._printer.write(message)
        elif message.type == "start":
            self._processes[message.name]["pid"] = message.data["pid"]
            self._system_print(f"{message.name} started (pid={message.data['pid']})\n")
        elif message.type == "stop":
            self._processes[message.name]["returncode"] = message.data["returncode"]
            self._system_print(f"{message.name} stopped (rc={message.data['returncode']})\n")
            if self.returncode is None:
                self.returncode = message.data["returncode"]


def run_procfile(
    procfile: Path,
    *,
    names: list[str],
    port: int,
    concurrency: Mapping[str, int] | None = None,
    ready: Callable[[], bool],
    on_ready: Callable[[], None],
    program: str = "run",
    prefix: bool = True,
    note: Callable[[str], None] | None = None,
) -> int:
    """Run the named processes of ``procfile`` (the first gets ``port`` as $PORT) until a signal
    (exit code 0) or until one of them stops on its own (the rest are stopped; exit code 1)."""
    tell = note or say
    processes = parse_procfile(procfile.read_text(encoding="utf-8")).processes
    chosen = {name: processes[name] for name in names}
    # `python` and `gunicorn` in the Procfile are this virtualenv's.
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}

    stopped = threading.Event()

    def watch() -> None:
        while not stopped.is_set():
            if ready():
                on_ready()
                return
            stopped.wait(0.3)

    printer = _Printer(prefix=prefix, note=note)
    manager = _Manager(
        printer,
        after_start=lambda: threading.Thread(target=watch, daemon=True).start(),
        on_hang_up=lambda: tell(f"{program}: SIGHUP received"),
    )
    for process in expand_processes(chosen, concurrency=dict(concurrency or {}), port=port):
        manager.add_process(process.name, process.cmd, quiet=process.quiet, env={**env, **process.env}, cwd=str(REPO))

    honcho_manager.KILL_WAIT = STOP_GRACE_SECONDS
    manager.loop()
    stopped.set()

    if manager.returncode in _ASKED_TO_STOP:
        tell(f"{program}: stopped")
        return 0
    name, code = printer.first_stopped or ("a process", manager.returncode or 0)
    tell(f"{program}: {name} stopped unexpectedly (exit code {code}); the others were stopped")
    return 1
