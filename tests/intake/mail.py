"""Emails as residents' mail programs write them, made on the spot."""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import make_msgid

from PIL import Image

from tests.cases.images import jpeg_with_gps

CITY_ADDRESS = "311@independence.civicdesk.localhost"
RESIDENT = "maria.lopez@example.org"


def plain(
    body: str,
    *,
    subject: str = "Problem on my street",
    to: str = CITY_ADDRESS,
    sender: str = f"Maria Lopez <{RESIDENT}>",
    message_id: str | None = None,
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def html_only(html: str, **kw: str) -> EmailMessage:
    msg = plain("placeholder", **kw)
    msg.set_content(html, subtype="html")
    return msg


def plain_jpeg(color: tuple[int, int, int] = (0, 128, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format="JPEG")
    return out.getvalue()


def with_photos(body: str, **kw: str) -> EmailMessage:
    """A phone's message: text and two photos, the first with GPS in its EXIF."""
    msg = plain(body, **kw)
    msg.add_attachment(jpeg_with_gps(), maintype="image", subtype="jpeg", filename="IMG_0001.jpg")
    msg.add_attachment(plain_jpeg(), maintype="image", subtype="jpeg", filename="IMG_0002.jpg")
    return msg


def raw(msg: EmailMessage) -> bytes:
    """The message as it travels: lines end in CRLF."""
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
