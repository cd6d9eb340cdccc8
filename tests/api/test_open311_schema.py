"""The OpenAPI schema of the Open311 API, served beside it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_endpoint_in_json_and_xml(client: Any) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        f"{API}/discovery.{{fmt}}",
        f"{API}/services.{{fmt}}",
        f"{API}/services/{{service_code}}.{{fmt}}",
        f"{API}/requests.{{fmt}}",
        f"{API}/requests/{{service_request_id}}.{{fmt}}",
        f"{API}/tokens/{{token}}.{{fmt}}",
    }
    listing = schema["paths"][f"{API}/requests.{{fmt}}"]
    assert set(listing["get"]["responses"]["200"]["content"]) == {"application/json", "text/xml"}
    assert set(listing["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    assert listing["get"]["responses"]["404"]["content"]["application/json"]["schema"]["type"] == "array"
    # No reporter contact details are ever part of an answer (only of the POST form).
    # (account_id in a POST answer is the spec's field and always empty: see the HTTP tests.)
    private = {"email", "phone", "first_name", "last_name", "device_id"}
    answer_components = {name for name in schema["components"]["schemas"] if name != "RequestInput"}
    assert {"ExtendedServiceRequest", "ExtendedAttributes", "CreatedRequest", "Token"} <= answer_components
    for name in answer_components:
        assert not private & set(schema["components"]["schemas"][name].get("properties", {})), name
    assert "extended_attributes" not in schema["components"]["schemas"]["ExtendedServiceRequest"]["required"]
