"""`manage.py check --deploy` is clean under the settings a city's production sets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k8Vq2-production-like-secret-Zt7mW4pXr9LbN3cY6hJf1sDgA5eUo0iKqTvB",
        "ALLOWED_HOSTS": "311.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://311.example.org",
        "SITE_URL": "https://311.example.org",
        "SECURE_SSL_REDIRECT": "1",
        "BEHIND_TLS_PROXY": "1",
        # A decision for the city's whole domain (docs/security.md); production sets it once it is sure.
        "SECURE_HSTS_PRELOAD": "1",
        "CIVICDESK_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
