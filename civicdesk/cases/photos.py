"""Turning an uploaded image into a stored photo and thumbnail.

The type is read from the content, never the file name. Pixels are copied into a fresh
image, so nothing of the original's metadata (EXIF with GPS, XMP, comments) is stored;
the EXIF orientation is applied first so the photo still stands the right way up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC from phones, where the wheel supports it
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - the pinned requirements include it
    HEIF_SUPPORTED = False

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
THUMBNAIL_SIZE = (400, 400)


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


def process_photo(upload: IO[bytes]) -> ProcessedPhoto:
    """Check and clean one upload; raise ValidationError with a reason a person understands."""
    data = upload.read(settings.PHOTO_MAX_BYTES + 1)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is larger than %(mb)d MB.") % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The photo file is empty."), code="empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("That file is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC image."), code="not_image"
        ) from exc
    if fmt not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("%(fmt)s images are not accepted. Please send a JPEG, PNG, WebP or HEIC image.") % {"fmt": fmt},
            code="bad_type",
        )
    if width * height > settings.PHOTO_MAX_PIXELS:
        raise ValidationError(_("The photo has too many pixels (%(w)d × %(h)d).") % {"w": width, "h": height}, code="too_many_pixels")
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
        raise ValidationError(_("The photo is damaged and could not be read."), code="damaged") from exc
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
