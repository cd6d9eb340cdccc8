"""City administrators manage their own city's Open311 application keys in the admin."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from civicdesk.accounts.models import Role
from civicdesk.open311 import selectors
from civicdesk.open311.models import Open311ApiKey
from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_admin(independence: City, make_staff: Callable[..., Any]) -> Any:
    return make_staff(independence, Role.CITY_ADMIN, is_staff=True)


def test_a_city_admin_creates_a_key_and_sees_it_once(client: Any, independence: City, city_admin: Any) -> None:
    client.force_login(city_admin)
    response = client.post("/admin/open311/open311apikey/add/", {"name": "Pothole Pal", "active": "on"}, follow=True)
    assert response.status_code == 200
    shown = re.search(r"The key for Pothole Pal is (\S+) \(jurisdiction_id=([^)]+)\)", response.content.decode())
    assert shown is not None
    raw_key, jurisdiction = shown.groups()
    assert jurisdiction == independence.jurisdiction_id
    key = Open311ApiKey.objects.get()
    assert key.city == independence
    assert key.key_digest != raw_key  # only a digest is stored
    assert selectors.api_key_for(city=independence, raw_key=raw_key) == key


def test_a_spanish_reading_city_admin_is_shown_the_new_key_in_spanish(
    client: Any, independence: City, city_admin: Any
) -> None:
    client.force_login(city_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.post("/admin/open311/open311apikey/add/", {"name": "Pothole Pal", "active": "on"}, follow=True)
    shown = re.search(
        r"La clave de Pothole Pal es (\S+) \(jurisdiction_id=([^)]+)\)\. Cópiela ahora: no se vuelve a mostrar\.",
        response.content.decode(),
    )
    assert shown is not None
    raw_key, jurisdiction = shown.groups()
    assert jurisdiction == independence.jurisdiction_id
    assert selectors.api_key_for(city=independence, raw_key=raw_key) == Open311ApiKey.objects.get()


def test_a_city_admin_sees_only_their_own_citys_keys(
    client: Any, independence: City, raytown: City, city_admin: Any
) -> None:
    api_key_create(city=independence, name="Ours")
    theirs, _raw = api_key_create(city=raytown, name="Theirs")
    client.force_login(city_admin)
    listing = client.get("/admin/open311/open311apikey/").content.decode()
    assert "Ours" in listing
    assert "Theirs" not in listing
    assert client.get(f"/admin/open311/open311apikey/{theirs.pk}/change/").status_code in (302, 404)


def test_other_staff_cannot_manage_keys(client: Any, independence: City, make_staff: Callable[..., Any]) -> None:
    worker = make_staff(independence, Role.WORKER, is_staff=True)
    client.force_login(worker)
    assert client.get("/admin/open311/open311apikey/").status_code == 403
