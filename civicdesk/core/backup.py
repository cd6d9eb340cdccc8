"""Backup and restore of the whole installation: the database and the photos.

A backup is a folder:

- ``database.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``database.sqlite3`` (SQLite,
  copied with SQLite's online backup API, consistent while the site runs);
- ``media.tar.gz``: every file of the default storage, the photos and their thumbnails (and
  the open-data files): MEDIA_ROOT on local disk, or the bucket when OBJECT_STORAGE_URL is set;
- ``manifest.json``: when, which engine and server version, the row counts of the main
  tables, and each file's size and SHA-256, so a restore can prove it has what was saved.

The database is saved before the photos: a photo uploaded meanwhile is in the tar without a
row (harmless), never a row without its file.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.db import connection

MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar.gz"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on, with what to do about it."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts() -> dict[str, int]:
    """Rows of the tables a restore drill compares (cases, their events and photos, staff)."""
    # By label: core sits below the apps whose tables it counts, and imports none of them.
    models = {
        "cases": "cases.ServiceRequest",
        "case_events": "cases.CaseEvent",
        "photos": "cases.Photo",
        "users": "accounts.User",
        "outbox_messages": "notifications.OutboxMessage",
    }
    return {name: apps.get_model(label).objects.count() for name, label in models.items()}


# --- PostgreSQL tools ---------------------------------------------------------------------


def server_major_version() -> int:
    """The PostgreSQL server's major version (16 for 16.4)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore`` able to talk to this server: $PG_BINDIR, then Debian's
    folder of the server's own major version, then a newer one, then PATH."""
    major = server_major_version()
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    # A newer pg_dump reads an older server; an older one refuses a newer server.
    newer = [p for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p).parent.name.isdigit()]
    candidates += sorted((Path(p) for p in newer if int(Path(p).parent.name) > major), key=lambda p: int(p.parent.name))
    for bindir in candidates:
        if (bindir / name).is_file():
            return str(bindir / name)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        f"{name} was not found. Install PostgreSQL's client programs of version {major} or newer "
        f"(Debian: apt-get install postgresql-client-{major}) or set PG_BINDIR to their folder."
    )


def _pg_args_and_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # not on the command line, where ps shows it
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed (exit {done.returncode}): {done.stderr.strip()}")


# --- backup -------------------------------------------------------------------------------


def backup_create(*, output: Path) -> dict[str, Any]:
    """Write a backup of the database and MEDIA_ROOT into ``output`` (new or empty)."""
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty: give a new folder for each backup.")
    output.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    counts = table_counts()
    server = ""
    if vendor == "postgresql":
        server = str(server_major_version())
        args, env = _pg_args_and_env()
        _run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-acl",
                "--file",
                str(output / PG_DUMP_FILE),
                *args,
            ],
            env,
        )
        database_file = PG_DUMP_FILE
    elif vendor == "sqlite":
        server = sqlite3.sqlite_version
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        target = sqlite3.connect(str(output / SQLITE_FILE))
        try:
            with target:
                source.backup(target)  # a consistent copy, even while others write
        finally:
            target.close()
            source.close()
        database_file = SQLITE_FILE
    else:
        raise BackupError(f"Backing up a {vendor} database is not supported.")

    media_files = 0
    with tarfile.open(output / MEDIA_TAR, "w:gz") as tar:
        if _on_local_disk():
            media_root = Path(settings.MEDIA_ROOT)
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                        media_files += 1
        else:
            for name in _stored_names(default_storage):
                info = tarfile.TarInfo(name)
                info.size = default_storage.size(name)
                info.mtime = int(dt.datetime.now(tz=dt.UTC).timestamp())
                with default_storage.open(name, "rb") as handle:
                    tar.addfile(info, handle)
                media_files += 1

    manifest = {
        "format": FORMAT_VERSION,
        "created_at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        "engine": vendor,
        "server_version": server,
        "database_file": database_file,
        "counts": counts,
        "media_files": media_files,
        "files": {
            name: {"size": (output / name).stat().st_size, "sha256": sha256_of(output / name)}
            for name in (database_file, MEDIA_TAR)
        },
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _on_local_disk() -> bool:
    return isinstance(storages["default"], FileSystemStorage)


def _stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file in ``storage`` under ``folder``, in name order."""
    folders, files = storage.listdir(folder)
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for sub in sorted(folders):
        yield from _stored_names(storage, prefix + sub)


def _restore_to_storage(tar: tarfile.TarFile) -> None:
    for member in tar:
        if not member.isfile():
            continue
        name = PurePosixPath(member.name)
        if name.is_absolute() or ".." in name.parts:
            raise BackupError(f"The backup names a file outside the media folder: {member.name}")
        handle = tar.extractfile(member)
        assert handle is not None  # a regular file always has its bytes
        saved = default_storage.save(member.name, File(handle, name=member.name))
        if saved != member.name:  # the bucket was checked empty; a clash means a concurrent writer
            raise BackupError(f"{member.name} was stored as {saved}: restore into an empty bucket.")


# --- restore ------------------------------------------------------------------------------


def backup_verify(source: Path) -> dict[str, Any]:
    """Read the manifest and check every file's size and checksum; the manifest if sound."""
    source = Path(source)
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: it is not a civicdesk backup folder.") from None
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if path.stat().st_size != expected["size"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(f"The backup is damaged: {name} does not match its checksum in {MANIFEST}.")
    return manifest


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def backup_restore(*, source: Path) -> dict[str, Any]:
    """Restore a backup into an EMPTY database and an empty MEDIA_ROOT; returns the counts
    found afterwards next to those the manifest recorded."""
    source = Path(source)
    manifest = backup_verify(source)
    vendor = connection.vendor
    if manifest["engine"] != vendor:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database and DATABASE_URL points at {vendor}: "
            "restore it into the same kind of database."
        )
    if not _database_is_empty():
        raise BackupError(
            "The database is not empty. Restore only into a new, empty database (create one and point "
            "DATABASE_URL at it), so nothing is mixed or overwritten."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if _on_local_disk():
        if media_root.is_dir() and any(media_root.iterdir()):
            raise BackupError(f"MEDIA_ROOT ({media_root}) is not empty. Restore the photos into an empty folder.")
    elif next(_stored_names(default_storage), None) is not None:
        raise BackupError("The object store's bucket is not empty. Restore the photos into an empty bucket.")

    if vendor == "postgresql":
        args, env = _pg_args_and_env()
        connection.close()
        _run(
            [pg_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", *args, str(source / PG_DUMP_FILE)], env
        )
    else:
        connection.close()
        backup = sqlite3.connect(str(source / SQLITE_FILE))
        target = sqlite3.connect(str(connection.settings_dict["NAME"]))
        try:
            with target:
                backup.backup(target)
        finally:
            target.close()
            backup.close()

    with tarfile.open(source / MEDIA_TAR, "r:gz") as tar:
        if _on_local_disk():
            media_root.mkdir(parents=True, exist_ok=True)
            # The "data" filter refuses absolute paths, ../ and links out of the folder.
            tar.extractall(media_root, filter="data")
        else:
            _restore_to_storage(tar)

    counts = table_counts()
    return {"expected": manifest["counts"], "restored": counts, "media_files": manifest["media_files"]}
