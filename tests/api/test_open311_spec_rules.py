"""The four places where an independent reading of the GeoReport v2 specification
(http://wiki.open311.org/GeoReport_v2) found us out of step, each test named for the
rule it checks, in JSON and in XML."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import Datatype, ServiceAttribute, ServiceType
from civicdesk.tenants.models import City
from tests.api.conftest import API
from tests.api.open311_client import body, errors, get

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]


def _contact(doc: Any) -> str:
    return str(doc["contact"] if isinstance(doc, dict) else doc.findtext("contact") or "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_has_a_contact_with_or_without_a_jurisdiction(client: Any, cities: dict[str, City], fmt: str) -> None:
    """Discovery: "contact — contact information for those using the API"."""
    independence = cities["independence"]
    independence.email, independence.phone = "311@independence.example.org", "816-555-0311"
    independence.save()
    own = _contact(body(get(client, "discovery", fmt, jurisdiction_id=independence.jurisdiction_id)))
    assert own == "Independence, 311@independence.example.org, 816-555-0311"
    every = _contact(body(get(client, "discovery", fmt)))
    assert "311@independence.example.org" in every
    assert all(city.name in every for city in cities.values())


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_contact_is_the_operators_when_configured(
    client: Any, cities: dict[str, City], settings: Any, fmt: str
) -> None:
    settings.OPEN311_CONTACT = "The 311 collaborative, api@311.example.org"
    assert _contact(body(get(client, "discovery", fmt))) == "The 311 collaborative, api@311.example.org"


@pytest.mark.parametrize("fmt", FORMATS)
def test_attribute_order_counts_from_one_as_1_is_shown_first(
    client: Any, independence: City, make_service_type: Callable[..., ServiceType], fmt: str
) -> None:
    """Service definition: "order — a number that represents the order of the attribute in
    the list. 1 is shown first". Our stored order may start at 0 and skip numbers."""
    graffiti = make_service_type(independence, "graffiti", name="Graffiti")
    for order, code in ((0, "surface"), (0, "colour"), (7, "size")):
        ServiceAttribute.objects.create(
            service_type=graffiti, code=code, datatype=Datatype.STRING, question=code, order=order
        )
    doc = body(get(client, "services/graffiti", fmt, jurisdiction_id=independence.jurisdiction_id))
    if fmt == "json":
        listed = [(a["code"], a["order"]) for a in doc["attributes"]]
    else:
        listed = [(a.findtext("code"), int(a.findtext("order") or 0)) for a in doc.findall("attributes/attribute")]
    assert listed == [("colour", 1), ("surface", 2), ("size", 3)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_to_an_unknown_or_confidential_service_code_is_a_404(
    client: Any,
    independence: City,
    asks_everything: ServiceType,
    secret_type: ServiceType,
    api_key: str,
    fmt: str,
) -> None:
    """POST Service Request, errors: a service_code that is not found is a 404."""
    for code in ("no-such-thing", secret_type.code):
        response = client.post(
            f"{API}/requests.{fmt}",
            {
                "jurisdiction_id": independence.jurisdiction_id,
                "api_key": api_key,
                "service_code": code,
                "address_string": "1 Main",
            },
        )
        assert response.status_code == 404, response.content
        assert errors(response) == [{"code": 404, "description": f"No service “{code}” in Independence."}]
    assert not ServiceRequest.objects.exists()
