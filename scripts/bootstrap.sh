#!/usr/bin/env bash
# Make this machine ready to run and test civicdesk: Debian packages (only those missing),
# then .venv with the pinned requirements. Idempotent and non-interactive; a second run with
# nothing changed takes about a second.
#
#   scripts/bootstrap.sh            # what `make run` and `make test` call first
#   SKIP_APT=1 scripts/bootstrap.sh # never touch system packages
#   PYTHON=/usr/bin/python3.11 scripts/bootstrap.sh
set -euo pipefail

cd "$(dirname "$0")/.."
REPO="$(pwd)"
VENV="$REPO/.venv"
REQUIREMENTS="requirements/dev.txt"

say() { printf 'bootstrap: %s\n' "$*"; }

# --- system packages ---------------------------------------------------------------------
# Server programs for the PostgreSQL test run; pango, harfbuzz and fonts for WeasyPrint's PDFs;
# Chromium for the browser tests; sqlite3 for a look at the development database; Dovecot
# as the real IMAP server of the email-intake tests; poppler-utils (pdftoppm, pdftotext) for
# the test that renders the report PDF's pages to pictures.
SYSTEM_PACKAGES=(postgresql libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core chromium sqlite3 dovecot-imapd poppler-utils)

missing_packages() {
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            printf '%s\n' "$pkg"
        fi
    done
}

apt_updated=0
apt_install() {
    [ "$#" -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            SUDO=(sudo -n)
        else
            say "missing Debian packages: $* (run as root, or install them yourself); carrying on"
            return 0
        fi
    else
        SUDO=()
    fi
    export DEBIAN_FRONTEND=noninteractive
    if [ "$apt_updated" -eq 0 ]; then
        say "apt-get update"
        "${SUDO[@]}" apt-get update -qq </dev/null
        apt_updated=1
    fi
    say "installing Debian packages: $*"
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

have_apt=0
if [ "${SKIP_APT:-0}" != "1" ] && command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
    have_apt=1
    mapfile -t missing < <(missing_packages "${SYSTEM_PACKAGES[@]}")
    apt_install "${missing[@]}"
elif [ "${SKIP_APT:-0}" != "1" ]; then
    say "not a Debian system: install PostgreSQL's server, pango, harfbuzz, DejaVu fonts, Chromium and poppler-utils yourself"
fi

# --- Python --------------------------------------------------------------------------------
python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3 /usr/bin/python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null && python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    PY="$(pick_python)" || { say "no Python 3.11 or newer found (Debian: apt-get install python3)"; exit 1; }
    # Debian's own Python has venv's pip (ensurepip) in a separate package, python3.X-venv.
    if [ "$have_apt" -eq 1 ] && [[ "$(readlink -f "$PY")" == /usr/bin/* ]]; then
        minor="$("$PY" -c 'import sys; print(sys.version_info.minor)')"
        mapfile -t missing < <(missing_packages python3-venv "python3.$minor-venv")
        apt_install "${missing[@]}"
    fi
    say "creating .venv with $PY ($("$PY" --version 2>&1))"
    "$PY" -m venv "$VENV"
fi

# The pinned requirements are installed again only when they (or the venv's Python) change.
STAMP="$VENV/.civicdesk-requirements"
wanted="$(cat requirements/*.txt | sha256sum | cut -d' ' -f1) $("$VENV/bin/python" --version 2>&1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$wanted" ]; then
    say "installing $REQUIREMENTS into .venv"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$REQUIREMENTS" </dev/null
    printf '%s\n' "$wanted" >"$STAMP"
fi

# Puts the repository on sys.path for every use of the venv's Python: pytest imports its
# plugin tests.pg_cluster (addopts `-p`) before it would add the repository itself.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [ "$(cat "$SITE/civicdesk-repo.pth" 2>/dev/null)" != "$REPO" ]; then
    printf '%s\n' "$REPO" >"$SITE/civicdesk-repo.pth"
fi

say "ready"
