"""A small catalogue in two member cities sharing codes, as the demo's cities do."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicdesk.catalog.models import ServiceAttribute, ServiceType
from tests.cases.images import halves
from tests.conftest import INSIDE


def jpeg(name: str = "pothole.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    halves(80, 60).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def not_a_photo(name: str = "notes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is a text file, not a photo", content_type="image/jpeg")


@pytest.fixture
def catalogue(cities, make_service_type) -> dict[str, dict[str, ServiceType]]:
    """Potholes and graffiti in every city (same codes), with questions in Independence and
    Raytown, and a confidential type."""
    types: dict[str, dict[str, ServiceType]] = {}
    for slug, city in cities.items():
        pothole = make_service_type(city, "pothole", name="Pothole", group="Streets", keywords="road hole asphalt")
        graffiti = make_service_type(city, "graffiti", name="Graffiti", group="Neighbourhood")
        secret = make_service_type(city, "abuse", name="Elder abuse", group="Social services", is_confidential=True)
        types[slug] = {"pothole": pothole, "graffiti": graffiti, "abuse": secret}
        ServiceAttribute.objects.create(
            service_type=pothole,
            code="size",
            datatype="singlevaluelist",
            question="How big is it?",
            required=True,
            values=[{"key": "small", "name": "Smaller than a plate"}, {"key": "large", "name": "Larger than a plate"}],
            order=1,
        )
        ServiceAttribute.objects.create(
            service_type=pothole,
            code="lanes",
            datatype="multivaluelist",
            question="Which lanes?",
            values=[{"key": "left", "name": "Left"}, {"key": "right", "name": "Right"}],
            order=2,
        )
        ServiceAttribute.objects.create(
            service_type=pothole, code="depth", datatype="number", question="Depth in inches", order=3
        )
        ServiceAttribute.objects.create(
            service_type=pothole, code="seen", datatype="datetime", question="When did you see it?", order=4
        )
        ServiceAttribute.objects.create(
            service_type=pothole, code="more", datatype="text", question="Anything else?", order=5
        )
        ServiceAttribute.objects.create(
            service_type=pothole,
            code="safety",
            datatype="string",
            question="If a car is damaged, call the police.",
            variable=False,
            order=0,
        )
    return types


def report_data(service_type: ServiceType, city: str = "independence", **overrides: Any) -> dict[str, Any]:
    lat, lng = INSIDE[city]
    data: dict[str, Any] = {
        "service_type": service_type.pk,
        "lat": lat,
        "lng": lng,
        "address": "",
        "description": "A deep hole in the right lane",
        "attr_size": "large",
        "reporter_name": "Rita Reporter",
        "reporter_email": "rita@example.org",
        "reporter_phone": "816-555-0100",
        "notify_reporter": "on",
        "channel": "web",
        "nearby_checked": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
