"""Residents' contact details and internal notes never reach a public page, the Open311 API,
a feed or an export. Every public URL of the URLconf (portal, reports, performance, Open311,
feeds, open data) is fetched with its path filled from the cases made here, and none may
contain the reporter's name, email or phone, an internal note, or the name of an internal
photo. The open-data files are generated first, downloaded and decompressed, and read too.

Photos: the public photo is served without EXIF (no GPS); internal photos are not served to
the public at all, whatever their predictable file name."""

from __future__ import annotations

import gzip
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.open311.models import Open311Submission
from civicdesk.opendata.models import Format
from civicdesk.opendata.services import download_name, open_data_export_all
from tests.conftest import INSIDE
from tests.security.conftest import SECRETS, World
from tests.security.urlwalk import paths, routes

pytestmark = pytest.mark.django_db

PUBLIC_NAMESPACES = {"portal", "reports", "performance", "open311", "opendata"}
# Pages reached only through a secret link sent to the reporter: checked for internal notes.
REPORTER_ONLY = {"portal:track", "portal:report-sent", "portal:unsubscribe"}
INTERNAL = {k: v for k, v in SECRETS.items() if k in {"internal note", "internal photo name"}}


def values(world: World) -> dict[str, list[Any]]:
    return {
        "city": ["independence", "raytown"],
        "number": [c.number for c in world.cases],
        "token": [world.cases[0].tracking_token],
        "fmt": ["json", "xml"],
        "kind": ["new", "closed"],
        "service_code": [world.service_type.code],
        "service_request_id": [str(c.pk) for c in world.cases],
        "rest": ["requests"],
        "period": ["2026", "2026-01"],
        "measure_id": ["1"],
        "measure": ["requests-opened"],
        # Every open-data file's name, of each city and of the collaborative (the pattern
        # refuses a city's name under another city's path: those are 404s, not fetched twice).
        "name": [download_name(city=c, fmt=f) for c in [*world.cities.values(), None] for f in Format],
    }


def overrides() -> dict[tuple[str, str], list[Any]]:
    return {("portal:feed", "fmt"): ["rss", "atom"]}


def public_urls(world: World) -> list[tuple[str, str]]:
    jurisdiction = world.cities["independence"].jurisdiction_id
    found = []
    for route in routes():
        if route.namespace not in PUBLIC_NAMESPACES:
            continue
        for url in paths(route, values(world), overrides()):
            if route.namespace == "open311":
                url += f"?jurisdiction_id={jurisdiction}&extensions=true"
            found.append((route.name, url))
    found += [
        ("reports:service-requests-csv", reverse("reports:service-requests-csv") + "?from=2020-01-01&to=2030-12-31"),
        ("reports:service-requests", reverse("reports:service-requests") + "?from=2020-01-01&to=2030-12-31"),
        ("portal:browse", reverse("portal:browse", kwargs={"city": "independence"}) + "?status=closed"),
    ]
    return found


def test_no_public_url_shows_a_residents_contact_details_or_internal_notes(world: World) -> None:
    open_data_export_all()
    client = Client()
    fetched, leaks, files = 0, [], 0
    for name, url in public_urls(world):
        response = client.get(url)
        if response.status_code >= 500:
            leaks.append(f"{url} answered {response.status_code}")
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code == 200 and response["Content-Type"] == "application/gzip":
            body = gzip.decompress(body)  # an open-data file: read what is inside
            files += 1
        text = body.decode("utf-8", errors="replace")
        fetched += response.status_code == 200
        watch = INTERNAL if name in REPORTER_ONLY else SECRETS
        leaks += [f"{url} shows the {what}" for what, secret in watch.items() if secret in text]
    assert not leaks, "\n".join(leaks)
    assert fetched > 30  # the pages were really there, not all 404s
    assert files == 2 * (len(world.cities) + 1)  # every open-data file was read


# What an application could send as media_url before it was checked (issue: Open311 relayed
# any string as a case's picture). Rows holding these are stored below, as old rows are.
UNSAFE_SCHEMES = ("javascript:", "data:", "file:")


def test_no_public_url_serves_a_stored_script_data_or_file_url(world: World) -> None:
    """Open311 (JSON and XML, every endpoint) and the feeds never hand out a ``javascript:``,
    ``data:`` or ``file:`` URL, even from rows stored before ``media_url`` was checked."""
    lat, lng = INSIDE["independence"]
    Open311Submission.objects.create(case=world.closed, media_url="javascript:alert(document.cookie)")
    for url in ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "file:///etc/passwd"):
        case = services.case_create(service_type=world.service_type, lat=lat, lng=lng, description="Sofa by the gate")
        Open311Submission.objects.create(case=case, media_url=url)
    client = Client()
    fetched, found = 0, []
    for name, url in public_urls(world):
        if not name.startswith(("open311:", "portal:feed")):
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        text = (b"".join(response.streaming_content) if response.streaming else response.content).decode().lower()
        fetched += response.status_code == 200
        found += [f"{url} serves {scheme}" for scheme in UNSAFE_SCHEMES if scheme in text]
    assert not found, "\n".join(found)
    assert fetched >= 10


def test_the_case_page_and_the_api_do_show_what_is_public(world: World) -> None:
    # The check above would pass on empty pages: here the public facts are present.
    case = world.cases[0]
    page = Client().get(reverse("portal:case", kwargs={"city": "independence", "number": case.number}))
    assert "Crew on the way" in page.content.decode()
    assert world.public_photo.thumbnail.url in page.content.decode()
    assert world.internal_photo.thumbnail.url not in page.content.decode()


def exif_of(data: bytes) -> dict[int, Any]:
    with Image.open(io.BytesIO(data)) as img:
        return dict(img.getexif())


def test_a_public_photo_is_served_without_exif(world: World) -> None:
    response = Client().get(world.public_photo.image.url)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    assert exif_of(data) == {}
    thumb = Client().get(world.public_photo.thumbnail.url)
    assert exif_of(b"".join(thumb.streaming_content)) == {}


def test_internal_photos_are_not_served_to_the_public_but_are_to_the_citys_staff(world: World) -> None:
    for url in (world.internal_photo.image.url, world.internal_photo.thumbnail.url):
        assert Client().get(url).status_code == 404
    staff = Client()
    staff.force_login(world.staff[("independence", Role.WORKER)])
    assert staff.get(world.internal_photo.image.url).status_code == 200
    other_city = Client()
    other_city.force_login(world.staff[("raytown", Role.SUPERVISOR)])
    assert other_city.get(world.internal_photo.image.url).status_code == 404


def test_a_file_that_is_no_photo_is_not_served(world: World) -> None:
    assert Client().get("/media/../config/settings.py").status_code == 404
    assert Client().get("/media/cases/independence/999999/999999-1.jpg").status_code == 404
