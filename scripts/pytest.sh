#!/usr/bin/env bash
# pytest from .venv, except that a run that collects no test fails: pytest's exit code 5
# ("no tests ran") would otherwise let an empty or mis-configured suite pass CI.
set -uo pipefail
cd "$(dirname "$0")/.."

.venv/bin/pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: that counts as a failure (scripts/pytest.sh)" >&2
    exit 1
fi
exit "$rc"
