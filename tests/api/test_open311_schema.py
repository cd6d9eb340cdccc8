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
    }
    listing = schema["paths"][f"{API}/requests.{{fmt}}"]
    assert set(listing["get"]["responses"]["200"]["content"]) == {"application/json", "text/xml"}
    assert set(listing["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    assert listing["get"]["responses"]["404"]["content"]["application/json"]["schema"]["type"] == "array"
    # No reporter contact details are ever part of an answer.
    request_fields = schema["components"]["schemas"]["ServiceRequest"]["properties"]
    assert not {"email", "phone", "first_name", "last_name"} & set(request_fields)
