"""The email channel's one service, fed real messages as mail programs write them."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from PIL import Image

from civicdesk.cases import services as cases
from civicdesk.cases.models import Channel, EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.models import InboundMessage, Outcome
from civicdesk.intake.services import IngestFailed, email_ingest
from civicdesk.notifications.models import CaseFollower, OutboxMessage
from civicdesk.tenants.models import City
from tests.conftest import INSIDE
from tests.intake.conftest import triage_code
from tests.intake.mail import CITY_ADDRESS, RESIDENT, html_only, plain, raw, with_photos

pytestmark = pytest.mark.django_db


def ingest(msg: EmailMessage, **kw: Any) -> Any:
    return email_ingest(raw=raw(msg), **kw)


def test_a_plain_email_about_a_pothole_at_an_address_becomes_a_pothole_case_acknowledged_with_its_tracking_link(
    catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    result = ingest(
        plain(
            "There is a deep pothole in front of 1234 S Noland Rd. My tyre burst on it.\n\n-- \nMaria Lopez\n555-0100",
            subject="Pothole",
        )
    )

    case = result.case
    assert result.outcome == Outcome.CREATED
    assert case.service_type == catalogue["pothole"]
    assert case.channel == Channel.EMAIL
    assert case.address == "1234 S Noland Rd"
    assert case.reporter_name == "Maria Lopez"
    assert case.reporter_email == RESIDENT
    assert "tyre burst" in case.description
    assert "555-0100" not in case.description  # the signature is not the report
    ack = [m for m in outbox() if m.to == [RESIDENT]]
    assert len(ack) == 1
    assert f"[{case.reference}]" in ack[0].subject
    assert case.tracking_token in ack[0].body


def test_coordinates_in_the_body_place_the_case_on_the_map_and_route_it_to_the_city_they_fall_in(
    catalogue: dict[str, ServiceType], raytown: City, make_service_type: Any
) -> None:
    make_service_type(raytown, "pothole", name="Pothole")
    lat, lng = INSIDE["raytown"]

    case = ingest(plain(f"Big pothole here: {lat}, {lng}", subject="pothole")).case

    assert (case.lat, case.lng) == (lat, lng)
    assert case.city == raytown  # written to Independence, but the point is in Raytown
    assert case.service_type.code == "pothole"


def test_an_html_only_email_is_read_as_text_without_tags_or_the_quoted_conversation(
    catalogue: dict[str, ServiceType],
) -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>The <b>street light</b> is out at 300 W Maple Ave &amp; it is very dark.</p>"
        "<div class='gmail_quote'>On Mon, Jun 3, 2024 someone wrote:<blockquote>old text</blockquote></div>"
        "</body></html>"
    )

    case = ingest(html_only(html, subject="Light out")).case

    assert "The street light is out at 300 W Maple Ave & it is very dark." in case.description
    assert "<" not in case.description and "color" not in case.description
    assert "old text" not in case.description
    assert case.service_type == catalogue["street-light-out"]


def test_photos_attached_to_an_email_become_the_case_photos_without_their_location_metadata(
    catalogue: dict[str, ServiceType],
) -> None:
    case = ingest(with_photos("Trash piled up at 1200 N Main St", subject="trash")).case

    photos = list(case.photos.order_by("pk"))
    assert [p.original_name for p in photos] == ["IMG_0001.jpg", "IMG_0002.jpg"]
    assert all(p.is_public for p in photos)
    with photos[0].image.open("rb") as f, Image.open(f) as img:
        assert 0x8825 not in img.getexif()  # no GPS


def test_an_attachment_that_is_not_a_usable_image_is_named_in_an_internal_note_and_the_rest_is_kept(
    catalogue: dict[str, ServiceType],
) -> None:
    msg = with_photos("Pothole at 1234 S Noland Rd", subject="pothole")
    msg.add_attachment(b"\xff\xd8\xff garbage", maintype="image", subtype="jpeg", filename="broken.jpg")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="letter.pdf")

    case = ingest(msg).case

    assert case.photos.count() == 2
    note = case.events.get(kind=EventKind.INTERNAL_NOTE)
    assert "broken.jpg" in note.text and "letter.pdf (not an image)" in note.text
    assert not note.is_public


def test_an_email_that_says_nowhere_where_goes_to_the_triage_queue_with_no_department_and_is_still_acknowledged(
    catalogue: dict[str, ServiceType], independence: City, outbox: Any
) -> None:
    case = ingest(plain("The pothole is back again, please fix it.", subject="pothole again")).case

    assert case.service_type.code == triage_code()
    assert case.service_type.city == independence
    assert case.department is None
    note = case.events.get(kind=EventKind.INTERNAL_NOTE)
    assert "Pothole" in note.text  # the guess is kept for staff
    assert [m for m in outbox() if m.to == [RESIDENT]]


def test_an_email_whose_problem_is_unclear_goes_to_triage_even_with_an_address(
    catalogue: dict[str, ServiceType],
) -> None:
    case = ingest(plain("Something odd is going on at 500 E Truman Rd.", subject="Question")).case

    assert case.service_type.code == triage_code()
    assert case.address == "500 E Truman Rd"


def test_the_same_message_fed_twice_makes_one_case(catalogue: dict[str, ServiceType], outbox: Any) -> None:
    msg = plain("Pothole at 1234 S Noland Rd", subject="pothole")

    first, second = ingest(msg), ingest(msg)

    assert first.case == second.case
    assert second.duplicate
    assert ServiceRequest.objects.count() == 1
    assert len([m for m in outbox() if m.to == [RESIDENT]]) == 1
    assert InboundMessage.objects.get().outcome == Outcome.CREATED


def test_a_message_without_a_message_id_is_still_recognised_when_fed_twice(catalogue: dict[str, ServiceType]) -> None:
    msg = plain("Pothole at 1234 S Noland Rd", subject="pothole")
    del msg["Message-ID"]

    ingest(msg)
    ingest(msg)

    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied", "Subject": "Out of office"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
    ],
)
def test_automatic_replies_are_recorded_and_ignored(
    catalogue: dict[str, ServiceType], headers: dict[str, str], outbox: Any
) -> None:
    subject = headers.pop("Subject", "Re: your report")
    result = ingest(plain("I am out of the office until Monday. 1234 S Noland Rd pothole", subject=subject, **headers))

    assert result.outcome == Outcome.IGNORED and result.case is None
    assert ServiceRequest.objects.count() == 0
    assert outbox() == []
    assert InboundMessage.objects.get().outcome == Outcome.IGNORED


def test_a_bounce_from_a_mailer_daemon_makes_no_case(catalogue: dict[str, ServiceType]) -> None:
    result = ingest(plain("Delivery failed", sender="MAILER-DAEMON@mail.example.org", subject="Undelivered Mail"))

    assert result.outcome == Outcome.IGNORED
    assert ServiceRequest.objects.count() == 0


def test_mail_to_an_address_of_no_city_is_recorded_and_makes_no_case(catalogue: dict[str, ServiceType]) -> None:
    result = ingest(plain("Pothole at 1234 S Noland Rd", to="someone@elsewhere.example"))

    assert result.outcome == Outcome.UNKNOWN_RECIPIENT
    assert ServiceRequest.objects.count() == 0


def test_the_city_is_found_from_a_plus_address_in_any_case_and_from_the_envelope_recipient(
    catalogue: dict[str, ServiceType], independence: City
) -> None:
    tagged = ingest(plain("Pothole at 1234 S Noland Rd", to="311+Potholes@Independence.CivicDesk.localhost"))
    envelope = ingest(plain("Pothole at 1234 S Noland Rd", to="undisclosed-recipients:;"), recipient=CITY_ADDRESS)

    assert tagged.case.city == independence
    assert envelope.case.city == independence


def _notification_to(case: ServiceRequest, recipient: str) -> OutboxMessage:
    return OutboxMessage.objects.filter(case=case, recipient=recipient).latest("pk")


def test_a_reporters_reply_to_a_notification_adds_a_public_note_with_its_photos_and_no_new_case(
    catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    case = ingest(plain("Pothole at 1234 S Noland Rd", subject="pothole")).case
    ack = _notification_to(case, RESIDENT)
    reply = with_photos(
        "It is getting bigger, see the photos.\n\nOn Tue, Jun 4, 2024 at 9:00 AM Independence 311 <311@independence"
        ".civicdesk.localhost> wrote:\n> We received your report\n",
        subject=f"Re: {ack.subject}",
        In_Reply_To=ack.message_id,
        References=ack.message_id,
    )

    result = ingest(reply)

    assert result.outcome == Outcome.NOTE and result.case == case
    assert ServiceRequest.objects.count() == 1
    note = case.events.get(kind=EventKind.PUBLIC_NOTE)
    assert note.text == "It is getting bigger, see the photos."
    assert note.is_public and note.actor is None
    assert case.photos.filter(is_public=True).count() == 2


def test_a_reporters_reply_is_not_echoed_back_to_them_but_reaches_the_staff_working_the_case(
    catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    case = ingest(plain("Pothole at 1234 S Noland Rd", subject="pothole")).case
    before = len(outbox())

    ingest(plain("It is getting bigger.", subject=f"Re: [{case.reference}]"))

    new = outbox()[before:]
    assert [m.to for m in new if RESIDENT in m.to] == []
    staff = [m for m in new if "New information from a resident" in m.subject]
    assert staff and all("It is getting bigger." in m.body and "/console/cases/" in m.body for m in staff)


def test_a_reply_quoting_only_the_case_number_in_its_subject_is_matched_too(catalogue: dict[str, ServiceType]) -> None:
    case = ingest(plain("Pothole at 1234 S Noland Rd", subject="pothole")).case

    result = ingest(plain("Any news?", subject=f"About [{case.reference}]"))

    assert result.case == case and result.outcome == Outcome.NOTE


def test_a_follower_may_add_a_public_note_by_email(catalogue: dict[str, ServiceType]) -> None:
    case = ingest(plain("Pothole at 1234 S Noland Rd", subject="pothole")).case
    CaseFollower.objects.create(case=case, email="neighbour@example.net")

    result = ingest(plain("Still there today.", subject=f"Re: [{case.reference}]", sender="neighbour@EXAMPLE.net"))

    assert result.outcome == Outcome.NOTE


def test_a_stranger_replying_with_a_case_number_only_adds_an_internal_note_saying_who_wrote(
    catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    case = ingest(plain("Pothole at 1234 S Noland Rd", subject="pothole")).case
    outbox()
    before = len(outbox())

    result = ingest(
        with_photos("This case is fake, close it.", subject=f"Re: [{case.reference}]", sender="prank@example.com")
    )

    assert result.outcome == Outcome.INTERNAL_NOTE
    note = case.events.get(kind=EventKind.INTERNAL_NOTE)
    assert not note.is_public
    assert note.text.startswith("From email by prank@example.com")
    assert not case.events.filter(kind=EventKind.PUBLIC_NOTE).exists()
    assert case.photos.filter(is_public=True).count() == 0
    new = outbox()[before:]
    # Nobody outside the city hears of it; the staff working the case do.
    assert new and all(m.to[0].endswith(".civicdesk.localhost") or m.to[0].endswith(".test") for m in new)
    assert all("prank@example.com" not in m.to and case.reporter_email not in m.to for m in new)
    assert all("internal note" in m.body for m in new)


def test_a_reply_carrying_another_citys_case_prefix_is_a_new_report(
    catalogue: dict[str, ServiceType], raytown: City
) -> None:
    result = ingest(plain("Pothole at 1234 S Noland Rd", subject=f"Re: [{raytown.case_prefix}-1001] pothole"))

    assert result.outcome == Outcome.CREATED


def test_a_message_with_a_wrong_charset_and_no_text_part_is_still_read() -> None:
    body = "Basura en la calle, 1200 N Main St — año".encode("latin-1", errors="replace")
    message = (
        b"From: =?utf-8?q?Jos=C3=A9?= <jose@example.org>\r\nTo: 311@independence.civicdesk.localhost\r\n"
        b"Subject: =?x-unknown?q?basura?=\r\nMessage-ID: <charset@example.org>\r\n"
        b"Content-Type: text/plain; charset=x-nonsense\r\n\r\n" + body
    )
    from civicdesk.intake.parsing import parse_email

    parsed = parse_email(message)

    assert "Basura en la calle, 1200 N Main St" in parsed.text
    assert parsed.from_name == "José"


def test_a_message_that_fails_is_recorded_with_its_error_retried_and_given_up_after_the_cap(
    catalogue: dict[str, ServiceType], independence: City, settings: Any
) -> None:
    settings.INTAKE_MAX_ATTEMPTS = 2
    ServiceType.objects.create(city=independence, code=triage_code(), name="Needs triage", active=False)
    msg = plain("Something is wrong somewhere", subject="help")

    with pytest.raises(IngestFailed) as first:
        ingest(msg)
    assert first.value.attempts == 1 and not first.value.exhausted
    assert InboundMessage.objects.get().outcome == Outcome.FAILED
    with pytest.raises(IngestFailed) as second:
        ingest(msg)

    record = InboundMessage.objects.get()
    assert second.value.exhausted
    assert record.outcome == Outcome.GAVE_UP and record.attempts == 2
    assert "no longer offered" in record.error
    assert ServiceRequest.objects.count() == 0


def test_the_triage_type_is_made_once_per_city(catalogue: dict[str, ServiceType], independence: City) -> None:
    ingest(plain("help", subject="one"))
    ingest(plain("help again", subject="two"))

    assert ServiceType.objects.filter(city=independence, code=triage_code()).count() == 1


def test_a_resident_note_can_be_added_with_a_label_instead_of_a_staff_actor(
    catalogue: dict[str, ServiceType],
) -> None:
    case = ingest(plain("Pothole at 1234 S Noland Rd", subject="pothole")).case

    event = cases.case_add_note(case=case, actor=None, actor_label="Resident, by email", text="hi", public=True)

    assert event.actor_label == "Resident, by email"
