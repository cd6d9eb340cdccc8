"""case_add_photo: photos are checked by content, lose their metadata and get a thumbnail."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings
from PIL import Image

from civicdesk.cases import services
from civicdesk.cases.models import EventKind, Photo
from civicdesk.core.errors import StorageUnavailable
from tests.cases import images
from tests.cases.helpers import events_of, fresh

pytestmark = pytest.mark.django_db


def add(case, data: bytes, actor, name: str = "photo.jpg", **kw) -> Photo:
    return services.case_add_photo(case=case, actor=actor, upload=io.BytesIO(data), filename=name, **kw)


def stored(field) -> tuple[Image.Image, bytes]:
    with field.open("rb") as f:
        data = f.read()
    img = Image.open(io.BytesIO(data))
    img.load()
    return img, data


def refused(case, data: bytes, actor, name: str = "photo.jpg") -> str:
    with pytest.raises(ValidationError) as err:
        add(case, data, actor, name)
    assert not Photo.objects.filter(case=case).exists()
    assert [e.kind for e in events_of(case)] == [EventKind.CREATED]
    return err.value.messages[0]


def test_a_phone_photo_is_stored_without_exif_or_gps(report, worker):
    original = images.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(images.GPS_IFD)  # the test photo has a location
    photo = add(report(), original, worker)
    img, data = stored(photo.image)
    assert img.format == "JPEG" and photo.content_type == "image/jpeg"
    assert dict(img.getexif()) == {}
    assert "exif" not in img.info
    assert b"Exif" not in data and b"PhoneMaker" not in data
    thumb, thumb_data = stored(photo.thumbnail)
    assert dict(thumb.getexif()) == {} and b"Exif" not in thumb_data


def test_a_photo_taken_sideways_is_stored_the_right_way_up(report, worker):
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise to show it.
    photo = add(report(), images.jpeg_with_gps(orientation=6), worker)
    img, _ = stored(photo.image)
    assert img.size == (20, 40) == (photo.width, photo.height)
    top, bottom = img.getpixel((10, 5)), img.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60, top  # red: the left of the sensor is now the top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_the_thumbnail_is_small(report, worker):
    photo = add(report(), images.noisy_jpeg((1600, 1200)), worker)
    thumb, thumb_data = stored(photo.thumbnail)
    assert max(thumb.size) <= 400
    assert thumb.size == (400, 300)
    assert len(thumb_data) < photo.size
    assert (photo.width, photo.height) == (1600, 1200)


def test_the_photo_is_recorded_on_the_case_and_in_its_log(report, worker):
    case = report()
    photo = add(report_case := case, images.jpeg_with_gps(), worker, name="IMG_0001.JPG")
    assert photo.case == report_case and photo.uploaded_by == worker and photo.original_name == "IMG_0001.JPG"
    assert photo.image.name.startswith("cases/independence/1001/")
    assert "IMG_0001" not in photo.image.name
    event = events_of(case)[-1]
    assert (event.kind, event.actor, event.changes) == (EventKind.PHOTO_ADDED, worker, {"photo": [None, photo.pk]})


def test_a_public_photo_shows_on_the_tracking_page_and_an_internal_one_does_not(report, worker, client):
    case = report()
    shown = add(case, images.jpeg_with_gps(), worker)
    hidden = add(case, images.webp(), worker, public=False)
    page = client.get(f"/track/{case.tracking_token}/").content.decode()
    assert shown.thumbnail.url in page
    assert hidden.thumbnail.url not in page and hidden.image.url not in page


def test_a_resident_may_add_a_photo_at_intake(report):
    case = report()
    photo = add(case, images.jpeg_with_gps(), None, actor_label="Resident")
    assert photo.uploaded_by is None
    assert events_of(case)[-1].who == "Resident"


def test_a_png_with_transparency_stays_a_png_with_its_transparency(report, worker):
    photo = add(report(), images.png_with_transparency(), worker, name="sign.png")
    img, _ = stored(photo.image)
    assert img.format == "PNG" and photo.content_type == "image/png"
    assert img.mode == "RGBA"
    assert img.getpixel((2, 2))[3] == 0 and img.getpixel((25, 2))[3] == 255
    thumb, _ = stored(photo.thumbnail)
    assert thumb.format == "PNG"


def test_a_palette_png_with_a_transparent_colour_keeps_it(report, worker):
    photo = add(report(), images.palette_png_with_transparency(), worker, name="sign.png")
    img, _ = stored(photo.image)
    assert img.format == "PNG"
    assert img.convert("RGBA").getpixel((2, 2))[3] == 0


def test_a_webp_photo_is_accepted(report, worker):
    photo = add(report(), images.webp(), worker, name="x.webp")
    img, _ = stored(photo.image)
    assert img.size == (40, 20)


def test_a_heic_photo_from_an_iphone_is_accepted(report, worker):
    pytest.importorskip("pillow_heif", reason="HEIC needs pillow_heif")
    try:
        data = images.heic()
    except Exception as exc:  # a build of libheif without an encoder
        pytest.skip(f"pillow_heif cannot write HEIC here: {exc}")
    photo = add(report(), data, worker, name="IMG_0001.HEIC")
    img, _ = stored(photo.image)
    assert img.format == "JPEG" and img.size == (40, 20)


def test_a_text_file_named_jpg_is_refused_by_its_content(report, worker):
    message = refused(report(), b"this is not a photo at all\n" * 10, worker, name="photo.jpg")
    assert message == "That file is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC image."


def test_an_svg_is_refused(report, worker):
    assert "not a photo we can read" in refused(report(), images.SVG, worker, name="photo.svg")


def test_a_gif_is_refused_naming_its_type(report, worker):
    assert refused(report(), images.gif(), worker, name="a.gif").startswith("GIF images are not accepted")


def test_an_empty_file_is_refused(report, worker):
    assert refused(report(), b"", worker) == "The photo file is empty."


def test_an_oversized_file_is_refused(report, worker):
    data = images.noisy_jpeg()
    with override_settings(PHOTO_MAX_BYTES=len(data) - 1):
        assert refused(report(), data, worker).startswith("The photo is larger than")
    with override_settings(PHOTO_MAX_BYTES=100 * 1024):
        assert refused(report(), data, worker) == "The photo is larger than 100 KB."
    with override_settings(PHOTO_MAX_BYTES=len(data)):
        assert add(report(), data, worker).pk


@pytest.mark.parametrize("width,height", [(8_000, 8_000), (30_000, 30_000), (1, 2**31 - 1)])
def test_a_decompression_bomb_is_refused_with_a_clear_message(report, worker, width, height):
    bomb = images.png_claiming(width, height)
    assert len(bomb) < 100
    message = refused(report(), bomb, worker, name="bomb.png")
    assert message.startswith("The photo has too many pixels"), message


def test_a_truncated_jpeg_is_refused(report, worker):
    data = images.noisy_jpeg()
    assert refused(report(), data[: len(data) // 2], worker) == "The photo is damaged and could not be read."


def test_a_truncated_jpeg_is_still_refused_after_a_pdf_report_was_made_in_the_process(report, worker):
    """WeasyPrint, which draws the PDF reports, tells Pillow on import to accept cut-off
    images everywhere in the process; a worker that has served a PDF must still refuse them."""
    import weasyprint  # noqa: F401 - its import is what this test is about
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as weasyprint's import leaves it
    data = images.noisy_jpeg()
    assert refused(report(), data[: len(data) // 2], worker) == "The photo is damaged and could not be read."


def test_a_storage_failure_leaves_no_photo_and_the_case_unchanged(report, worker):
    case = fresh(report())
    broken = {**settings.STORAGES, "default": {"BACKEND": "tests.cases.helpers.BrokenStorage"}}
    with override_settings(STORAGES=broken), pytest.raises(StorageUnavailable, match="could not be stored just now"):
        add(case, images.jpeg_with_gps(), worker)
    assert not Photo.objects.filter(case=case).exists()
    assert fresh(case).updated_at == case.updated_at
    assert [e.kind for e in events_of(case)] == [EventKind.CREATED]


def test_a_storage_failure_halfway_leaves_no_orphan_file(report, worker):
    case = report()
    folder = os.path.join(settings.MEDIA_ROOT, "cases", "independence", str(case.number))
    with (
        override_settings(
            STORAGES={**settings.STORAGES, "default": {"BACKEND": "tests.cases.helpers.ThumbnailBrokenStorage"}}
        ),
        pytest.raises(StorageUnavailable),
    ):
        add(case, images.jpeg_with_gps(), worker)
    assert not Photo.objects.filter(case=case).exists()
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_a_photo_can_be_added_again_after_a_failure(report, worker):
    case = report()
    with pytest.raises(ValidationError):
        add(case, b"nope", worker)
    photo = add(case, images.jpeg_with_gps(), worker)
    assert photo.image.name.endswith(f"{case.number}-1.jpg")


def test_a_file_name_with_a_nul_byte_is_kept_without_it(report, worker):
    photo = add(report(), images.webp(), worker, name="IMG\x00_1.webp")
    photo.refresh_from_db()
    assert photo.original_name == "IMG_1.webp"
