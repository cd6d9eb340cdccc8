"""The repository stands alone: a copy of its files, with no ``../shared`` beside it, migrates and
loads the demo. Everything the product and the demo read at run time ships inside it
(civicdesk/demo/data/README.md); only large test corpora live in ../shared/data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def repository_files() -> list[str]:
    """The files a clone would have: tracked ones, plus new ones not yet committed (not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


def test_load_demo_works_in_a_copy_of_the_repository_with_no_shared_data_beside_it(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    for name in repository_files():
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    assert not (clone.parent / "shared").exists()

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "PYTHONPATH", "DJANGO_SETTINGS_MODULE"} and not key.startswith("CIVICDESK_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'clone.sqlite3'}",
        CIVICDESK_VAR_DIR=str(tmp_path / "var"),
    )

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    # The copy's own code runs, not this checkout's (the virtualenv may point at another one).
    where = manage("shell", "-v", "0", "-c", "import civicdesk.demo.places as p; print(p.DEFAULT_DATA_DIR)")
    assert Path(where.strip()) == clone / "civicdesk" / "demo" / "data"

    manage("migrate", "--no-input", "-v", "0")
    manage("load_demo", "--days", "7", "--scale", "0.2", "-v", "0")
    counted = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from civicdesk.tenants.models import City, NeighbourArea; from civicdesk.cases.models import ServiceRequest;"
        "print(City.objects.count(), NeighbourArea.objects.count(), ServiceRequest.objects.count())",
    )
    cities, neighbours, cases = (int(n) for n in counted.split())
    assert (cities, neighbours) == (5, 4)
    assert cases > 0
