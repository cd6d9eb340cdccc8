"""`make audit` (scripts/audit.py) runs the real pip-audit over the pinned requirements and
fails the build on a known vulnerability. The machines that build civicdesk reach no
vulnerability database, so these tests give pip-audit one: an OSV-compatible service on
loopback (AUDIT_OSV_URL), answering as osv.dev does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow
PINNED_DJANGO = re.search(r"^Django==(\S+)$", (REPO / "requirements/dev.txt").read_text(), re.MULTILINE)


def advisory(package: str) -> dict[str, Any]:
    """An OSV record (schema 1.x) saying every version of ``package`` before 999 is affected."""
    return {
        "id": "CIVICDESK-TEST-0001",
        "aliases": ["CVE-0000-00000"],
        "summary": f"A made-up flaw in {package}, for the audit's own test",
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "999.0"}]}],
            }
        ],
    }


@pytest.fixture
def osv() -> Iterator[Callable[[Callable[[dict[str, Any]], tuple[int, Any]]], str]]:
    """Start an OSV-compatible query service whose answers come from ``answer(query)``."""
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Callable[[dict[str, Any]], tuple[int, Any]]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, body = answer(query)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/v1/query"

    yield start
    for server in servers:
        server.shutdown()


def audit(osv_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUDIT_OSV_URL": osv_url, "AUDIT_TIMEOUT": "240"}
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "audit.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_known_vulnerability_in_a_pinned_package_fails_the_build(osv: Any) -> None:
    assert PINNED_DJANGO, "requirements/dev.txt pins Django"
    asked: list[str] = []

    def answer(query: dict[str, Any]) -> tuple[int, Any]:
        asked.append(query["package"]["name"])
        return 200, ({"vulns": [advisory("django")]} if query["package"]["name"] == "django" else {})

    done = audit(osv(answer))
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = done.stdout.splitlines()
    assert line.startswith(f"VULNERABLE django=={PINNED_DJANGO.group(1)}: ") and line.endswith("(fixed in: 999.0)")
    assert "CIVICDESK-TEST-0001" in line and "CVE-0000-00000" in line
    assert "upgrade the pins in requirements/dev.txt" in done.stderr
    pins = [line for line in (REPO / "requirements/dev.txt").read_text().splitlines() if "==" in line]
    assert len(set(asked)) == len(pins)  # every pinned package was asked about


def test_no_known_vulnerability_is_a_clean_audit(osv: Any) -> None:
    done = audit(osv(lambda query: (200, {})))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"no known vulnerabilities in \d{2,} audited package\(s\)", done.stdout)


def test_a_service_that_fails_is_a_warning_that_the_audit_was_not_done_never_a_clean_audit(osv: Any) -> None:
    done = audit(osv(lambda query: (503, {"error": "down"})))
    assert done.returncode == 0
    assert "the audit was NOT done" in done.stderr
    assert "no known vulnerabilities" not in done.stdout
