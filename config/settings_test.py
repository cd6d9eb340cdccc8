"""Settings for the test suite: the same as production's shape, made fast and quiet."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("CIVICDESK_VAR_DIR", tempfile.mkdtemp(prefix="civicdesk-test-"))

from config.settings import *  # noqa: F403
from config.settings import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(VAR_DIR) / "media"
SITE_URL = "http://testserver"
# Tests drive the outbox themselves, or run a real worker against a real SMTP server.
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
# The outbox integration tests (tests/integration/test_outbox_delivery.py) start a real
# worker process with these set, so it queues in the database and sends by SMTP.
if os.environ.get("CIVICDESK_TEST_TASKS") == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if os.environ.get("CIVICDESK_TEST_EMAIL_URL"):
    from config.env import email_settings

    globals().update(email_settings(os.environ["CIVICDESK_TEST_EMAIL_URL"], BASE_DIR))  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests that start a real worker process share the database with it.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(VAR_DIR) / "test.sqlite3")}

# Tests change boundaries and expect the next lookup to see it.
GEO_FRESHNESS_SECONDS = 0
# Each test sees its own writes at once; tests/pages/test_public_page_cache.py turns it on.
PUBLIC_PAGE_CACHE_SECONDS = 0
# The database cache outlives a transactional test's flush (it is no model): kept catalogues of
# one test's cities would meet the next test's. tests/pages/test_catalogue_cache.py turns it on.
CATALOGUE_CACHE_SECONDS = 0
# Each test's comparison counts the cases it just made; tests of the kept figures turn it on.
REGIONAL_FIGURES_SECONDS = 0
# Each test's expected dates count the backlog it just made; tests/expected turn it on.
EXPECTED_BACKLOG_SECONDS = 0

# Rate limits and the sign-in lockout would trip over tests that post many times; the tests
# of the limits (tests/security/test_rate_limits.py) turn them on.
RATELIMIT_ENABLED = False
