"""Image files made on the spot for the photo tests: no fixtures on disk to go stale."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def _bytes(img: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **kw)
    return out.getvalue()


def halves(width: int = 40, height: int = 20) -> Image.Image:
    """Left half red, right half blue: which way up it stands is easy to check."""
    img = Image.new("RGB", (width, height), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, width // 2, height))
    return img


def jpeg_with_gps(orientation: int = 1, size: tuple[int, int] = (40, 20)) -> bytes:
    """A phone-like JPEG: EXIF with the camera, an orientation and where it was taken."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[GPS_IFD] = {1: "N", 2: (39.0, 5.0, 7.8), 3: "W", 4: (94.0, 21.0, 7.2)}
    return _bytes(halves(*size), "JPEG", exif=exif, quality=95)


def noisy_jpeg(size: tuple[int, int] = (600, 400)) -> bytes:
    """A JPEG that compresses badly, so it is large and truncating it loses scan data."""
    rng = random.Random(7)
    img = Image.frombytes("RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3)))
    return _bytes(img, "JPEG", quality=95)


def png_with_transparency() -> bytes:
    img = Image.new("RGBA", (30, 30), (0, 128, 0, 255))
    img.paste((0, 0, 0, 0), (0, 0, 15, 30))
    return _bytes(img, "PNG")


def palette_png_with_transparency() -> bytes:
    img = Image.new("P", (30, 30), 1)
    img.putpalette([0, 0, 0, 0, 128, 0] + [0] * 762)
    img.paste(0, (0, 0, 15, 30))
    return _bytes(img, "PNG", transparency=0)


def webp() -> bytes:
    return _bytes(halves(), "WEBP")


def heic() -> bytes:
    import pillow_heif

    out = io.BytesIO()
    pillow_heif.from_pillow(halves()).save(out, quality=90)
    return out.getvalue()


def gif() -> bytes:
    return _bytes(halves(), "GIF")


def png_claiming(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG whose header claims huge dimensions (a decompression bomb)."""
    data = bytearray(_bytes(Image.new("L", (1, 1)), "PNG"))
    # IHDR is the first chunk: length at 8, type at 12, width and height at 16 and 20, CRC at 29.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
