"""Each test gets its own bucket on one S3 server process started for the session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from config.env import object_storage
from tests import s3_server


@pytest.fixture(scope="session")
def s3() -> Iterator[s3_server.S3Server]:
    yield from s3_server.running()


@dataclass
class Bucket:
    server: s3_server.S3Server
    name: str

    def names(self) -> list[str]:
        return self.server.keys(self.name)

    def read(self, key: str) -> bytes:
        return self.server.read(self.name, key)


@pytest.fixture
def bucket(s3: s3_server.S3Server, settings: Any, tmp_path: Any) -> Bucket:
    """The default storage is this bucket, as OBJECT_STORAGE_URL would make it; MEDIA_ROOT is
    an empty folder, so a file written to local disk by mistake would show."""
    name = s3.new_bucket()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": object_storage(s3.url(name))}
    return Bucket(s3, name)
