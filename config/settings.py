"""civicdesk settings, read from the environment with safe defaults for development.

Production sets at least SECRET_KEY, DEBUG=0, ALLOWED_HOSTS, SITE_URL, DATABASE_URL and
EMAIL_URL; docs/operations.md describes each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from config.env import email_settings, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CIVICDESK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file, media and mail live here by default

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-secret-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute base of links in emails (tracking links, console links).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "civicdesk.core",
    "civicdesk.accounts",
    "civicdesk.tenants",
    "civicdesk.catalog",
    "civicdesk.cases",
    "civicdesk.intake",
    "civicdesk.notifications",
    "civicdesk.console",
    "civicdesk.portal",
    "civicdesk.open311",
    "civicdesk.reports",
    "civicdesk.performance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "civicdesk.core.context_processors.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'civicdesk.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and the sweeper read while one of them writes;
    # IMMEDIATE transactions take the write lock up front, so two writers queue instead of
    # failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "portal:home"

# --- time and language -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Chicago"
USE_I18N = True
USE_TZ = True

# --- files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Largest photo accepted, in bytes, and the largest image in pixels (decompression bombs).
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 12 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- email -----------------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL", f"file://{VAR_DIR / 'mail'}")
globals().update(email_settings(EMAIL_URL, BASE_DIR))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "civicdesk 311 <no-reply@civicdesk.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- background work -------------------------------------------------------------------
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# The outbox: how often a message is tried and how long a claim lasts before the sweeper
# decides that the worker holding it died.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 12)
OUTBOX_BACKOFF_BASE_SECONDS = env_int("OUTBOX_BACKOFF_BASE_SECONDS", 30)
OUTBOX_BACKOFF_MAX_SECONDS = env_int("OUTBOX_BACKOFF_MAX_SECONDS", 3600)
OUTBOX_CLAIM_TIMEOUT_SECONDS = env_int("OUTBOX_CLAIM_TIMEOUT_SECONDS", 300)
OUTBOX_SWEEP_INTERVAL_SECONDS = env_int("OUTBOX_SWEEP_INTERVAL_SECONDS", 15)

# --- email intake (docs/email-intake.md) ------------------------------------------------
# The mailbox `manage.py poll_mailbox` reads: imap://user:password@host:143/INBOX or imaps://…
INTAKE_IMAP_URL = env_str("INTAKE_IMAP_URL", "")
INTAKE_IMAP_POLL_SECONDS = env_int("INTAKE_IMAP_POLL_SECONDS", 60)
# Where handled messages go, if the mailbox has that folder; otherwise they are marked seen.
INTAKE_IMAP_PROCESSED_FOLDER = env_str("INTAKE_IMAP_PROCESSED_FOLDER", "Processed")
# A message that fails this many times is left for staff instead of being tried again.
INTAKE_MAX_ATTEMPTS = env_int("INTAKE_MAX_ATTEMPTS", 5)
INTAKE_MAX_MESSAGE_BYTES = env_int("INTAKE_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
INTAKE_MAX_PHOTOS = env_int("INTAKE_MAX_PHOTOS", 6)
# Each city's service type for reports that staff must complete (type or location missing).
INTAKE_TRIAGE_SERVICE_CODE = env_str("INTAKE_TRIAGE_SERVICE_CODE", "triage")

# --- API -------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "civicdesk Open311 GeoReport v2",
    "VERSION": "2",
}

# --- geography -------------------------------------------------------------------------
# How long a process trusts its built city/district index before asking the database
# whether a boundary changed (seconds). An edited boundary is seen everywhere within it.
GEO_FRESHNESS_SECONDS = float(env_str("GEO_FRESHNESS_SECONDS", "2"))

# --- maps ------------------------------------------------------------------------------
# No tiles by default: maps show city limits and pins on a plain background, and nothing
# is fetched from outside. Set MAP_TILES_URL (and its attribution) to use a tile server.
MAP_TILES_URL = env_str("MAP_TILES_URL", "")
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "")
# Leaflet's JavaScript and CSS come from the django-leaflet wheel. Its Django app is not
# installed: its admin module imports GeoDjango, which needs GDAL (see docs/decisions.md).
import leaflet as _leaflet  # noqa: E402

STATICFILES_DIRS = [Path(_leaflet.__file__).resolve().parent / "static"]

# --- security --------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
