"""Fixtures for the Open311 API tests: a catalogue whose questions cover every Open311
datatype, a confidential type, an application key, and reports filed the ordinary way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.cases import services as case_services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import Datatype, ServiceAttribute, ServiceType
from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

API = "/open311/v2"


@pytest.fixture
def asks_everything(trash: ServiceType) -> ServiceType:
    """Independence's trash type, asking one question of each Open311 datatype."""
    questions = [
        ("location_detail", Datatype.STRING, "Where exactly?", False, []),
        ("bags", Datatype.NUMBER, "How many bags?", True, []),
        ("seen_at", Datatype.DATETIME, "When did you see it?", False, []),
        ("details", Datatype.TEXT, "Anything else?", False, []),
        (
            "kind",
            Datatype.SINGLEVALUELIST,
            "What is it?",
            True,
            [{"key": "sofa", "name": "Sofa"}, {"key": "tyres", "name": "Tyres"}],
        ),
        (
            "hazards",
            Datatype.MULTIVALUELIST,
            "Any hazards?",
            False,
            [{"key": "glass", "name": "Glass"}, {"key": "oil", "name": "Oil"}],
        ),
    ]
    for order, (code, datatype, question, required, values) in enumerate(questions, start=1):
        ServiceAttribute.objects.create(
            service_type=trash,
            code=code,
            datatype=datatype,
            question=question,
            required=required,
            values=values,
            order=order,
        )
    return trash


@pytest.fixture
def secret_type(independence: City, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(independence, "fraud-hotline", name="Fraud hotline", is_confidential=True)


@pytest.fixture
def file_report(asks_everything: ServiceType) -> Callable[..., ServiceRequest]:
    """File a report in Independence through the one intake service."""

    def make(**kw: Any) -> ServiceRequest:
        lat, lng = INSIDE["independence"]
        kw.setdefault("service_type", asks_everything)
        kw.setdefault("lat", lat)
        kw.setdefault("lng", lng)
        kw.setdefault("description", "A sofa dumped on the curb")
        kw.setdefault("reporter_name", "Rhonda Resident")
        kw.setdefault("reporter_email", "rhonda@example.org")
        kw.setdefault("reporter_phone", "816-555-0100")
        if kw["service_type"].attributes.exists():
            kw.setdefault("attributes", {"bags": "2", "kind": "sofa"})
        return case_services.case_create(**kw)

    return make


@pytest.fixture
def api_key(independence: City) -> str:
    _key, raw = api_key_create(city=independence, name="Pothole Pal")
    return raw
