"""An emailed photo that cannot be stored (disk full): the report is kept, and the internal
note that lists what was left out names the photo and why. A resident cannot be asked to
send an email again the way a form can be sent again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civicdesk.cases.models import EventKind
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.services import email_ingest
from tests.cases.helpers import assert_rows_and_files_agree, disk_fills_after, photo_storage_that_fills_up
from tests.intake.mail import raw, with_photos

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    with photo_storage_that_fills_up(settings, tmp_path / "media") as root:
        yield root


def test_a_photo_the_disk_has_no_room_for_is_left_out_and_named_in_a_note_and_the_case_is_kept(
    media: Path, catalogue: dict[str, ServiceType], django_capture_on_commit_callbacks: Any
) -> None:
    disk_fills_after(2)  # the first photo and its thumbnail fit; the second does not
    with django_capture_on_commit_callbacks(execute=True):
        case = email_ingest(raw=raw(with_photos("Trash piled up at 1200 N Main St", subject="trash"))).case

    assert [p.original_name for p in case.photos.all()] == ["IMG_0001.jpg"]
    note = case.events.get(kind=EventKind.INTERNAL_NOTE)
    assert "IMG_0002.jpg (The photo could not be stored just now" in note.text
    assert not note.is_public
    assert_rows_and_files_agree(media)
