"""A small world for the security tests: two member cities, cases whose residents have
distinctive names, addresses and phone numbers, internal notes and photos (public and
internal), staff of every role in both cities, and an Open311 key."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import Photo, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City
from tests.cases.images import jpeg_with_gps
from tests.conftest import INSIDE

# Strings that must never reach a public page, feed, export or the API.
SECRETS = {
    "reporter name": "Zebulon Quackenbush",
    "reporter email": "zebulon.quackenbush@private-mail.example",
    "reporter phone": "816-555-0199",
    "internal note": "Internal: owner is Mr Vexillology, gate code 7731",
    "internal photo name": "internal-evidence-vexillology.jpg",
}


@dataclass
class World:
    cities: dict[str, City]
    service_type: ServiceType
    cases: list[ServiceRequest]
    closed: ServiceRequest
    public_photo: Photo
    internal_photo: Photo
    staff: dict[tuple[str, str], User] = field(default_factory=dict)
    api_key: str = ""


@pytest.fixture
def world(
    cities: dict[str, City],
    trash: ServiceType,
    make_staff: Callable[..., User],
    settings: Any,
    tmp_path: Any,
) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    independence, raytown = cities["independence"], cities["raytown"]
    staff = {}
    for city in (independence, raytown):
        for role in (Role.CALL_TAKER, Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN, Role.INVESTIGATOR):
            staff[(city.slug, role)] = make_staff(
                city,
                role,
                department=trash.department if city == independence else None,
                is_staff=role == Role.CITY_ADMIN,
            )
    worker = staff[("independence", Role.WORKER)]
    lat, lng = INSIDE["independence"]
    cases = [
        services.case_create(
            service_type=trash,
            lat=lat,
            lng=lng,
            description=f"Mattress number {n} left by the alley",
            reporter_name=SECRETS["reporter name"],
            reporter_email=SECRETS["reporter email"],
            reporter_phone=SECRETS["reporter phone"],
        )
        for n in range(2)
    ]
    services.case_add_note(case=cases[0], actor=worker, text=SECRETS["internal note"], public=False)
    services.case_add_note(case=cases[0], actor=worker, text="Crew on the way", public=True)
    public_photo = services.case_add_photo(
        case=cases[0], actor=None, actor_label="resident", upload=io.BytesIO(jpeg_with_gps()), filename="sofa.jpg"
    )
    internal_photo = services.case_add_photo(
        case=cases[0],
        actor=worker,
        upload=io.BytesIO(jpeg_with_gps()),
        filename=SECRETS["internal photo name"],
        public=False,
    )
    closed = cases[1]
    services.case_close(case=closed, actor=worker, resolution="resolved", note="Picked up")
    _key, raw_key = api_key_create(city=independence, name="Pothole Pal")
    return World(
        cities={"independence": independence, "raytown": raytown},
        service_type=trash,
        cases=cases,
        closed=closed,
        public_photo=public_photo,
        internal_photo=internal_photo,
        staff=staff,
        api_key=raw_key,
    )
