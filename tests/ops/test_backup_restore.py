"""The restore drill, automated: cases with photos are backed up with `manage.py backup`, then
restored by a separate `manage.py restore` process (as an operator would run it) into a new,
empty database and an empty media folder. What comes back is read straight from that database
and folder: the counts, one case's whole history, and a photo's bytes.

Runs on SQLite and, with --postgres, on PostgreSQL (pg_dump/pg_restore of the server's version).
"""

# ruff: noqa: S608 (the SQL names our own tables; the values are parameters)
from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, Photo, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City
from tests.cases.images import jpeg_with_gps, noisy_jpeg
from tests.conftest import INSIDE, REPO

pytestmark = pytest.mark.slow


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def cases_with_photos(
    transactional_db: Any, media_root: Path, trash: ServiceType, independence: City, make_staff: Callable[..., User]
) -> list[ServiceRequest]:
    """Three reports, two with photos (one of them internal), notes public and internal."""
    worker = make_staff(independence, Role.WORKER, department=trash.department)
    lat, lng = INSIDE["independence"]
    made = []
    for n in range(3):
        case = services.case_create(
            service_type=trash,
            lat=lat,
            lng=lng,
            description=f"Sofa number {n} on the curb",
            reporter_email=f"r{n}@example.org",
        )
        made.append(case)
    services.case_add_photo(
        case=made[0], actor=None, actor_label="resident", upload=io.BytesIO(jpeg_with_gps()), filename="sofa.jpg"
    )
    services.case_add_photo(
        case=made[0], actor=worker, upload=io.BytesIO(noisy_jpeg()), filename="inside.jpg", public=False
    )
    services.case_add_photo(case=made[1], actor=None, actor_label="resident", upload=io.BytesIO(noisy_jpeg((300, 200))))
    services.case_add_note(case=made[0], actor=worker, text="Crew booked for Tuesday", public=True)
    services.case_add_note(case=made[0], actor=worker, text="Owner known to code enforcement", public=False)
    return made


def history(rows: Any) -> list[tuple[str, str, bool]]:
    return [(str(kind), str(text), bool(public)) for kind, text, public in rows]


class RestoredDatabase:
    """A new, empty database of the engine under test, and SQL reads of it."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.name = f"restore_{uuid.uuid4().hex[:12]}"
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.name}"')
            parts = urlsplit(os.environ["DATABASE_URL"])
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.path = tmp_path / "restored.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.url) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        with sqlite3.connect(self.path) as conn:
            return list(conn.execute(sql, params).fetchall())

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def restored_db(transactional_db: Any, tmp_path: Path) -> Iterator[RestoredDatabase]:
    target = RestoredDatabase(tmp_path)
    yield target
    target.drop()


def manage(args: list[str], *, database_url: str, media: Path, var: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "CIVICDESK_VAR_DIR": str(var),
    }
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_backup_restored_into_a_fresh_database_has_every_case_its_history_and_its_photos(
    cases_with_photos: list[ServiceRequest], restored_db: RestoredDatabase, media_root: Path, tmp_path: Path
) -> None:
    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    assert manifest["counts"]["cases"] == ServiceRequest.objects.count() >= 3
    assert manifest["counts"]["photos"] == 3

    new_media = tmp_path / "restored-media"
    done = manage(["restore", str(backup_dir)], database_url=restored_db.url, media=new_media, var=tmp_path / "var")
    assert done.returncode == 0, done.stderr + done.stdout

    def count(model: Any) -> int:
        return int(restored_db.query(f"SELECT COUNT(*) FROM {model._meta.db_table}")[0][0])

    assert count(ServiceRequest) == ServiceRequest.objects.count()
    assert count(CaseEvent) == CaseEvent.objects.count()
    assert count(Photo) == 3
    assert count(User) == User.objects.count()

    case = cases_with_photos[0]
    events = CaseEvent._meta.db_table
    restored_history = restored_db.query(
        f"SELECT kind, text, is_public FROM {events} WHERE case_id = ? ORDER BY at, id", (case.pk,)
    )
    original = CaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("kind", "text", "is_public")
    assert history(restored_history) == history(original)
    assert ("internal_note", "Owner known to code enforcement", False) in history(restored_history)

    restored_case = restored_db.query(
        f"SELECT description, reporter_email, tracking_token FROM {ServiceRequest._meta.db_table} WHERE id = ?",
        (case.pk,),
    )
    assert restored_case == [(case.description, case.reporter_email, case.tracking_token)]

    for photo in Photo.objects.all():
        (name,) = restored_db.query(f"SELECT image FROM {Photo._meta.db_table} WHERE id = ?", (photo.pk,))[0]
        assert (new_media / name).read_bytes() == (media_root / photo.image.name).read_bytes()
        assert (new_media / photo.thumbnail.name).read_bytes() == (media_root / photo.thumbnail.name).read_bytes()


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(
    cases_with_photos: list[ServiceRequest], tmp_path: Path
) -> None:
    call_command("backup", output=str(tmp_path / "backup"))
    before = ServiceRequest.objects.count()
    with pytest.raises(CommandError, match="database is not empty"):
        call_command("restore", str(tmp_path / "backup"))
    assert ServiceRequest.objects.count() == before


def test_a_damaged_backup_is_refused_before_anything_is_restored(
    cases_with_photos: list[ServiceRequest], restored_db: RestoredDatabase, tmp_path: Path
) -> None:
    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir))
    tar = backup_dir / "media.tar.gz"
    data = bytearray(tar.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tar.write_bytes(bytes(data))
    done = manage(
        ["restore", str(backup_dir)], database_url=restored_db.url, media=tmp_path / "m", var=tmp_path / "var"
    )
    assert done.returncode != 0
    assert "damaged: media.tar.gz does not match its checksum" in done.stderr
    assert not (tmp_path / "m").exists()


def test_a_backup_goes_into_a_new_folder_only(cases_with_photos: list[ServiceRequest], tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something.txt").write_text("keep me")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", output=str(tmp_path / "old"))
    assert (tmp_path / "old" / "something.txt").read_text() == "keep me"
