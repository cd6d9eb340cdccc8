"""Property tests of email intake: whatever a sender writes — any subject, name and body,
any bytes where the text should be, any charset label — a message addressed to a city
becomes a case, never an exception, and what is stored is text every database can hold."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from email.headerregistry import Address
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.models import Outcome
from civicdesk.intake.services import email_ingest
from tests.intake.mail import CITY_ADDRESS, plain, raw

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_ids = itertools.count(1)


def storable(text: str) -> bool:
    """Text PostgreSQL and SQLite both keep: no NUL, no half characters."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def check_case(case: ServiceRequest) -> None:
    case.refresh_from_db()
    for value in (case.description, case.address, case.reporter_name, case.reporter_email):
        assert storable(value), repr(value)
    assert 0 < len(case.description) <= 10_000


# One line of text (a header): no character that Python counts as a line break.
one_line = st.characters(exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Display names stay short: Python's mail writer splits long encoded words mid-character.
names = st.text(one_line, max_size=20)


@given(
    subject=st.text(one_line, max_size=100),
    name=names,
    body=st.text(max_size=2000),
)
@EXAMPLES
def test_any_text_in_an_email_makes_a_case_with_storable_text(
    trash: ServiceType, subject: str, name: str, body: str
) -> None:
    msg = plain(body, subject=subject, sender=str(Address(name.strip(), addr_spec="someone@example.org")))
    result = email_ingest(raw=raw(msg))
    assert result.outcome == Outcome.CREATED
    check_case(result.case)


@given(
    charset=st.sampled_from(
        ["utf-8", "iso-8859-1", "us-ascii", "windows-1252", "utf-16", "x-unknown", "", "utf-8\x00"]
    ),
    encoding=st.sampled_from(["8bit", "base64", "quoted-printable", "7bit", "x-nonsense"]),
    subject=st.binary(max_size=60).filter(lambda b: b"\r" not in b and b"\n" not in b),
    body=st.binary(max_size=1000),
)
@example(charset="utf-8\x00", encoding="8bit", subject=b"trash", body="Café at 1200 N Main St".encode())
@EXAMPLES
def test_any_bytes_under_any_charset_label_make_a_case(
    trash: ServiceType, charset: str, encoding: str, subject: bytes, body: bytes
) -> None:
    message = (
        b"From: Someone <someone@example.org>\r\nTo: "
        + CITY_ADDRESS.encode()
        + b"\r\nSubject: "
        + subject
        + b"\r\nMessage-ID: <prop-"
        + str(next(_ids)).encode()
        + b"@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset="
        + charset.encode()
        + b"\r\nContent-Transfer-Encoding: "
        + encoding.encode()
        + b"\r\n\r\n"
        + body
    )
    # The parser never gives up on what a sender wrote: the message becomes a case.
    result = email_ingest(raw=message)
    event(f"outcome {result.outcome}")
    assert result.outcome == Outcome.CREATED
    check_case(result.case)


@pytest.fixture
def attachment_email() -> Callable[..., bytes]:
    def make(data: bytes, content_type: str, name: str) -> bytes:
        msg = plain("Trash piled up at 1200 N Main St", subject="trash")
        maintype, _slash, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
        return raw(msg)

    return make


@given(
    data=st.binary(max_size=3000),
    content_type=st.sampled_from(["image/jpeg", "image/png", "image/svg+xml", "application/pdf", "image/heic"]),
    name=st.text(one_line, max_size=30),
)
@EXAMPLES
def test_any_bytes_attached_as_a_photo_keep_the_case_and_are_named_in_a_note(
    trash: ServiceType,
    attachment_email: Callable[..., bytes],
    settings: Any,
    tmp_path: Any,
    data: bytes,
    content_type: str,
    name: str,
) -> None:
    result = email_ingest(raw=attachment_email(data, content_type, name or "photo.jpg"))
    assert result.outcome == Outcome.CREATED
    case = result.case
    check_case(case)
    assert case.photos.count() == 0  # random bytes are not a photo
    note = case.events.filter(kind="internal_note").values_list("text", flat=True).first() or ""
    assert "Attachments not added as photos" in note and storable(note)
