"""Non-member neighbours: operators keep them in the admin, regional administrators read
them, city administrators do not see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdesk.tenants.models import NeighbourArea
from tests.conftest import CITY_LIMITS

pytestmark = pytest.mark.django_db


def test_an_operator_adds_a_neighbour_from_its_geojson_file(login, superuser, cities):
    client = login(superuser)
    with (CITY_LIMITS / "sugar-creek.json").open("rb") as fh:
        response = client.post(
            reverse("admin:tenants_neighbourarea_add"),
            {"name": "Sugar Creek (test)", "slug": "sugar-creek-test", "phone": "816-252-4400", "boundary_file": fh},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    area = NeighbourArea.objects.get(slug="sugar-creek-test")
    assert area.boundary["type"] in {"Polygon", "MultiPolygon"}


def test_a_regional_admin_reads_neighbours_and_a_city_admin_does_not_see_them(
    login, regional_admin, city_admin, cities
):
    listing = reverse("admin:tenants_neighbourarea_changelist")
    regional = login(regional_admin)
    assert regional.get(listing).status_code == 200
    assert regional.get(reverse("admin:tenants_neighbourarea_add")).status_code == 403
    assert login(city_admin).get(listing).status_code == 403
