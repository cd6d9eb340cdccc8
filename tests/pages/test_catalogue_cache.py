"""The catalogue the public reads (Open311 services and definitions, the browse page's problems)
is kept in the shared database cache, and an administrator's change shows at once
(civicdesk/catalog/cache.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicdesk.catalog.models import ServiceAttribute
from tests.pages.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept_catalogue(settings: Any) -> None:
    settings.CATALOGUE_CACHE_SECONDS = 3600


def services_url(world: World, path: str = "services.json") -> str:
    return f"/open311/v2/{path}?jurisdiction_id={world.city.jurisdiction_id}"


def names(client: Client, world: World) -> set[str]:
    return {s["service_name"] for s in client.get(services_url(world)).json()}


def test_the_services_list_is_kept_and_read_back_without_reading_the_catalogue(world: World, client: Client) -> None:
    first = client.get(services_url(world)).json()
    with CaptureQueriesContext(connection) as captured:
        again = client.get(services_url(world)).json()
    assert again == first
    assert not [q for q in captured.captured_queries if "catalog_service" in q["sql"]]


def test_a_renamed_type_shows_at_once_in_open311_and_on_the_browse_page(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    pothole = world.types[1]
    assert "Pothole" in names(client, world)
    client.get(f"/{world.city.slug}/requests/")
    with django_capture_on_commit_callbacks(execute=True):
        pothole.name = "Road hole"
        pothole.save()
    assert "Road hole" in names(client, world) and "Pothole" not in names(client, world)
    assert ">Road hole</option>" in client.get(f"/{world.city.slug}/requests/").content.decode()


def test_a_new_question_shows_at_once_in_the_service_definition(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    pothole = world.types[1]
    url = services_url(world, "services/pothole.json")
    assert client.get(url).json()["attributes"] == []
    with django_capture_on_commit_callbacks(execute=True):
        ServiceAttribute.objects.create(
            service_type=pothole, code="size", datatype="string", question="How big is it?", order=1
        )
    assert [a["code"] for a in client.get(url).json()["attributes"]] == ["size"]


def test_a_deactivated_type_leaves_the_list_and_its_definition_at_once(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    pothole = world.types[1]
    url = services_url(world, "services/pothole.json")
    assert client.get(url).status_code == 200 and "Pothole" in names(client, world)
    with django_capture_on_commit_callbacks(execute=True):
        pothole.active = False
        pothole.save()
    assert client.get(url).status_code == 404 and "Pothole" not in names(client, world)


def test_another_citys_change_leaves_this_citys_list_alone_and_both_stay_right(
    world: World, client: Client, raytown: Any, make_service_type: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = names(client, world)
    with django_capture_on_commit_callbacks(execute=True):
        make_service_type(raytown, "graffiti", name="Graffiti")
    assert names(client, world) == before
    raytown_names = {
        s["service_name"]
        for s in client.get(f"/open311/v2/services.json?jurisdiction_id={raytown.jurisdiction_id}").json()
    }
    assert "Graffiti" in raytown_names


def test_a_new_required_question_applies_at_once_to_open311_reports_in_every_process(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """A report reads its type from the process's own copy of the catalogue (kept under the
    city's reference version, tenants/reference.py). A question added meanwhile applies to the
    next report, here and in a process that still holds the copy from before."""
    from civicdesk.open311.services import api_key_create
    from civicdesk.tenants import reference
    from tests.conftest import INSIDE

    pothole = world.types[1]
    _key, raw = api_key_create(city=world.city, name="kept catalogue")
    lat, lng = INSIDE[world.city.slug]

    def post() -> Any:
        body = {"jurisdiction_id": world.city.jurisdiction_id, "api_key": raw, "service_code": pothole.code}
        return client.post("/open311/v2/requests.json", {**body, "lat": lat, "long": lng, "description": "A hole"})

    assert post().status_code == 201
    with CaptureQueriesContext(connection) as captured:
        assert post().status_code == 201
    assert not [q for q in captured.captured_queries if "open311-types" in q["sql"]], "the shared cache was read"
    before = dict(reference._kept)
    with django_capture_on_commit_callbacks(execute=True):
        ServiceAttribute.objects.create(
            service_type=pothole, code="depth", datatype="string", question="How deep?", required=True, order=1
        )
    reference._kept.update(before)  # another process's copy, made before the question
    refused = post()
    assert refused.status_code == 400 and "depth" in refused.content.decode()
