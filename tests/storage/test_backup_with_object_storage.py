"""The restore drill with photos in an object store: `manage.py backup` reads the bucket,
`manage.py restore` (a separate process, as an operator runs it) writes them into a new, empty
bucket beside a new, empty database. Both on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from civicdesk.cases.models import Photo, ServiceRequest
from tests.conftest import REPO
from tests.ops.test_backup_restore import (  # noqa: F401 (fixtures)
    RestoredDatabase,
    cases_with_photos,
    media_root,
    restored_db,
)
from tests.storage.conftest import Bucket

pytestmark = pytest.mark.slow


@pytest.fixture
def stored_in_bucket(bucket: Bucket, cases_with_photos: list[ServiceRequest]) -> Bucket:  # noqa: F811
    return bucket


def test_photos_in_a_bucket_are_backed_up_and_restored_into_a_new_bucket(
    stored_in_bucket: Bucket,
    restored_db: RestoredDatabase,  # noqa: F811
    tmp_path: Path,
    settings: Any,
) -> None:
    source = stored_in_bucket
    names = sorted(n for p in Photo.objects.all() for n in (p.image.name, p.thumbnail.name))
    assert source.names() == names and len(names) == 6
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))  # nothing went to local disk

    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir))

    target = source.server.new_bucket()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": restored_db.url,
        "OBJECT_STORAGE_URL": source.server.url(target),
        "CIVICDESK_VAR_DIR": str(tmp_path / "var"),
    }
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "restore", str(backup_dir)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert source.server.keys(target) == names
    for name in names:
        assert source.server.read(target, name) == source.read(name)

    # A second restore into the same database and bucket is refused: nothing is mixed or overwritten.
    again = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "restore", str(backup_dir)],
        cwd=REPO,
        env={**env, "DATABASE_URL": restored_db.url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0
    assert "not empty" in again.stderr + again.stdout
