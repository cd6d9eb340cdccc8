"""The task worker's lower CPU priority holds across sessions (civicdesk/core/priority.py).

Each case runs a fresh Python process the way the Procfile starts one: in a session of its own
(honcho, systemd) or not, at nice 10 or not; the process calls ``yield_to_the_web`` and says
what its session's nice value became.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from civicdesk.core.priority import session_nice

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/autogroup").exists(), reason="this kernel has no autogroup scheduling"
)

CHILD = "from civicdesk.core.priority import yield_to_the_web, session_nice; print(yield_to_the_web(), session_nice())"
REPO = Path(__file__).resolve().parents[2]


def run_child(*, nice: int, own_session: bool) -> tuple[str, int | None]:
    """(what yield_to_the_web returned, the child's session nice value afterwards).

    The value is None for a process in no autogroup of its own: one whose session was never
    started after boot (``setsid``), as under some CI runners, stays in the root group, where
    ``/proc/self/autogroup`` reads empty and nice values count machine-wide already.
    """
    done = subprocess.run(
        ["nice", "-n", str(nice), sys.executable, "-c", CHILD],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=own_session,
        check=True,
    )
    changed, value = done.stdout.split()
    return changed, None if value == "None" else int(value)


def test_a_nice_process_that_leads_its_session_gives_the_session_its_nice_value():
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    if ours + 10 > 19:
        pytest.skip("this test process is already too nice")
    assert run_child(nice=10, own_session=True) == ("True", ours + 10)


def test_a_process_inside_someone_elses_session_leaves_the_session_alone():
    before = session_nice()
    # Started from a terminal, a worker shares the person's session: their shell is not slowed.
    assert run_child(nice=10, own_session=False) == ("False", before)
    assert session_nice() == before


def test_a_process_at_the_usual_priority_changes_nothing():
    if os.getpriority(os.PRIO_PROCESS, 0) != 0:
        pytest.skip("this test process is not at the usual priority")
    assert run_child(nice=0, own_session=True) == ("False", 0)
