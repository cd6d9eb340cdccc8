"""Photos and open-data files in an S3-compatible object store (OBJECT_STORAGE_URL).

The store is a real S3 server process on loopback (tests/s3_server.py). The bucket stays
private: every file is served by the app, which checks who may see it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from PIL import Image

from civicdesk.cases import services
from civicdesk.cases.models import Photo, ServiceRequest
from civicdesk.opendata import services as opendata
from civicdesk.opendata.models import Format
from civicdesk.opendata.services import download_name
from config.env import object_storage
from tests.cases import images
from tests.conftest import INSIDE
from tests.storage.conftest import Bucket

pytestmark = pytest.mark.django_db


def add(case: ServiceRequest, actor: Any, *, public: bool = True) -> Photo:
    return services.case_add_photo(
        case=case, actor=actor, upload=io.BytesIO(images.jpeg_with_gps()), filename="curb.jpg", public=public
    )


def files_on_disk() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def worker(independence: Any, trash: Any, make_staff: Any) -> Any:
    from civicdesk.accounts.models import Role

    return make_staff(independence, Role.WORKER, department=trash.department)


def test_a_photo_and_its_thumbnail_go_to_the_bucket_without_exif_and_nothing_to_disk(
    bucket: Bucket, report, worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = add(report(), worker)
    assert bucket.names() == sorted([photo.image.name, photo.thumbnail.name])
    stored = bucket.read(photo.image.name)
    assert b"Exif" not in stored and b"PhoneMaker" not in stored
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}
    assert files_on_disk() == []


def test_a_public_photo_is_served_by_the_app_and_the_bucket_is_never_named(bucket: Bucket, report, worker):
    case = report()
    photo = add(case, worker)
    assert photo.image.url == f"/media/{photo.image.name}"
    response = Client().get(photo.image.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == bucket.read(photo.image.name)
    page = Client().get(reverse("portal:track", args=[case.tracking_token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert photo.thumbnail.url in html or photo.image.url in html
    assert bucket.server.endpoint.removeprefix("http://") not in html and bucket.name not in html


def test_an_internal_photo_is_refused_to_the_public_and_shown_to_staff(bucket: Bucket, report, worker):
    photo = add(report(), worker, public=False)
    assert Client().get(photo.image.url).status_code == 404
    staff = Client()
    staff.force_login(worker)
    response = staff.get(photo.image.url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == bucket.read(photo.image.name)


def test_a_rolled_back_change_leaves_no_object_in_the_bucket(bucket: Bucket, report, worker):
    case = report()

    class Later(Exception):
        pass

    with pytest.raises(Later), transaction.atomic():
        add(case, worker)
        assert len(bucket.names()) == 2  # written, not yet committed
        raise Later
    assert not Photo.objects.exists()
    assert bucket.names() == []


def test_a_resident_report_with_a_photo_through_the_portal_lands_in_the_bucket(bucket: Bucket, client, trash):
    lat, lng = INSIDE["independence"]
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
            "client_token": "0c5b1a52-3f0e-4c1e-8d8a-0b7f0e0b5a11",
            "photos": [SimpleUploadedFile("sofa.jpg", images.jpeg_with_gps(), content_type="image/jpeg")],
        },
    )
    assert response.status_code in (200, 302), response.content[:500]
    photo = Photo.objects.get()
    assert photo.image.name in bucket.names() and photo.thumbnail.name in bucket.names()
    assert files_on_disk() == []


def test_open_data_files_are_written_to_the_bucket_and_downloaded_through_the_app(bucket: Bucket, report):
    city = report().city
    stored = opendata.open_data_export(city=city, fmt=Format.CSV)
    assert [k for k in bucket.names() if k.startswith(settings.OPEN_DATA_PREFIX)] == [stored.name]
    response = Client().get(reverse("opendata:city-file", args=[city.slug, download_name(city=city, fmt=Format.CSV)]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == bucket.read(stored.name)
    assert files_on_disk() == []


def test_object_storage_url_is_read_as_an_operator_writes_it() -> None:
    entry = object_storage("s3://KEY:se%2Fcret@minio.internal:9000/civicdesk/photos?tls=0")
    assert entry == {
        "BACKEND": "civicdesk.core.storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": "civicdesk",
            "location": "photos",
            "endpoint_url": "http://minio.internal:9000",
            "region_name": "us-east-1",
            "addressing_style": "path",
            "access_key": "KEY",
            "secret_key": "se/cret",
        },
    }
    assert object_storage("") is None
    with pytest.raises(ValueError, match="needs a host and a bucket"):
        object_storage("s3://KEY:SECRET@minio.internal:9000/")
    with pytest.raises(ValueError, match="unknown scheme"):
        object_storage("gs://bucket")
    # No key in the URL: boto3 finds it itself (environment, instance role).
    assert "access_key" not in object_storage("s3://s3.amazonaws.com/civicdesk?region=us-east-2")["OPTIONS"]  # type: ignore[index,operator]
