"""Bad input through every door: photos that are too big, not photos, damaged, bombs or
scripts; text that is huge, holds NUL, emoji, right-to-left scripts or combining marks, or
arrives in the wrong encoding. Each gets a clear answer in the user's words, never a 5xx,
and nothing already accepted is lost or half-saved. Valid text reads back exactly on the
tracking page, in the console, from Open311 and in the acknowledgement email."""

from __future__ import annotations

import io
import json
import os
import resource
import time
import unicodedata
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape
from PIL import Image

from civicdesk.accounts.models import Role, User
from civicdesk.cases.models import EventKind, Photo, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.services import email_ingest
from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City
from tests.cases import images
from tests.conftest import INSIDE
from tests.intake.mail import CITY_ADDRESS, RESIDENT, plain, raw

pytestmark = pytest.mark.django_db

API = "/open311/v2"
LAT, LNG = INSIDE["independence"]
MB = 1024 * 1024

# Text that must come back exactly as it was sent.
ROUND_TRIP = {
    "emoji": "Pothole 🕳️ ate my tyre 🚗💥 — family 👨‍👩‍👧 and flag 🇺🇸 nearby",
    "arabic": "حفرة كبيرة أمام المنزل رقم ١٢٣٤",
    "hebrew": "בור גדול ברחוב הראשי ליד בית הספר",
    "combining": "Cafe\u0301 on Mai\u0308n St, Z\u0324\u0354\u0367\u0311\u0313 and n\u0303",
    "mixed direction": "Near 123 Main St / \u202bشارع الرئيسي\u202c / \u2067עברית\u2069 end",
    "cjk and maths": "道路に穴があります ∑∞≠ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def stored_files(settings: Any) -> list[str]:
    """Every file under MEDIA_ROOT: what a failed upload must not leave behind."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def good_jpeg() -> bytes:
    return images.jpeg_with_gps(size=(60, 40))


# The bad photos every door must refuse, with the words it refuses them in.
BAD_PHOTOS: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "text named .jpg": (lambda: b"Dear council, this is a letter.\n" * 20, "notes.jpg", "not a photo we can read"),
    "truncated jpeg": (lambda: images.noisy_jpeg()[:6000], "cut.jpg", "damaged and could not be read"),
    "decompression bomb": (lambda: images.png_claiming(30_000, 30_000), "bomb.png", "too many pixels"),
    "svg with script": (lambda: images.SVG, "photo.svg", "not a photo we can read"),
    "gif": (images.gif, "anim.gif", "GIF images are not accepted"),
}


@pytest.fixture
def call_taker(independence: City, trash: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.CALL_TAKER, department=trash.department)


@pytest.fixture
def worker(independence: City, trash: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.WORKER, department=trash.department)


@pytest.fixture
def api_key(independence: City) -> str:
    return api_key_create(city=independence, name="Fix It App")[1]


def portal_data(trash: ServiceType, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service_type": trash.pk,
        "lat": LAT,
        "lng": LNG,
        "address": "1200 N Main St",
        "description": "A sofa dumped on the curb",
        "reporter_name": "Rita Reporter",
        "reporter_email": "rita@example.org",
        "notify_reporter": "on",
        "channel": "web",
        "nearby_checked": "1",
    }
    data.update(overrides)
    return data


def console_data(trash: ServiceType, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service_type": str(trash.pk),
        "questions_for": str(trash.pk),
        "lat": LAT,
        "lng": LNG,
        "address": "1200 N Main St",
        "description": "A sofa dumped on the curb",
        "reporter_name": "Carl Caller",
        "reporter_email": "carl@example.org",
        "channel": "phone",
        "priority": "normal",
        "confirm": "1",
    }
    data.update(overrides)
    return data


def open311_post(client: Client, independence: City, api_key: str, **fields: Any) -> Any:
    form = {
        "jurisdiction_id": independence.jurisdiction_id,
        "api_key": api_key,
        "service_code": "trash",
        "lat": str(LAT),
        "long": str(LNG),
        "description": "A sofa dumped on the curb",
        "email": "app.user@example.org",
        **fields,
    }
    return client.post(f"{API}/requests.json", form)


def open311_errors(response: Any) -> list[str]:
    return [e["description"] for e in response.json()]


def ingest(msg: EmailMessage | bytes) -> Any:
    return email_ingest(raw=msg if isinstance(msg, bytes) else raw(msg))


# --- photos, door by door -----------------------------------------------------------------------


def test_the_portal_reshows_the_form_with_what_was_typed_when_a_photo_is_bad(
    client: Client, trash: ServiceType, settings: Any
) -> None:
    description = "Mattress and 🛋️ on the curb — حفرة"
    for kind, (make, name, words) in BAD_PHOTOS.items():
        response = client.post(
            "/independence/report/",
            {
                **portal_data(trash, description=description),
                "photos": [upload(good_jpeg(), "ok.jpg"), upload(make(), name)],
            },
        )
        assert response.status_code == 400, kind
        html = response.content.decode()
        assert f"{name}: " in html and words in html, kind  # the file is named, the reason given
        assert "please choose them again" in html  # the browser forgot the files: say so
        assert escape(description) in html and "Rita Reporter" in html and "rita@example.org" in html
        assert not ServiceRequest.objects.exists() and not Photo.objects.exists(), kind
        assert stored_files(settings) == [], kind


def test_the_portal_refuses_an_oversized_photo_naming_the_limit(
    client: Client, trash: ServiceType, settings: Any
) -> None:
    settings.PHOTO_MAX_BYTES = 100 * 1024
    big = images.noisy_jpeg((600, 400))
    assert len(big) > 100 * 1024
    response = client.post("/independence/report/", {**portal_data(trash), "photos": [upload(big, "big.jpg")]})
    assert response.status_code == 400
    assert "big.jpg: The photo is larger than 100 KB." in response.content.decode()
    assert "A sofa dumped on the curb" in response.content.decode()
    assert not ServiceRequest.objects.exists() and stored_files(settings) == []


def test_the_portal_refuses_a_photo_over_the_default_12_mb_limit(client: Client, trash: ServiceType) -> None:
    thirteen_mb = b"\xff\xd8\xff\xe0" + bytes(13 * MB)  # a JPEG's first bytes, then far too many
    response = client.post("/independence/report/", {**portal_data(trash), "photos": [upload(thirteen_mb, "huge.jpg")]})
    assert response.status_code == 400
    assert "huge.jpg: The photo is larger than 12 MB." in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_the_offline_app_gets_the_photo_error_as_json(client: Client, trash: ServiceType, settings: Any) -> None:
    response = client.post(
        "/independence/report/",
        {**portal_data(trash), "photos": [upload(images.SVG, "x.svg", "image/svg+xml")]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "not a photo we can read" in " ".join(response.json()["errors"]["photos"])
    assert not ServiceRequest.objects.exists()


def test_a_decompression_bomb_is_refused_at_once_without_allocating_its_pixels(
    client: Client, trash: ServiceType
) -> None:
    bomb = images.png_claiming(30_000, 30_000)  # 900 megapixels, 2.7 GB as RGB, in 67 bytes
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.post("/independence/report/", {**portal_data(trash), "photos": [upload(bomb, "bomb.png")]})
    elapsed = time.perf_counter() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # KB on Linux
    assert response.status_code == 400
    assert (
        "bomb.png: The photo has too many pixels. The largest we accept is 40 megapixels." in response.content.decode()
    )
    assert elapsed < 5 and grown_mb < 200, (elapsed, grown_mb)


def test_a_heic_photo_from_a_phone_is_accepted_at_the_portal_and_stored_as_jpeg(
    client: Client, trash: ServiceType
) -> None:
    pytest.importorskip("pillow_heif")
    response = client.post(
        "/independence/report/",
        {**portal_data(trash), "photos": [upload(images.heic(), "IMG_0001.HEIC", "image/heic")]},
    )
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.content_type == "image/jpeg" and photo.image.name.endswith(".jpg")


@pytest.mark.parametrize("door", ["portal", "console", "open311", "email"])
def test_every_door_stores_photos_without_their_exif(
    client: Client, trash: ServiceType, call_taker: User, worker: User, api_key: str, independence: City, door: str
) -> None:
    phone_photo = images.jpeg_with_gps()
    assert Image.open(io.BytesIO(phone_photo)).getexif()  # camera, orientation and GPS
    if door == "portal":
        assert client.post("/report/", {**portal_data(trash), "photos": [upload(phone_photo)]}).status_code == 302
    elif door == "console":
        client.force_login(call_taker)
        case = ServiceRequest.objects.get(pk=_report(trash).pk)
        client.force_login(worker)
        response = client.post(f"/console/cases/independence/{case.number}/photos/", {"photos": [upload(phone_photo)]})
        assert response.status_code == 302
    elif door == "open311":
        response = client.post(
            f"{API}/requests.json",
            {
                "jurisdiction_id": independence.jurisdiction_id,
                "api_key": api_key,
                "service_code": "trash",
                "lat": str(LAT),
                "long": str(LNG),
                "media": upload(phone_photo),
            },
        )
        assert response.status_code == 201, response.content
    else:
        msg = plain("Trash piled up at 1200 N Main St", subject="trash")
        msg.add_attachment(phone_photo, maintype="image", subtype="jpeg", filename="IMG_0001.jpg")
        ingest(msg)
    photo = Photo.objects.get()
    with photo.image.open("rb") as fh:
        data = fh.read()
    with Image.open(io.BytesIO(data)) as img:
        assert not img.getexif() and "exif" not in img.info
    assert b"PhoneMaker" not in data


def _report(trash: ServiceType, **kw: Any) -> ServiceRequest:
    from civicdesk.cases.services import case_create

    kw.setdefault("description", "A sofa dumped on the curb")
    return case_create(service_type=trash, lat=LAT, lng=LNG, reporter_email="resident@example.org", **kw)


def test_the_console_refuses_a_bad_photo_and_keeps_none_of_the_batch(
    client: Client, trash: ServiceType, worker: User, settings: Any
) -> None:
    case = _report(trash)
    client.force_login(worker)
    for kind, (make, name, words) in BAD_PHOTOS.items():
        response = client.post(
            f"/console/cases/independence/{case.number}/photos/",
            {"photos": [upload(good_jpeg(), "first.jpg"), upload(make(), name)], "public": "on"},
        )
        assert response.status_code == 400, kind
        assert words in response.content.decode(), kind
        assert not Photo.objects.exists(), kind
        assert [e.kind for e in case.events.all()] == [EventKind.CREATED], kind
        assert stored_files(settings) == [], kind  # the good first photo's files went with the batch
    # The same batch without the bad photo goes in.
    again = client.post(f"/console/cases/independence/{case.number}/photos/", {"photos": [upload(good_jpeg())]})
    assert again.status_code == 302 and Photo.objects.count() == 1


def test_the_console_refuses_an_oversized_photo_naming_the_limit(
    client: Client, trash: ServiceType, worker: User, settings: Any
) -> None:
    settings.PHOTO_MAX_BYTES = 100 * 1024
    case = _report(trash)
    client.force_login(worker)
    response = client.post(
        f"/console/cases/independence/{case.number}/photos/", {"photos": [upload(images.noisy_jpeg())]}
    )
    assert response.status_code == 400
    assert "The photo is larger than 100 KB." in response.content.decode()
    assert not Photo.objects.exists()


def test_open311_refuses_a_bad_media_upload_and_files_no_case(
    client: Client, independence: City, trash: ServiceType, api_key: str, settings: Any
) -> None:
    for kind, (make, name, words) in BAD_PHOTOS.items():
        response = client.post(
            f"{API}/requests.json",
            {
                "jurisdiction_id": independence.jurisdiction_id,
                "api_key": api_key,
                "service_code": "trash",
                "lat": str(LAT),
                "long": str(LNG),
                "description": "With a photo",
                "media": upload(make(), name),
            },
        )
        assert response.status_code == 400, (kind, response.content)
        assert any(words in d for d in open311_errors(response)), (kind, open311_errors(response))
        assert not ServiceRequest.objects.exists() and stored_files(settings) == [], kind


def test_open311_refuses_an_oversized_media_upload_naming_the_limit(
    client: Client, independence: City, trash: ServiceType, api_key: str, settings: Any
) -> None:
    settings.PHOTO_MAX_BYTES = 100 * 1024
    response = client.post(
        f"{API}/requests.json",
        {
            "jurisdiction_id": independence.jurisdiction_id,
            "api_key": api_key,
            "service_code": "trash",
            "lat": str(LAT),
            "long": str(LNG),
            "media": upload(images.noisy_jpeg(), "big.jpg"),
        },
    )
    assert response.status_code == 400
    assert open311_errors(response) == ["The photo is larger than 100 KB."]
    assert not ServiceRequest.objects.exists() and stored_files(settings) == []


def test_an_email_keeps_its_case_and_good_photos_and_names_each_bad_attachment(
    trash: ServiceType, settings: Any
) -> None:
    settings.PHOTO_MAX_BYTES = 100 * 1024
    msg = plain("Trash piled up at 1200 N Main St", subject="trash")
    msg.add_attachment(good_jpeg(), maintype="image", subtype="jpeg", filename="good.jpg")
    attached = {"big.jpg": images.noisy_jpeg()}
    attached.update({name: make() for make, name, _words in BAD_PHOTOS.values()})
    for name, data in attached.items():
        msg.add_attachment(data, maintype="image", subtype="jpeg", filename=name)
    case = ingest(msg).case
    assert [p.original_name for p in case.photos.all()] == ["good.jpg"]
    note = case.events.get(kind=EventKind.INTERNAL_NOTE).text
    assert "big.jpg (The photo is larger than 100 KB.)" in note
    for _make, name, words in BAD_PHOTOS.values():
        assert name in note and words in note, (name, note)


def test_no_svg_is_ever_served_as_an_image(client: Client, trash: ServiceType, worker: User, settings: Any) -> None:
    """An SVG can carry script: it is refused at every door, so the media view has none to
    serve, and every stored photo is a JPEG or PNG re-encoded from pixels."""
    case = _report(trash)
    client.force_login(worker)
    client.post(f"/console/cases/independence/{case.number}/photos/", {"photos": [upload(images.SVG, "x.svg")]})
    client.post(f"/console/cases/independence/{case.number}/photos/", {"photos": [upload(good_jpeg(), "x.svg")]})
    assert [os.path.splitext(f)[1] for f in stored_files(settings)] == [".jpg", ".jpg"]
    photo = Photo.objects.get()
    served = client.get(photo.image.url)
    assert served["Content-Type"] == "image/jpeg"
    assert b"<script" not in b"".join(served.streaming_content)


# --- text: huge, NUL, encodings -------------------------------------------------------------------


def test_a_one_megabyte_description_is_refused_by_the_portal_with_the_limit_and_the_rest_kept(
    client: Client, trash: ServiceType
) -> None:
    response = client.post("/independence/report/", portal_data(trash, description="x" * MB))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value has at most 10000 characters (it has 1048576)." in html
    assert "Rita Reporter" in html and "1200 N Main St" in html
    assert not ServiceRequest.objects.exists()


def test_a_one_megabyte_description_is_refused_by_the_console(
    client: Client, trash: ServiceType, call_taker: User
) -> None:
    client.force_login(call_taker)
    response = client.post("/console/new/", console_data(trash, description="x" * MB))
    assert response.status_code == 400
    assert "at most 10000 characters" in response.content.decode()
    assert "Carl Caller" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_one_megabyte_description_is_a_400_from_open311(
    client: Client, independence: City, trash: ServiceType, api_key: str
) -> None:
    response = open311_post(client, independence, api_key, description="x" * MB)
    assert response.status_code == 400
    assert open311_errors(response) == ["description: This is longer than 10,000 characters."]
    assert not ServiceRequest.objects.exists()


def test_a_body_over_the_upload_limit_is_a_400_not_a_500(
    client: Client, independence: City, trash: ServiceType, api_key: str, settings: Any
) -> None:
    too_big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    page = client.post("/independence/report/", portal_data(trash, description=too_big))
    assert page.status_code == 400 and "We could not read what was sent" in page.content.decode()
    # The offline queue asks for JSON and shows the resident its errors: it gets them here too.
    queued = client.post(
        "/independence/report/", portal_data(trash, description=too_big), HTTP_ACCEPT="application/json"
    )
    assert queued.status_code == 400
    assert "Nothing was saved" in queued.json()["errors"]["__all__"][0]
    response = open311_post(client, independence, api_key, description=too_big)
    assert response.status_code == 400
    assert open311_errors(response) == [
        "The request is larger than the 5 MB this server accepts; send a shorter description."
    ]
    assert not ServiceRequest.objects.exists()


def test_a_one_megabyte_email_makes_a_case_with_the_text_cut_at_the_limit_and_staff_told(trash: ServiceType) -> None:
    body = ("Trash piled up at 1200 N Main St. " + "more " * 250_000)[:MB]
    case = ingest(plain(body, subject="trash")).case
    assert len(case.description) == 10_000
    assert case.description.startswith("trash\n\nTrash piled up at 1200 N Main St.")
    note = case.events.get(kind=EventKind.INTERNAL_NOTE)
    assert "The email's text was 1,048,583 characters long; the case keeps the first 10,000." in note.text


def test_a_huge_note_or_closing_note_in_the_console_is_refused_and_the_case_unchanged(
    client: Client, trash: ServiceType, worker: User
) -> None:
    case = _report(trash)
    client.force_login(worker)
    note = client.post(f"/console/cases/independence/{case.number}/note/", {"text": "n" * MB, "visibility": "public"})
    assert note.status_code == 400 and "The note is longer than 10,000 characters." in note.content.decode()
    close = client.post(f"/console/cases/independence/{case.number}/close/", {"note": "c" * MB})
    assert close.status_code == 400 and "The note is longer than 10,000 characters." in close.content.decode()
    case.refresh_from_db()
    assert case.status == "new" and [e.kind for e in case.events.all()] == [EventKind.CREATED]


def test_a_nul_character_in_the_portal_or_console_form_is_an_error_on_that_field(
    client: Client, trash: ServiceType, call_taker: User
) -> None:
    for field in ("description", "address", "reporter_name"):
        response = client.post("/independence/report/", portal_data(trash, **{field: "Main\x00St"}))
        assert response.status_code == 400, field
        assert "Null characters are not allowed." in response.content.decode(), field
    client.force_login(call_taker)
    for field in ("description", "address", "reporter_name"):
        response = client.post("/console/new/", console_data(trash, **{field: "Main\x00St"}))
        assert response.status_code == 400, field
        assert "Null characters are not allowed." in response.content.decode(), field
    assert not ServiceRequest.objects.exists()


def test_a_nul_character_sent_to_open311_is_a_400_naming_the_field(
    client: Client, independence: City, trash: ServiceType, api_key: str
) -> None:
    for field in ("description", "address_string", "first_name", "email", "service_code"):
        response = open311_post(client, independence, api_key, **{field: "Main\x00St"})
        assert response.status_code == 400, field
        assert open311_errors(response) == [f"{field} contains a NUL character (\\0); remove it and send again."]
    assert not ServiceRequest.objects.exists()


def test_a_nul_character_in_a_console_note_is_dropped_and_the_note_kept(
    client: Client, trash: ServiceType, worker: User
) -> None:
    case = _report(trash)
    client.force_login(worker)
    response = client.post(
        f"/console/cases/independence/{case.number}/note/", {"text": "Gate\x00 code", "visibility": ""}
    )
    assert response.status_code == 302
    assert case.events.get(kind=EventKind.INTERNAL_NOTE).text == "Gate code"


def test_nul_characters_in_an_email_are_dropped_and_the_case_made(trash: ServiceType) -> None:
    message = (
        b"From: Nul\x00 Sender <nul@example.org>\r\nTo: " + CITY_ADDRESS.encode() + b"\r\n"
        b"Subject: trash\x00 on the curb\r\nMessage-ID: <nul-1@example.org>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Trash piled up\x00 at 1200 N Main St\r\n"
    )
    case = ingest(message).case
    assert "\x00" not in case.description + case.reporter_name
    assert "Trash piled up at 1200 N Main St" in case.description


def test_a_lone_surrogate_in_open311_json_is_a_400_not_a_500(
    client: Client, independence: City, trash: ServiceType, api_key: str
) -> None:
    body = json.dumps(
        {
            "jurisdiction_id": independence.jurisdiction_id,
            "api_key": api_key,
            "service_code": "trash",
            "lat": LAT,
            "long": LNG,
            "description": "half an emoji \ud83d here",
        }
    )
    assert "\\ud83d" in body
    response = client.post(f"{API}/requests.json", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert open311_errors(response) == [
        "description contains half of a character (a lone UTF-16 surrogate); send whole characters."
    ]
    assert not ServiceRequest.objects.exists()


def test_invalid_utf8_in_a_form_post_is_replaced_not_a_500(client: Client, trash: ServiceType) -> None:
    """A browser sends the page's own encoding (UTF-8); bytes that are not UTF-8 become U+FFFD,
    as in every browser, and the rest of the report is kept."""
    lone = "%ED%A0%BD"  # a UTF-16 surrogate written as UTF-8: not valid UTF-8
    body = (
        f"service_type={trash.pk}&lat={LAT}&lng={LNG}&nearby_checked=1&channel=web"
        f"&description=Caf%E9+on+Main+St+{lone}&address=1200+N+Main+St"
    )
    response = client.post("/independence/report/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    case = ServiceRequest.objects.get()
    assert case.description.startswith("Caf\ufffd on Main St ") and "\ud83d" not in case.description


def test_a_form_post_in_another_encoding_is_refused_with_a_page_that_says_why(
    client: Client, trash: ServiceType
) -> None:
    """Django reads form posts as UTF-8 only (what every browser sends for our pages); a
    client that declares Windows-1252 gets a 400 saying what went wrong, and nothing is saved."""
    body = (
        f"service_type={trash.pk}&lat={LAT}&lng={LNG}&nearby_checked=1&channel=web"
        "&description=Caf%E9+%96+na%EFve+%80+5&address=1200+N+Main+St"
    )
    response = client.post(
        "/independence/report/", body, content_type="application/x-www-form-urlencoded; charset=windows-1252"
    )
    assert response.status_code == 400
    assert "We could not read what was sent" in response.content.decode()
    assert "Nothing was saved." in response.content.decode()
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    "declared,body,expected",
    [
        ("utf-8", "Café – naïve € at 1200 N Main St".encode("cp1252"), "Café – naïve € at 1200 N Main St"),
        ("us-ascii", "Café 🛋️ at 1200 N Main St".encode(), "Café 🛋️ at 1200 N Main St"),
        ("x-made-up", "Café at 1200 N Main St".encode(), "Café at 1200 N Main St"),
        ("iso-8859-1", "Café – ½ at 1200 N Main St".encode(), "Café – ½ at 1200 N Main St"),
        ("iso-8859-1", "Café ½ at 1200 N Main St".encode("latin-1"), "Café ½ at 1200 N Main St"),
    ],
    ids=["cp1252 said to be utf-8", "utf-8 said to be ascii", "unknown charset", "utf-8 said to be latin-1", "latin-1"],
)
def test_an_email_whose_charset_header_lies_is_still_read_right(
    trash: ServiceType, declared: str, body: bytes, expected: str
) -> None:
    message = (
        b"From: Maria Lopez <" + RESIDENT.encode() + b">\r\nTo: " + CITY_ADDRESS.encode() + b"\r\n"
        b"Subject: trash\r\nMessage-ID: <charset-" + str(hash(body)).encode() + b"@example.org>\r\n"
        b"Content-Type: text/plain; charset="
        + declared.encode()
        + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body
        + b"\r\n"
    )
    case = ingest(message).case
    assert case.description == f"trash\n\n{expected}"


# --- text that must round-trip -------------------------------------------------------------------


def test_text_from_the_portal_reads_back_exactly_everywhere(
    client: Client, trash: ServiceType, worker: User, independence: City, outbox: Any
) -> None:
    juris = {"jurisdiction_id": independence.jurisdiction_id}
    for kind, text in ROUND_TRIP.items():
        client.logout()
        response = client.post(
            "/independence/report/",
            portal_data(trash, description=text, address=text[:300], reporter_name=text[:200]),
        )
        assert response.status_code == 302, kind
        case = ServiceRequest.objects.order_by("-pk").first()
        assert case is not None
        assert (case.description, case.address, case.reporter_name) == (text, text[:300], text[:200]), kind
        # The resident's tracking page.
        assert escape(text) in client.get(f"/track/{case.tracking_token}/").content.decode(), kind
        # Open311, in JSON and XML.
        got = client.get(f"{API}/requests/{case.reference}.json", juris).json()
        assert got[0]["description"] == text and got[0]["address"] == text, kind
        assert escape(text) in client.get(f"{API}/requests/{case.reference}.xml", juris).content.decode(), kind
        # The acknowledgement the resident receives, the text quoted (indented, set apart) as
        # written. Django's truncatechars composes characters (NFC): the same text, perhaps in
        # fewer code points.
        ack = [m for m in outbox() if m.to == ["rita@example.org"] and case.reference in m.subject]
        assert len(ack) == 1 and f"You wrote:\n\n    {unicodedata.normalize('NFC', text)}\n" in ack[0].body, kind
        # The console.
        client.force_login(worker)
        assert escape(text) in client.get(f"/console/cases/independence/{case.number}/").content.decode(), kind


def test_text_from_the_console_open311_and_email_reads_back_exactly(
    client: Client, trash: ServiceType, call_taker: User, independence: City, api_key: str
) -> None:
    client.force_login(call_taker)
    # A display name short enough not to be folded (Python's email package splits long
    # encoded words mid-word when it folds, a limit of the test's mail writer, not ours).
    name = "Zoë Ångström-محمد 🙂"
    for kind, text in ROUND_TRIP.items():
        assert client.post("/console/new/", console_data(trash, description=text)).status_code == 302, kind
        assert ServiceRequest.objects.get(channel="phone", description=text), kind

        response = open311_post(client, independence, api_key, description=text, first_name=text[:50])
        assert response.status_code == 201, (kind, response.content)
        case = ServiceRequest.objects.get(channel="open311", description=text)
        assert case.reference == response.json()[0]["service_request_id"], kind
        assert case.reporter_name == text[:50].strip(), kind  # fields are trimmed

        msg = plain(
            f"{text}\nAt 1200 N Main St", subject=f"trash {text}", sender=str(Address(name, addr_spec=RESIDENT))
        )
        emailed = ingest(msg).case
        assert emailed.description.startswith(f"trash {text}\n\n{text}"), kind
        assert emailed.reporter_name == name, kind


def test_a_note_and_a_closing_note_round_trip_to_the_resident(
    client: Client, trash: ServiceType, worker: User, outbox: Any
) -> None:
    case = _report(trash)
    client.force_login(worker)
    note, closing = ROUND_TRIP["arabic"], ROUND_TRIP["emoji"]
    assert (
        client.post(
            f"/console/cases/independence/{case.number}/note/", {"text": note, "visibility": "public"}
        ).status_code
        == 302
    )
    assert client.post(f"/console/cases/independence/{case.number}/close/", {"note": closing}).status_code == 302
    case.refresh_from_db()
    assert case.closing_note == closing
    page = client.get(f"/track/{case.tracking_token}/").content.decode()
    assert escape(note) in page and escape(closing) in page
    closed = [m for m in outbox() if m.to == ["resident@example.org"] and closing in m.body]
    assert closed, [m.body for m in outbox()]
