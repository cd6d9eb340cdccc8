"""civicdesk settings, read from the environment with safe defaults for development.

Production sets at least SECRET_KEY, DEBUG=0, ALLOWED_HOSTS, SITE_URL, DATABASE_URL and
EMAIL_URL; docs/operations.md describes each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import email_settings, env_bool, env_int, env_list, env_prefixed, env_str, object_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CIVICDESK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file, media and mail live here by default

DEBUG = env_bool("DEBUG", True)
DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production-0123456789"  # noqa: S105 (public on purpose)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY in ("", DEV_SECRET_KEY):
    # Everyone can read the development key in this repository: with it, anyone could forge
    # sessions (sign in as staff) and password-reset links.
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off; the development key "
        "is public. Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
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
    "civicdesk.core.task_results.TaskResultsConfig",  # django_tasks_db, named for the admin
    "civicdesk.core",
    "civicdesk.accounts",
    "civicdesk.tenants",
    "civicdesk.catalog",
    "civicdesk.places",
    "civicdesk.cases",
    "civicdesk.expected",
    "civicdesk.intake",
    "civicdesk.notifications",
    "civicdesk.console",
    "civicdesk.portal",
    "civicdesk.open311",
    "civicdesk.reports",
    "civicdesk.performance",
    "civicdesk.history",
    "civicdesk.opendata",
    "civicdesk.demo",
]

MIDDLEWARE = [
    # First: names the request for every log line and times all that follows.
    "civicdesk.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "civicdesk.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Inside it: a response does not send back the CSRF cookie it came with (see its docstring).
    "civicdesk.core.middleware.CsrfCookieKeptMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After CSRF and authentication: a forged or refused request is not counted.
    "civicdesk.core.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
# Django's model backend, reading the signed-in user's city and department with the user.
AUTHENTICATION_BACKENDS = ["civicdesk.accounts.backends.UserWithCityBackend"]
WSGI_APPLICATION = "config.wsgi.application"

# Every form's fields are tied to their errors (aria-invalid, aria-describedby): civicdesk/core/forms.py.
FORM_RENDERER = "civicdesk.core.forms.FormRenderer"

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
# With DB_CONN_MAX_AGE > 0 a connection outlives its request: the health check makes the
# next request open a new one after a database restart, instead of failing on the dead one.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0), conn_health_checks=True)
}
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

# A PostgreSQL streaming replica for the public pages, the reports, the dashboard and Open311's
# GETs (civicdesk/core/replica.py; docs/operations.md). Writes, the console and a browser that
# has just written (for REPLICA_STICKY_SECONDS) read the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 15)
REPLICA_READ_NAMESPACES = ["portal", "reports", "performance", "opendata", "open311", "places"]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["civicdesk.core.replica.ReplicaRouter"]
    # After authentication and the rate limits (they read the primary), before the views.
    MIDDLEWARE.append("civicdesk.core.replica.ReplicaMiddleware")

# Django's cache lives in the database so that every gunicorn worker and every app server
# shares it (`manage.py createcachetable` creates the table; the core app's first migration
# runs it, so `migrate` does). Rate-limit counters are not in it: they have their own table
# (core.RateLimitCounter), where a request is counted in one atomic statement.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "civicdesk_cache",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 100_000)},
    }
}

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
# Spanish numbers as our readers write them (1,500.5), not as in Spain: config/formats/es.
FORMAT_MODULE_PATH = ["config.formats"]
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
# Photos and the open-data files in an S3-compatible object store instead of MEDIA_ROOT, for
# more than one web node (docs/operations.md, docs/decisions.md); empty keeps the local disk.
OBJECT_STORAGE_URL = env_str("OBJECT_STORAGE_URL", "")
if OBJECT_STORAGE_URL:
    STORAGES["default"] = object_storage(OBJECT_STORAGE_URL)  # type: ignore[assignment]
# Open data (docs/open-data.md): the files go through this storage (a key of STORAGES), under
# this prefix; the nightly export is queued for this local time (TIME_ZONE) by the sweeper.
OPEN_DATA_STORAGE = env_str("OPEN_DATA_STORAGE", "default")
OPEN_DATA_PREFIX = env_str("OPEN_DATA_PREFIX", "open-data/")
OPEN_DATA_NIGHTLY_AT = env_str("OPEN_DATA_NIGHTLY_AT", "03:15")
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
# (mail for any city: each message goes to the city whose address it was sent to), and each
# city's own mailbox, INTAKE_IMAP_URL_<SLUG> (INTAKE_IMAP_URL_LEES_SUMMIT for lees-summit): one
# poller reads them all in turn (docs/email-intake.md).
INTAKE_IMAP_URL = env_str("INTAKE_IMAP_URL", "")
INTAKE_IMAP_CITY_URLS = env_prefixed("INTAKE_IMAP_URL_")
INTAKE_IMAP_POLL_SECONDS = env_int("INTAKE_IMAP_POLL_SECONDS", 60)
# A mailbox that cannot be read is tried again after the interval, twice it, four times… up to this.
INTAKE_IMAP_BACKOFF_MAX_SECONDS = env_int("INTAKE_IMAP_BACKOFF_MAX_SECONDS", 900)
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
# An Open311 POST with the device_id and content of one the same application filed this many
# seconds ago returns that case instead of a second one (a client retrying without an
# Idempotency-Key). 0 turns the rule off.
OPEN311_DUPLICATE_WINDOW_SECONDS = env_int("OPEN311_DUPLICATE_WINDOW_SECONDS", 600)
# The discovery document's "contact" when no jurisdiction_id is given (who runs this server);
# empty: every member city's name, email, phone and website.
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")

# --- geography -------------------------------------------------------------------------
# How long a process trusts its built city/district index before asking the database
# whether a boundary changed (seconds). An edited boundary is seen everywhere within it.
GEO_FRESHNESS_SECONDS = float(env_str("GEO_FRESHNESS_SECONDS", "2"))

# --- public pages ---------------------------------------------------------------------
# Seconds a process keeps a public page that is the same for every visitor (no session, no
# staff, no form): civicdesk/core/pagecache.py. 0 turns it off.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 5)
# Seconds the public catalogue (Open311 services, the browse page's problems) stays in the
# database cache: civicdesk/catalog/cache.py. An administrator's change forgets it at once;
# this only bounds a change made behind the ORM's back. 0 keeps nothing.
CATALOGUE_CACHE_SECONDS = env_int("CATALOGUE_CACHE_SECONDS", 3600)
# Seconds a process keeps a city's short lists for staff pages (its types, districts,
# departments, assignable staff, agreements: civicdesk/tenants/reference.py). A change saved
# through the ORM is seen at once by every process (the city's reference version moves); this
# only bounds a change made behind its back. 0 keeps nothing.
REFERENCE_CACHE_SECONDS = env_int("REFERENCE_CACHE_SECONDS", 300)
# Seconds the regional comparison (/performance/compare/) uses each city's kept figure
# (civicdesk/performance/models.py::RegionalFigure) after it was last checked, before computing
# it again from the cases. The task worker checks the current and previous quarters' and months'
# every third of it, working out again only the cities whose cases changed, so those pages
# never wait; a change to a common measure, its mappings or a city is seen at once. 0 keeps
# nothing (every visit computes every figure).
REGIONAL_FIGURES_SECONDS = env_int("REGIONAL_FIGURES_SECONDS", 900)

# Seconds intake reuses a department's count of open cases for a new case's expected closing
# date (civicdesk/expected/selectors.py): a burst of reports into one queue counts it once.
EXPECTED_BACKLOG_SECONDS = float(env_str("EXPECTED_BACKLOG_SECONDS", "10"))

# --- maps ------------------------------------------------------------------------------
# No tiles by default: maps show city limits and pins on a plain background, and nothing
# is fetched from outside. Set MAP_TILES_URL (and its attribution) to use a tile server.
MAP_TILES_URL = env_str("MAP_TILES_URL", "")
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "")

# --- places: a remote geocoder as an option (docs/geocoding.md) --------------------------
# "local" (the default) answers from the city's own gazetteer only. "census" (the US Census
# Bureau's geocoder) or "nominatim" (a Nominatim server, via geopy) answer first for cities
# without their own address data; the gazetteer answers whenever they fail or are busy.
PLACES_GEOCODER = env_str("PLACES_GEOCODER", "local")
PLACES_CENSUS_URL = env_str("PLACES_CENSUS_URL", "https://geocoding.geo.census.gov/geocoder")
PLACES_CENSUS_BENCHMARK = env_str("PLACES_CENSUS_BENCHMARK", "Public_AR_Current")
# The public server's policy: at most one request a second, no searching as people type.
# Run your own Nominatim (or use a provider's) for the search box.
PLACES_NOMINATIM_URL = env_str("PLACES_NOMINATIM_URL", "https://nominatim.openstreetmap.org")
PLACES_GEOCODER_USER_AGENT = env_str("PLACES_GEOCODER_USER_AGENT", "civicdesk 311")
PLACES_GEOCODER_TIMEOUT = float(env_str("PLACES_GEOCODER_TIMEOUT", "5"))
# Requests a second each process may send (a token bucket), and how many at once after a pause.
PLACES_GEOCODER_RATE = float(env_str("PLACES_GEOCODER_RATE", "1"))
PLACES_GEOCODER_BURST = int(env_str("PLACES_GEOCODER_BURST", "3"))
# Answers are kept in the cache (the database's, shared by every process) this long.
PLACES_GEOCODER_CACHE_SECONDS = int(env_str("PLACES_GEOCODER_CACHE_SECONDS", str(30 * 24 * 3600)))
# Leaflet's JavaScript and CSS come from the django-leaflet wheel. Its Django app is not
# installed: its admin module imports GeoDjango, which needs GDAL (see docs/decisions.md).
import leaflet as _leaflet  # noqa: E402

STATICFILES_DIRS = [Path(_leaflet.__file__).resolve().parent / "static"]

# --- security (docs/security.md) -----------------------------------------------------------
# Django's database sessions, read by one plain statement (civicdesk/core/sessions.py).
SESSION_ENGINE = "civicdesk.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Same-origin: tracking links carry a secret token, which must not reach a tile server.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# A load balancer or supervisor asks over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
# Content-Security-Policy (civicdesk/core/middleware.py): our own scripts and styles only.
# CSP_REPORT_ONLY=1 reports violations instead of blocking them (to try a change safely).
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
CSP_REPORT_URI = env_str("CSP_REPORT_URI", "")
# The report form may ask for the resident's position; nothing else may use these features.
PERMISSIONS_POLICY = "geolocation=(self), microphone=(), payment=(), usb=(), interest-cohort=()"

# Rate limits (civicdesk/core/ratelimit.py): per caller, by URL name; rates like 20/h, 30/15m.
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
# Proxies in front of the app that append to X-Forwarded-For (nginx: 1). 0 trusts none and
# counts by the connecting address.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
_SIGN_IN = ["console:login", "admin:login"]
RATELIMITS: dict[str, dict[str, Any]] = {
    "report": {
        "views": ["portal:report", "portal:city-report"],
        "methods": ["POST"],
        "key": "ip",
        "rate": env_str("RATELIMIT_REPORT", "30/h"),
    },
    "follow": {"views": ["portal:follow"], "key": "ip", "rate": env_str("RATELIMIT_FOLLOW", "30/h")},
    "alerts": {"views": ["portal:alerts"], "key": "ip", "rate": env_str("RATELIMIT_ALERTS", "10/h")},
    "confidential": {"views": ["portal:confidential"], "key": "ip", "rate": env_str("RATELIMIT_CONFIDENTIAL", "20/h")},
    # An Open311 app posts for all of its users, so its key gets more than one address.
    "open311-key": {
        "views": ["open311:requests"],
        "key": "api_key",
        "rate": env_str("RATELIMIT_OPEN311_KEY", "1000/h"),
    },
    "open311-ip": {"views": ["open311:requests"], "key": "ip", "rate": env_str("RATELIMIT_OPEN311_IP", "300/h")},
    # Failed sign-ins per address, over all usernames: staff behind one address (a city hall's
    # NAT) all signing in at the start of a shift count nothing.
    "sign-in": {"views": _SIGN_IN, "key": "ip", "counts": "failures", "rate": env_str("RATELIMIT_SIGN_IN", "30/15m")},
}
# A username that fails this many times from one address is refused for that many minutes.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)

# Photos are served by civicdesk/cases/media.py after it checks who may see them. With nginx
# in front, set this to an `internal` location (`/protected-media/`) so nginx sends the bytes.
MEDIA_ACCEL_REDIRECT = env_str("MEDIA_ACCEL_REDIRECT", "")

# --- logs ----------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object per line on standard output (civicdesk/core/logs.py), with
# the request id; "plain" (the default) is for a person at a terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
# One line per request (method, path, status, duration): on by default in production.
LOG_REQUESTS = env_bool("LOG_REQUESTS", not DEBUG or LOG_FORMAT == "json")
# Each response says how long the application took ("Server-Timing: app;dur=12.3"): the time a
# person sees in the browser's developer tools, and what the load test reports as server time.
SERVER_TIMING = env_bool("SERVER_TIMING", True)
# Level of the libraries' own loggers (WeasyPrint, fontTools): INFO or DEBUG to see their steps.
LIBRARY_LOG_LEVEL = env_str("LIBRARY_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "civicdesk.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "civicdesk.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout" if LOG_FORMAT == "json" else "ext://sys.stderr",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Libraries' progress lines (WeasyPrint's rendering steps, fontTools' font subsetting:
        # a dozen per PDF; the task queue's "started" and "succeeded" for every task, two per
        # email sent) are chatter, neither for the person at a command nor for the operator's
        # log; their warnings and errors (a task that failed) still come through. What the
        # worker did is logged by the app: "outbox message … sent to …".
        **{name: {"level": LIBRARY_LOG_LEVEL} for name in ("weasyprint", "fontTools", "django_tasks")},
        "django.db.backends": {"level": "WARNING"},
        # The access line comes from civicdesk.request; Django's own would repeat it.
        "django.server": {"level": "WARNING" if LOG_REQUESTS else "INFO"},
    },
}
