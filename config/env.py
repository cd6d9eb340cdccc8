"""Reading settings from the environment.

Every setting an operator may change is read here, with a default that is safe for a
developer's machine. docs/operations.md lists them.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_prefixed(prefix: str) -> dict[str, str]:
    """The variables whose names start with ``prefix``, by the rest of their names (empty
    values left out): ``INTAKE_IMAP_URL_RAYTOWN=…`` is ``{"RAYTOWN": "…"}``."""
    return {name[len(prefix) :]: value for name, value in os.environ.items() if name.startswith(prefix) and value}


def email_settings(url: str, base_dir: Path) -> dict[str, object]:
    """Turn an EMAIL_URL into Django email settings.

    - ``smtp://user:password@host:25`` (``smtps://`` for implicit TLS, ``?tls=1`` for STARTTLS)
    - ``file:///path/to/folder`` (one .eml file per message; the default for ``make run``)
    - ``console:`` (printed), ``locmem:`` (kept in memory, for tests)
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"smtp", "smtps"}:
        query = parse_qs(parts.query)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in {"1", "true"},
            "EMAIL_TIMEOUT": int(query.get("timeout", ["20"])[0]),
        }
    if scheme == "file":
        path = Path(unquote(parts.path)) if parts.path else base_dir / "var" / "mail"
        return {
            # One .eml file per message, which a mail client opens (civicdesk/core/mail.py).
            "EMAIL_BACKEND": "civicdesk.core.mail.EmlFileBackend",
            "EMAIL_FILE_PATH": str(path),
        }
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    raise ValueError(f"EMAIL_URL has an unknown scheme {scheme!r}: use smtp, smtps, file, console or locmem")


def object_storage(url: str) -> dict[str, object] | None:
    """Turn an OBJECT_STORAGE_URL into the ``STORAGES["default"]`` entry; None (local disk) when empty.

    - ``s3://KEY:SECRET@host:9000/bucket?tls=0`` an S3-compatible server (MinIO, Ceph, Garage…)
    - ``s3://KEY:SECRET@s3.amazonaws.com/bucket/prefix?region=us-east-2`` Amazon S3, files under ``prefix/``

    The key and secret may be left out of the URL: boto3 then reads them from its usual places
    (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, an instance role).
    """
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() != "s3":
        raise ValueError(f"OBJECT_STORAGE_URL has an unknown scheme {parts.scheme!r}: use s3://")
    bucket, _, prefix = parts.path.lstrip("/").partition("/")
    if not bucket or not parts.hostname:
        raise ValueError("OBJECT_STORAGE_URL needs a host and a bucket: s3://KEY:SECRET@host:port/bucket")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    tls = query.get("tls", "1").lower() in {"1", "true", "yes"}
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    options: dict[str, object] = {
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        "endpoint_url": f"{'https' if tls else 'http'}://{host}",
        "region_name": query.get("region", "us-east-1"),
        "addressing_style": query.get("addressing", "path"),
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    return {"BACKEND": "civicdesk.core.storage.ObjectStorage", "OPTIONS": options}
