"""A report sent back says a bad photo with its other mistakes. Before, the photos were read
only once every other field was right, so a resident who sent a wrong email address and a file
that is not a photo was told only of the email; once they fixed it (and chose their photos
again) they were sent back a second time, for the file. A photo too large is said the same way,
every bad photo is named, and too many photos were already said with the rest."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicdesk.cases.models import Photo, ServiceRequest
from tests.portal.conftest import jpeg, not_a_photo, report_data

pytestmark = pytest.mark.django_db

NOT_A_PHOTO = "That file is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC image."
CITY_PLACE = "Place a pin on the map, use your location, or type the address."


def _summary(html: str) -> list[str]:
    """The messages of the list at the top of the form, in order."""
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert box, "no list of mistakes at the top of the form"
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", box.group(0), re.S)]


def _big_jpeg(name: str = "big.jpg", size: int = 4000) -> SimpleUploadedFile:
    """A JPEG over ``size`` bytes: a real photo with a comment that pads it."""
    upload = jpeg(name)
    data = upload.read()
    return SimpleUploadedFile(name, data[:2] + b"\xff\xfe" + (size).to_bytes(2, "big") + b"x" * (size - 2) + data[2:])


def test_a_file_that_is_not_a_photo_is_said_with_a_wrong_email_address(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    data = report_data(pothole, reporter_email="rita@", photos=[jpeg("hole.jpg"), not_a_photo("notes.jpg")])
    page = client.post("/independence/report/", data)
    html = page.content.decode()
    assert page.status_code == 400
    assert not ServiceRequest.objects.exists() and not Photo.objects.exists()
    summary = _summary(html)
    assert any(line.startswith("Your email:") for line in summary)
    assert f"Photos (up to 5): notes.jpg: {NOT_A_PHOTO}" in summary
    assert 'id="id_reporter_email_error"' in html and 'id="id_photos_error"' in html
    # The good photo is not named; what was typed is kept.
    assert "hole.jpg" not in html
    assert "A deep hole in the right lane</textarea>" in html and 'value="rita@"' in html


def test_a_photo_too_large_and_a_missing_place_are_said_together_every_bad_photo_named(client, catalogue, settings):
    settings.PHOTO_MAX_BYTES = 3000
    pothole = catalogue["independence"]["pothole"]
    big = _big_jpeg()
    assert big.size > settings.PHOTO_MAX_BYTES
    data = report_data(pothole, lat="", lng="", address="", photos=[big, not_a_photo("scan.pdf")])
    html = client.post("/independence/report/", data).content.decode()
    summary = _summary(html)
    assert CITY_PLACE in summary
    assert "Photos (up to 5): big.jpg: The photo is larger than 2 KB." in summary
    assert f"Photos (up to 5): scan.pdf: {NOT_A_PHOTO}" in summary
    assert not ServiceRequest.objects.exists()


def test_too_many_photos_are_said_with_a_wrong_email_address(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    data = report_data(pothole, reporter_email="rita@", photos=[jpeg(f"p{n}.jpg") for n in range(6)])
    summary = _summary(client.post("/independence/report/", data).content.decode())
    assert any(line.startswith("Your email:") for line in summary)
    assert "Photos (up to 5): Attach at most 5 photos." in summary
    assert not ServiceRequest.objects.exists()


def test_in_spanish_the_file_is_said_with_the_unanswered_question(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    data = report_data(pothole, attr_size="", photos=[not_a_photo("notas.jpg")])
    html = client.post("/independence/report/", data, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'id="id_attr_size_error"' in html
    assert "notas.jpg: Ese archivo no es una foto que podamos leer. Envíe una imagen JPEG, PNG, WebP o HEIC." in html
    assert "Por su seguridad, el navegador olvida las fotos elegidas: vuelva a elegirlas." in html
    assert not ServiceRequest.objects.exists()


def test_the_offline_queue_gets_the_bad_photo_with_the_other_mistakes(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    answer = client.post(
        "/report/",
        report_data(pothole, lat="", lng="", reporter_email="rita@", photos=[not_a_photo("notes.jpg")]),
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert set(errors) == {"reporter_email", "lat", "photos"}
    assert f"notes.jpg: {NOT_A_PHOTO}" in errors["photos"]


def test_good_photos_are_read_once_and_go_with_the_report(client, catalogue, monkeypatch):
    from civicdesk.portal import services

    reads = []
    real = services.process_photo
    monkeypatch.setattr(services, "process_photo", lambda upload: reads.append(upload.name) or real(upload))
    pothole = catalogue["independence"]["pothole"]
    answer = client.post("/independence/report/", report_data(pothole, photos=[jpeg("a.jpg"), jpeg("b.jpg")]))
    assert answer.status_code == 302
    assert ServiceRequest.objects.get().photos.count() == 2
    assert reads == ["a.jpg", "b.jpg"]
