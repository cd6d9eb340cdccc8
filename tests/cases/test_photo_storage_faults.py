"""A disk that is full (or object storage that fails) while a photo is saved.

Whatever the path — the portal's report form, the console's "add photos", an Open311 POST
with ``media`` — the person is told plainly that the photo could not be stored, and nothing
is left half-saved: no Photo row points at a missing file, and no file is left behind by a
change that was rolled back. (The service's own refusal, and a failure between the photo and
its thumbnail, are in test_case_photos.py; email intake in tests/intake.)
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, EventKind, Photo, ServiceRequest, SubmissionKey
from civicdesk.open311.services import api_key_create
from tests.cases import images
from tests.cases.helpers import (
    FullDiskStorage,
    assert_rows_and_files_agree,
    disk_fills_after,
    files_in,
    photo_storage_that_fills_up,
)
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

STORED_NOTHING = "could not be stored just now because of a problem on our side"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    with photo_storage_that_fills_up(settings, tmp_path / "media") as root:
        yield root


def upload(name: str = "curb.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, images.jpeg_with_gps(), content_type="image/jpeg")


def add(case: ServiceRequest, actor: Any) -> Photo:
    return services.case_add_photo(case=case, actor=actor, upload=io.BytesIO(images.jpeg_with_gps()), filename="a.jpg")


@pytest.fixture
def worker(independence: Any, trash: Any, make_staff: Any) -> Any:
    return make_staff(independence, Role.WORKER, department=trash.department)


# --- the service ------------------------------------------------------------------------------


def test_the_files_of_a_photo_whose_change_is_rolled_back_are_removed(media, report, worker):
    case = report()

    class Later(Exception):
        pass

    with pytest.raises(Later), transaction.atomic():
        add(case, worker)
        assert len(files_in(media)) == 2  # written, but not yet committed
        raise Later
    assert not Photo.objects.exists()
    assert files_in(media) == set()


def test_a_committed_photo_keeps_its_files(media, report, worker, django_capture_on_commit_callbacks):
    case = report()
    with django_capture_on_commit_callbacks(execute=True):
        photo = add(case, worker)
    assert {photo.image.name, photo.thumbnail.name} == files_in(media)
    assert_rows_and_files_agree(media)


# --- each place a photo comes in ---------------------------------------------------------------


def test_the_portal_refuses_a_report_whose_photo_cannot_be_stored_and_files_nothing(media, client, trash):
    lat, lng = INSIDE["independence"]
    disk_fills_after(2)  # the first photo and its thumbnail fit; the second photo does not
    response = client.post(
        "/independence/report/",
        {
            "service_type": trash.pk,
            "lat": lat,
            "lng": lng,
            "description": "A sofa dumped on the curb",
            "reporter_email": "rita@example.org",
            "channel": "web",
            "nearby_checked": "1",
            "client_token": "6f1c1f0e-0a8e-4d5e-9d55-1f7a3c3b7d11",
            "photos": [upload("first.jpg"), upload("second.jpg")],
        },
    )
    assert response.status_code == 400
    assert STORED_NOTHING in response.content.decode()
    assert "A sofa dumped on the curb" in response.content.decode()  # what was typed is kept
    assert not ServiceRequest.objects.exists()
    assert not SubmissionKey.objects.exists()
    assert files_in(media) == set()  # the first photo's files went with the rolled-back report

    # Once there is room again, the same submission goes through.
    FullDiskStorage.writes_left = None
    again = client.post(
        "/independence/report/",
        {
            "service_type": trash.pk,
            "lat": lat,
            "lng": lng,
            "description": "A sofa dumped on the curb",
            "channel": "web",
            "nearby_checked": "1",
            "photos": [upload("first.jpg")],
        },
    )
    assert again.status_code == 302
    assert ServiceRequest.objects.get().photos.count() == 1
    assert_rows_and_files_agree(media)


def test_the_console_refuses_photos_it_cannot_store_and_keeps_none_of_the_batch(media, report, worker):
    case = report()
    browser = Client()
    browser.force_login(worker)
    disk_fills_after(2)
    url = reverse("console:case_photos", kwargs={"city": case.city.slug, "number": case.number})
    response = browser.post(url, {"photos": [upload("one.jpg"), upload("two.jpg")], "public": "on"})
    assert response.status_code == 400
    assert STORED_NOTHING in response.content.decode()
    assert not case.photos.exists()
    assert [e.kind for e in CaseEvent.objects.filter(case=case)] == [EventKind.CREATED]
    assert files_in(media) == set()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_open311_post_whose_media_cannot_be_stored_is_a_503_to_retry_and_files_no_case(
    media, independence, trash, fmt
):
    _key, raw = api_key_create(city=independence, name="Pothole Pal")
    lat, lng = INSIDE["independence"]
    disk_fills_after(0)
    response = Client().post(
        f"/open311/v2/requests.{fmt}",
        {
            "api_key": raw,
            "jurisdiction_id": independence.jurisdiction_id,
            "service_code": trash.code,
            "lat": lat,
            "long": lng,
            "description": "A sofa dumped on the curb",
            "media": upload(),
        },
    )
    assert response.status_code == 503, response.content
    assert response["Retry-After"].isdigit()
    body = response.content.decode()
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 503 and STORED_NOTHING in error["description"]
    else:
        assert "<code>503</code>" in body and STORED_NOTHING in body
    assert not ServiceRequest.objects.exists()
    assert files_in(media) == set()
