"""`make audit` (part of `make test`): pip-audit over the pinned requirements.

It asks PyPI's vulnerability data (OSV is not reachable from the build machines), or the
OSV-compatible service at AUDIT_OSV_URL when that is set (a mirror of osv.dev inside a city's
network; the tests use one on loopback). The outcome, in order of precedence:

- a known vulnerability in a pinned version: listed, and the build FAILS (exit 1) — upgrade
  the pin in requirements/dev.txt and run the affected tests;
- PyPI out of reach (or no answer within AUDIT_TIMEOUT seconds): a clear WARNING that the
  audit was not done, exit 0 — an outage must not block a build, nor pass for a clean audit;
- pins PyPI does not know (a private mirror's build): a WARNING naming them, exit 0;
- otherwise "no known vulnerabilities".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = "requirements/dev.txt"


def main() -> int:
    timeout = int(os.environ.get("AUDIT_TIMEOUT", "180"))
    osv_url = os.environ.get("AUDIT_OSV_URL", "")
    service = (
        ["--vulnerability-service", "osv", "--osv-url", osv_url] if osv_url else ["--vulnerability-service", "pypi"]
    )
    argv = [
        str(REPO / ".venv" / "bin" / "pip-audit"),
        "-r",
        REQUIREMENTS,
        *service,
        # The file is fully pinned: audit the pins as written, without a throwaway venv.
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--timeout",
        "30",
        "--format",
        "json",
    ]
    try:
        done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(
            f"WARNING: pip-audit got no answer from the vulnerability service in {timeout}s; the audit was NOT done.",
            file=sys.stderr,
        )
        return 0
    try:
        report = json.loads(done.stdout or "null")
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict):
        print(done.stderr.strip(), file=sys.stderr)
        print(
            f"WARNING: pip-audit could not read the vulnerability data (exit {done.returncode}); "
            "the audit was NOT done.",
            file=sys.stderr,
        )
        return 0
    found = [(d["name"], d["version"], v) for d in report.get("dependencies", []) for v in d.get("vulns", [])]
    skipped = [d["name"] for d in report.get("dependencies", []) if d.get("skip_reason")]
    audited = len(report.get("dependencies", [])) - len(skipped)
    for name, version, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
        also = ", ".join(vuln.get("aliases", []))
        print(f"VULNERABLE {name}=={version}: {vuln['id']}{f' (also {also})' if also else ''} (fixed in: {fixes})")
    if skipped:
        print(
            f"WARNING: {len(skipped)} pinned package(s) are unknown to the vulnerability data and were "
            f"not audited: {', '.join(skipped)}",
            file=sys.stderr,
        )
    if found:
        print(
            f"pip-audit: {len(found)} known vulnerabilit(y/ies): upgrade the pins in {REQUIREMENTS}.", file=sys.stderr
        )
        return 1
    if audited == 0:
        # Not a clean audit: there was nothing to compare the pins with.
        print(f"pip-audit: NOTHING was audited in {REQUIREMENTS}; see the warning above.", file=sys.stderr)
        return 0
    print(f"pip-audit: no known vulnerabilities in {audited} audited package(s) of {REQUIREMENTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
