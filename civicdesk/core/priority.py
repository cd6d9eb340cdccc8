"""Make a background process's lower CPU priority count against the web server's.

The task worker and the sweeper are started at nice 10 (Procfile.prod, the systemd units) so
that under a burst the web workers answer first and the outbox drains in the gaps. On Linux
with autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``, on by default on
Debian), the scheduler first shares the CPU fairly between *sessions*, and a process's nice
value only weighs against processes of its own session. honcho (``make serve-prod``) starts
every line of the Procfile in a session of its own, as systemd starts each unit: so nice 10
alone changed nothing, and measured under a burst of Open311 reports the worker took as much
CPU as the web workers it was meant to yield to (docs/performance.md, "Intake").

``yield_to_the_web()`` gives the process's session (its autogroup) the process's own nice
value. It does so only when the process leads its session, as under honcho or systemd: a
worker started by hand from a terminal shares the terminal's session, and lowering that
session would slow the person's shell too.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

AUTOGROUP = Path("/proc/self/autogroup")


def session_nice(pid: int | None = None) -> int | None:
    """The nice value of the autogroup of process ``pid`` (this one by default), or None
    where there is none."""
    try:
        text = (AUTOGROUP if pid is None else Path(f"/proc/{pid}/autogroup")).read_text()
    except OSError:
        return None
    # "/autogroup-1234 nice 10"
    parts = text.split()
    try:
        return int(parts[parts.index("nice") + 1])
    except (ValueError, IndexError):
        return None


def yield_to_the_web() -> bool:
    """Give this process's session its nice value, if the process leads the session and its
    nice value is above 0. True when the session's nice value was changed."""
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    if nice <= 0 or os.getsid(0) != os.getpid():
        return False
    current = session_nice()
    if current is None or current >= nice:
        return False
    try:
        AUTOGROUP.write_text(f"{nice}\n")
    except OSError as exc:
        log.info("could not lower the session's CPU priority to nice %s: %s", nice, exc)
        return False
    return True
