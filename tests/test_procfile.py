"""scripts/procfile.py, the supervisor under `make run` and `make serve-prod`, stopped while its
processes print without a pause: it stops, whatever it was doing when the signal came.

A signal handler that printed ("SIGTERM received") waited for the print lock the interrupted
line held, for ever: a serve-prod stopped at the end of a load test's burst of log lines hung
until the harness killed it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

# Two processes that print as fast as they can; the supervisor relays every line.
PROCFILE = textwrap.dedent(
    """\
    chatty: exec {python} -u -c "while True: print('a line of output, and another, and another')"
    chattier: exec {python} -u -c "while True: print('x' * 200)"
    """
)

DRIVER = textwrap.dedent(
    """\
    import sys
    from pathlib import Path

    sys.path.insert(0, {scripts!r})
    from procfile import run_procfile, say

    note = say if sys.argv[2] == "note" else None
    sys.exit(run_procfile(Path(sys.argv[1]), names=["chatty", "chattier"], port=0, ready=lambda: True,
                          on_ready=lambda: say("driver: ready"), program="driver", note=note))
    """
)


def start(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[bytes], list[bytes], set[bytes]]:
    procfile = tmp_path / "Procfile"
    procfile.write_text(PROCFILE.format(python=sys.executable))
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(scripts=str(REPO / "scripts")))
    proc = subprocess.Popen(
        [sys.executable, str(driver), str(procfile), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        process_group=0,
    )
    assert proc.stdout is not None
    tail: list[bytes] = []
    said: set[bytes] = set()  # the driver's own lines, "driver: ready" and "driver: stopped"

    def read() -> None:
        assert proc.stdout is not None
        for line in iter(proc.stdout.readline, b""):
            tail.append(line)
            del tail[:-50]
            if b"driver: " in line:
                said.add(line.split(b"driver: ", 1)[1].strip())

    threading.Thread(target=read, daemon=True).start()
    return proc, tail, said


@pytest.mark.parametrize("mode", ["printer", "note"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_in_a_flood_of_output_stops_everything(tmp_path: Path, mode: str, sig: signal.Signals) -> None:
    for attempt in range(4):
        proc, tail, said = start(tmp_path, mode)
        try:
            deadline = time.monotonic() + 30
            while b"ready" not in said or len(tail) < 50:
                assert proc.poll() is None and time.monotonic() < deadline, b"".join(tail).decode()
                time.sleep(0.05)
            time.sleep(0.2 * attempt)  # the flood at full pace, caught at a different moment each time
            proc.send_signal(sig)
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pytest.fail(f"attempt {attempt + 1}: still running 20 s after {sig.name}")
            assert code == 0, b"".join(tail).decode()
            assert b"stopped" in said, b"".join(tail).decode()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
