"""The real PyPI client ``georeport`` (0.3.1), unchanged, against the API on a real port."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from georeport import GeoReport

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.cases.selectors import case_list_for_staff
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def as_list(value: Any) -> list[Any]:
    """xmltodict gives one repeated element as a dict, several as a list."""
    return value if isinstance(value, list) else [value]


@pytest.fixture
def two_types(
    independence: City, asks_everything: ServiceType, make_service_type: Callable[..., ServiceType]
) -> ServiceType:
    make_service_type(independence, "graffiti", name="Graffiti")
    return asks_everything


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_a_definition_requests_and_one_request(
    live_server: Any, independence: City, two_types: ServiceType, file_report: Callable[..., ServiceRequest], fmt: str
) -> None:
    first = file_report()
    second = file_report(description="Tyres by the creek")
    # A base URL with a trailing slash, as developers paste it.
    client = GeoReport(f"{live_server.url}/open311/v2/", jurisdiction=independence.jurisdiction_id, output_format=fmt)

    services = as_list(client.get_service_list())
    assert sorted(s["service_code"] for s in services) == ["graffiti", "trash"]
    trash = next(s for s in services if s["service_code"] == "trash")
    assert str(trash["metadata"]).lower() == "true"

    definition = client.get_service_definition("trash")
    attributes = as_list(definition["attributes"]["attribute"] if fmt == "xml" else definition["attributes"])
    assert {a["datatype"] for a in attributes} == {
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    }

    found = as_list(client.get_service_requests())
    assert sorted(r["service_request_id"] for r in found) == sorted([first.reference, second.reference])
    only_trash = as_list(client.get_service_requests(service_code="trash", status="open"))
    assert len(only_trash) == 2

    one = client.get_service_request(second.reference)
    assert one["service_request_id"] == second.reference
    assert one["description"] == "Tyres by the creek"
    assert one["status"] == "open"
    assert "rhonda" not in str(one).lower()


def test_a_request_posted_by_an_app_is_a_case_staff_see_in_their_queue(
    live_server: Any, independence: City, asks_everything: ServiceType, api_key: str, make_staff: Callable[..., Any]
) -> None:
    # georeport 0.3.1 cannot post, so the app's POST is a plain form-encoded HTTP request.
    lat, lng = INSIDE["independence"]
    response = requests.post(
        f"{live_server.url}/open311/v2/requests.json",
        data={
            "jurisdiction_id": independence.jurisdiction_id,
            "api_key": api_key,
            "service_code": "trash",
            "lat": lat,
            "long": lng,
            "description": "Couch on the sidewalk",
            "email": "app.user@example.org",
            "attribute[bags]": "2",
            "attribute[kind]": "sofa",
            "attribute[hazards][]": ["glass", "oil"],
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    [created] = response.json()
    staff = make_staff(independence, Role.CALL_TAKER)
    case = case_list_for_staff(user=staff).get(channel=Channel.OPEN311)
    assert created["service_request_id"] == case.reference
    assert case.description == "Couch on the sidewalk"
    assert case.attributes["hazards"] == ["glass", "oil"]

    read_back = GeoReport(
        f"{live_server.url}/open311/v2", jurisdiction=independence.jurisdiction_id, output_format="xml"
    )
    assert read_back.get_service_request(case.reference)["description"] == "Couch on the sidewalk"
