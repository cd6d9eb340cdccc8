"""Users of each kind for the admin tests, and a test client logged in as any of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from shapely.geometry import mapping

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City
from tests.conftest import CITY_LIMITS, INSIDE


@pytest.fixture
def city_admin(independence: City, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")


@pytest.fixture
def kansas_city(cities: dict[str, City]) -> City:
    """Kansas City as a member of the region, with its real limits and no districts yet: the
    city whose council map (tests.admin.test_admin_scoping.KC_MAP) the import tests upload."""
    limits = json.loads((CITY_LIMITS / "kansas-city.json").read_text(encoding="utf-8"))
    boundary = json.loads(json.dumps(mapping(shape_from_geojson(limits))))
    return City.objects.create(
        region=cities["independence"].region,
        name="Kansas City",
        slug="kansas-city",
        jurisdiction_id="kcmo.gov",
        case_prefix="KC",
        boundary=boundary,
    )


@pytest.fixture
def kc_admin(kansas_city: City, make_staff: Callable[..., User]) -> User:
    return make_staff(kansas_city, Role.CITY_ADMIN, is_staff=True, username="kc-admin")


@pytest.fixture
def regional_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(None, Role.REGIONAL_ADMIN, is_staff=True, username="region-admin")


@pytest.fixture
def superuser(db: Any) -> User:
    return User.objects.create_superuser(username="operator", email="ops@example.org", password="a-long-test-password")


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def independence_case(trash: ServiceType) -> ServiceRequest:
    lat, lng = INSIDE["independence"]
    return services.case_create(
        service_type=trash,
        lat=lat,
        lng=lng,
        description="A sofa dumped on the curb",
        reporter_name="Rita Resident",
        reporter_email="rita@example.org",
        reporter_phone="816-555-0100",
    )
