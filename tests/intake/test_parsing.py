"""Reading what a resident wrote: quoted conversation and signatures trimmed, HTML read as
text, places found in the words."""

from __future__ import annotations

import pytest

from civicdesk.intake.parsing import find_address, find_addresses, find_point, html_to_text, parse_email, trim_reply


@pytest.mark.parametrize(
    "text",
    [
        "The bin is still there.\n\nOn Mon, Jun 3, 2024 at 9:14 AM Independence 311 <311@x.test> wrote:\n> We got it",
        "The bin is still there.\n\nOn Mon, Jun 3, 2024 at 9:14 AM Independence 311 <311@x.test>\nwrote:\n> We got it",
        "The bin is still there.\n\n-----Original Message-----\nFrom: 311\nSent: Monday\nSubject: x\n\nWe got it",
        "The bin is still there.\n\n________________________________\nFrom: Independence 311 <311@x.test>\n"
        "Sent: Monday, June 3, 2024 9:14 AM\nTo: Maria\nSubject: [IND-1001] We received\n\nWe got it",
        "The bin is still there.\n\nEl lun, 3 jun 2024 a las 9:14, Independence 311 (<311@x.test>) escribió:\n> We got it",
        "The bin is still there.\n\nSent from my iPhone",
        "The bin is still there.\n\n-- \nMaria Lopez\nBlock captain, Maple Ave",
        "> We got it\n> Thanks\nThe bin is still there.",
    ],
)
def test_only_what_the_writer_wrote_is_kept(text: str) -> None:
    assert trim_reply(text) == "The bin is still there."


def test_a_line_that_merely_starts_with_on_is_not_a_reply_header() -> None:
    text = "On Maple Ave the light is out.\nOn the corner, too."

    assert trim_reply(text) == text


def test_html_becomes_readable_text_with_entities_and_line_breaks_and_no_scripts() -> None:
    html = "<p>Line one<br>Line&nbsp;two &amp; more</p><script>alert(1)</script><ul><li>a</li><li>b</li></ul>"

    text = html_to_text(html)

    assert "Line one\nLine two & more" in text
    assert "alert" not in text
    assert "- a" in text and "- b" in text


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("It is at 39.0855, -94.3520 by the school", (39.0855, -94.352)),
        ("https://maps.google.com/?q=39.0855,-94.3520", (39.0855, -94.352)),
        ("Call me at 816.325.7000", None),
        ("Version 1.2.3, 4.5", None),
    ],
)
def test_coordinates_are_found_as_typed_or_inside_a_map_link(text: str, point: tuple[float, float] | None) -> None:
    assert find_point(text) == point


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Trash in front of 1234 S Noland Rd. Please hurry", "1234 S Noland Rd"),
        ("Address: corner of Maple and Main\nThanks", "corner of Maple and Main"),
        ("The 3 dogs bark all night", ""),
        # Spanish writes "de" between the number and the street.
        ("Hay un bache enorme frente al número 200 de Main St. Por favor arréglenlo.", "200 Main St"),
        ("La basura está frente al 1234 de la S Noland Rd desde el lunes", "1234 S Noland Rd"),
        ("Dirección: 1234 del S Noland Rd", "1234 S Noland Rd"),
        ("Hace 3 de los días que no pasan", ""),
    ],
)
def test_an_address_is_a_labelled_line_or_something_that_reads_like_a_street_address(text: str, address: str) -> None:
    assert find_address(text) == address


MEMBERS = ["Independence", "Lee's Summit", "Blue Springs", "Grandview", "Raytown"]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("The pothole at Blue Springs, 150 Main St keeps getting deeper.", "Blue Springs, 150 Main St"),
        ("Rubbish at Blue Springs 150 Main St, please.", "Blue Springs, 150 Main St"),
        ("Grandview 1200 Main St. A streetlight is out", "Grandview, 1200 Main St"),
        ("Raytown: 9150 Maple Ave has a broken sign", "Raytown, 9150 Maple Ave"),
        ("Hay basura en Lee's Summit, 1234 SW 3rd St desde el lunes.", "Lee's Summit, 1234 SW 3rd St"),
        ("The pothole at 150 Main St, Blue Springs is getting deeper.", "150 Main St, Blue Springs"),
        # A street named for a member city, or a city on another line, is not the address's city.
        ("Trash on Independence Ave near 150 Main St", "150 Main St"),
        ("Pothole on Raytown Rd, 150 Main St", "150 Main St"),
        ("I live in Raytown\n150 Main St has a pothole", "150 Main St"),
    ],
)
def test_a_member_city_written_just_before_an_address_is_kept_with_it(text: str, first: str) -> None:
    assert find_addresses(text, places=MEMBERS)[0] == first


def test_a_message_with_broken_headers_and_a_truncated_body_is_still_read() -> None:
    message = (
        b'From: "Unclosed <broken@\r\nTo: 311@independence.civicdesk.localhost\r\nSubject: =?utf-8?b?broken\r\n'
        b"Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nHello there"
    )

    parsed = parse_email(message)

    assert "Hello there" in parsed.text
    assert parsed.message_id.startswith("sha256:")
    assert parsed.recipients == ["311@independence.civicdesk.localhost"]
