"""The districts list a new city's checklist links to ("Do it" on Council districts) filters in
a clerk's words, in English and Spanish: "By map: Current map / Retired (kept with their
cases)" and "By trial map", not Django's "By retired on: Empty / Not empty" and "By is
illustrative"; each choice lists the districts it says."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import User
from civicdesk.tenants.models import City, District

pytestmark = pytest.mark.django_db


def _names(html: str) -> list[str]:
    return sorted(re.findall(r'<th class="field-name"><a href="[^"]+">([^<]+)</a>', html))


def test_the_districts_list_filters_by_the_current_map_or_the_retired_ones(
    independence: City, login: Callable[[User], Client], superuser: User
) -> None:
    District.objects.filter(city=independence).delete()
    District.objects.create(city=independence, name="Ward 1", number=1, boundary=independence.boundary)
    District.objects.create(
        city=independence,
        name="Citywide (map until 2026-12-04)",
        boundary=independence.boundary,
        retired_on=dt.date(2026, 12, 4),
        is_illustrative=True,
    )
    client = login(superuser)
    url = reverse("admin:tenants_district_changelist")
    own = {"city__id__exact": independence.pk}  # as the checklist links it

    page = client.get(url).content.decode()
    assert "By map" in page and "Current map" in page and "Retired (kept with their cases)" in page
    assert "By trial map" in page
    assert "By retired on" not in page and "By is illustrative" not in page

    assert _names(client.get(url, {**own, "map": "current"}).content.decode()) == ["Ward 1"]
    assert _names(client.get(url, {**own, "map": "retired"}).content.decode()) == ["Citywide (map until 2026-12-04)"]
    assert _names(client.get(url, {**own, "is_illustrative__exact": "1"}).content.decode()) == [
        "Citywide (map until 2026-12-04)"
    ]

    spanish = client.get(url, headers={"Accept-Language": "es"}).content.decode()
    assert "Por mapa" in spanish and "Mapa actual" in spanish and "Retirados (se conservan con sus casos)" in spanish
    assert "Por mapa de prueba" in spanish
