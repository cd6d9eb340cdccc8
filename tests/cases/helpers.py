"""Small helpers shared by the case tests."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from django.core.files.storage import FileSystemStorage

from civicdesk.cases.models import CaseEvent, Photo, ServiceRequest


def fresh(case: ServiceRequest) -> ServiceRequest:
    """The case as the database has it now."""
    return ServiceRequest.objects.select_related("city", "assignee", "department", "service_type").get(pk=case.pk)


def events_of(case: ServiceRequest) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk).order_by("at", "pk"))


class BrokenStorage(FileSystemStorage):
    """A file store that is down: every save fails as a full disk or lost mount would."""

    def _save(self, name: str, content: Any) -> str:
        raise OSError(28, "No space left on device")


class ThumbnailBrokenStorage(FileSystemStorage):
    """Stores the photo, then fails on its thumbnail: the half-done work must be undone."""

    def _save(self, name: str, content: Any) -> str:
        if "-thumb" in name:
            raise OSError(28, "No space left on device")
        return super()._save(name, content)


class FullDiskStorage(FileSystemStorage):
    """The real file store, until told to fail like a full disk: ``writes_left`` files more
    are written, then every save raises ``OSError(ENOSPC)``. None: the disk has room."""

    # Class-wide, because Django builds its own instance from STORAGES.
    writes_left: ClassVar[int | None] = None

    def _save(self, name: str, content: Any) -> str:
        if FullDiskStorage.writes_left is not None:
            if FullDiskStorage.writes_left <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
            FullDiskStorage.writes_left -= 1
        return str(super()._save(name, content))


@contextlib.contextmanager
def photo_storage_that_fills_up(settings: Any, root: Path) -> Iterator[Path]:
    """Photos stored in ``root`` by FullDiskStorage (``settings``: pytest-django's fixture),
    with room until ``disk_fills_after`` says otherwise."""
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.cases.helpers.FullDiskStorage", "OPTIONS": {"location": str(root)}},
    }
    FullDiskStorage.writes_left = None
    try:
        yield root
    finally:
        FullDiskStorage.writes_left = None


def disk_fills_after(writes: int) -> None:
    FullDiskStorage.writes_left = writes


def files_in(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def assert_rows_and_files_agree(root: Path) -> None:
    """Every photo row's files exist in ``root``, and every file there belongs to a photo row."""
    named = set()
    for photo in Photo.objects.all():
        named |= {photo.image.name, photo.thumbnail.name}
    on_disk = files_in(root)
    assert named <= on_disk, f"rows point at missing files: {sorted(named - on_disk)}"
    assert on_disk <= named, f"files no row points at: {sorted(on_disk - named)}"
