"""Turning an uploaded image into a stored photo and thumbnail.

The type is read from the content, never the file name. Pixels are copied into a fresh
image, so nothing of the original's metadata (EXIF with GPS, XMP, comments) is stored;
the EXIF orientation is applied first so the photo still stands the right way up.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

try:  # HEIC from phones, where the wheel supports it
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - the pinned requirements include it
    HEIF_SUPPORTED = False

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
THUMBNAIL_SIZE = (400, 400)

# Why a photo is refused, in the catalog's words: said to the person who sent it, and kept in
# English in the email intake's note of attachments left out, which each reader reads in
# their own language (cases/event_words.py).
MEGABYTES = gettext_noop("%(n)s MB")
KILOBYTES = gettext_noop("%(n)s KB")
LARGER_THAN = gettext_noop("The photo is larger than %(size)s.")
EMPTY = gettext_noop("The photo file is empty.")
NOT_A_PHOTO = gettext_noop("That file is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC image.")
FORMAT_REFUSED = gettext_noop("%(fmt)s images are not accepted. Please send a JPEG, PNG, WebP or HEIC image.")
TOO_MANY_PIXELS_OF = gettext_noop("The photo has too many pixels (%(w)d × %(h)d).")
TOO_MANY_PIXELS = gettext_noop("The photo has too many pixels.")
LARGEST_ACCEPTED = gettext_noop("The largest we accept is %(mp)s megapixels.")
DAMAGED = gettext_noop("The photo is damaged and could not be read.")
# A good photo the server could not store (a full disk): cases.services.case_add_photo.
NOT_STORED = gettext_noop(
    "The photo could not be stored just now because of a problem on our side, so nothing was saved. "
    "Please try again later."
)


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _encode(img: Image.Image) -> tuple[bytes, str, str]:
    out = io.BytesIO()
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        img.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png", "png"
    img = img.convert("RGB")
    img.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), "image/jpeg", "jpg"


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return _(MEGABYTES) % {"n": f"{n / (1024 * 1024):.3g}"}
    return _(KILOBYTES) % {"n": f"{max(1, n // 1024)}"}


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    limit = _(LARGEST_ACCEPTED) % {"mp": f"{settings.PHOTO_MAX_PIXELS / 1e6:g}"}
    message = _(TOO_MANY_PIXELS_OF) % {"w": width, "h": height} if width and height else _(TOO_MANY_PIXELS)
    return ValidationError(f"{message} {limit}", code="too_many_pixels")


def process_photo(upload: IO[bytes]) -> ProcessedPhoto:
    """Check and clean one upload; raise ValidationError with a reason a person understands."""
    data = upload.read(settings.PHOTO_MAX_BYTES + 1)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise ValidationError(
            _(LARGER_THAN) % {"size": _human_size(settings.PHOTO_MAX_BYTES)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_(EMPTY), code="empty")
    try:
        # Pillow's own bomb check stays on as a second guard, but ours runs first (below)
        # so that a resident is told what is wrong rather than that the file is unreadable.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ValidationError(_(NOT_A_PHOTO), code="not_image") from exc
    if fmt not in ACCEPTED_FORMATS:
        raise ValidationError(
            _(FORMAT_REFUSED) % {"fmt": fmt},
            code="bad_type",
        )
    if width * height > settings.PHOTO_MAX_PIXELS:
        raise _too_many_pixels(width, height)
    # WeasyPrint (the PDF reports) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import,
    # which would let a cut-off photo through padded with grey. Refuse it here whatever any
    # library set: our PDFs draw SVG charts only, never a damaged raster image.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            upright = ImageOps.exif_transpose(img) or img
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            upright = upright.convert("RGBA" if has_alpha else "RGB")
            # A new image receives the pixels only: no EXIF, XMP, ICC comments or GPS.
            clean = Image.new(upright.mode, upright.size)
            clean.paste(upright)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValidationError(_(DAMAGED), code="damaged") from exc
    image_bytes, content_type, extension = _encode(clean)
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumb_bytes, _ct, _ext = _encode(thumb)
    return ProcessedPhoto(
        image=image_bytes,
        thumbnail=thumb_bytes,
        content_type=content_type,
        extension=extension,
        width=clean.width,
        height=clean.height,
    )


class _RemovedUnlessCommitted:
    """Deletes stored files unless the transaction whose rows refer to them commits.

    Files are written before the row that names them (the row needs their names), so a
    transaction that rolls back afterwards — a later photo fails, the confidential code
    cannot be issued — would leave them behind with nothing pointing at them. Django has no
    rollback hook; what it does is drop the callbacks registered with ``on_commit`` inside a
    block that rolls back, without calling them. So this object is such a callback: called
    on commit, it forgets the files; dropped uncalled, it is freed at once (CPython counts
    references) and ``__del__`` removes them.

    When the database itself failed (``errors_occurred``), a commit may have reached it
    although the answer was lost: the files stay. An orphan costs disk; a row pointing at a
    missing file costs a resident's photo.
    """

    def __init__(self, storage: Storage, names: list[str], connection: BaseDatabaseWrapper) -> None:
        self.storage, self.names, self.connection = storage, names, connection

    def __call__(self) -> None:
        self.names = []

    def __del__(self) -> None:
        if not self.names:
            return
        if self.connection.errors_occurred:
            log.warning("photo files kept after a database failure, perhaps orphans: %s", ", ".join(self.names))
            return
        for name in self.names:
            try:
                self.storage.delete(name)
            except Exception:  # a finaliser must not raise; say what is left
                log.warning("could not remove the photo file %s of a rolled-back change", name, exc_info=True)


def remove_files_unless_committed(storage: Storage, names: list[str], *, using: str | None = None) -> None:
    """Arrange for ``names`` in ``storage`` to be deleted if the current transaction (or
    the savepoint this is called in) rolls back; see ``_RemovedUnlessCommitted``."""
    transaction.on_commit(_RemovedUnlessCommitted(storage, list(names), transaction.get_connection(using)), using=using)
