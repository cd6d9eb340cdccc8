"""schemathesis against the API's own OpenAPI schema: whatever a client sends that the schema
allows, the answer is never a 5xx and always matches the schema (status, content type, body).

The data behind it is real: the five member cities, service types whose questions cover
every datatype, an application key and a few cases (one closed, one with a photo). Generated
requests mostly carry a real jurisdiction, key, service code or case id, so they reach the
code behind the first check; the rest keep their generated values and exercise the errors.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_add_note, case_add_photo, case_close
from civicdesk.catalog.models import ServiceType
from civicdesk.open311.models import Open311Submission
from civicdesk.tenants.models import City
from tests.api.conftest import API

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 15}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class Known:
    """Real values to put into generated requests."""

    jurisdiction_id = ""
    api_key = ""
    service_codes: list[str] = []
    request_ids: list[str] = []
    tokens: list[str] = []


KNOWN = Known()


@pytest.fixture
def open311_data(
    cities: dict[str, City],
    asks_everything: ServiceType,
    make_service_type: Callable[..., ServiceType],
    file_report: Callable[..., ServiceRequest],
    make_staff: Callable[..., Any],
    api_key: str,
    client: Any,
) -> None:
    independence = cities["independence"]
    make_service_type(independence, "graffiti", name="Graffiti")
    make_service_type(cities["raytown"], "potholes", name="Potholes")
    open_case, closed_case = file_report(), file_report(description="Tyres by the creek")
    worker = make_staff(independence, Role.WORKER, department=closed_case.department)
    case_add_note(case=closed_case, actor=worker, text="Crew sent.", public=True)
    case_add_note(case=closed_case, actor=worker, text="Staff only.", public=False)
    case_close(case=closed_case, actor=worker, note="Picked up.")
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(image, "JPEG")
    image.seek(0)
    case_add_photo(case=open_case, actor=worker, upload=image, filename="curb.jpg")
    posted = client.post(
        f"{API}/requests.json",
        {
            "jurisdiction_id": independence.jurisdiction_id,
            "api_key": api_key,
            "service_code": "graffiti",
            "address_string": "1 Main",
        },
    )
    assert posted.status_code == 201, posted.content
    KNOWN.jurisdiction_id = independence.jurisdiction_id
    KNOWN.api_key = api_key
    KNOWN.service_codes = ["trash", "graffiti"]  # trash asks a question of every datatype
    KNOWN.request_ids = [open_case.reference, closed_case.reference, posted.json()[0]["service_request_id"]]
    # POST answers carry the id alone; the token kept for the report still resolves.
    KNOWN.tokens = [Open311Submission.objects.get(case__number=int(KNOWN.request_ids[-1].rsplit("-", 1)[1])).token]


@pytest.fixture
def open311_schema(open311_data: None) -> Iterator[Any]:
    """The schema as the API serves it, called in-process through Django's WSGI app (so
    every request sees the test's data, inside the test's transaction).

    Django closes the database connection at the end of each request; Django's own test
    client stops it doing so, and so must this, or the test's transaction goes with it."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(f"{API}/openapi.json", get_wsgi_application())
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


def _pick(generated: Any, real: list[str]) -> Any:
    """A real value for three generated values in four (chosen by the value, so a failing
    example replays the same); the fourth keeps the generated one."""
    if not real:
        return generated
    digest = zlib.crc32(repr(generated).encode())
    return generated if digest % 4 == 0 else real[digest % len(real)]


def _with_real_values(case: Any) -> None:
    case.query = dict(case.query or {})
    case.query["jurisdiction_id"] = _pick(case.query.get("jurisdiction_id"), [KNOWN.jurisdiction_id])
    path = dict(case.path_parameters or {})
    for name, real in (
        ("service_code", KNOWN.service_codes),
        ("service_request_id", KNOWN.request_ids),
        ("token", KNOWN.tokens),
    ):
        if name in path:
            path[name] = _pick(path[name], real)
    case.path_parameters = path
    if "api_key" in case.query:
        case.query["api_key"] = _pick(case.query["api_key"], [KNOWN.api_key])
    if case.method.upper() == "POST" and isinstance(case.body, dict):
        case.body = {**case.body, "api_key": _pick(case.body.get("api_key"), [KNOWN.api_key])}
        # graffiti asks no questions: with a place, a report of it is accepted.
        case.body["service_code"] = _pick(case.body.get("service_code"), ["graffiti"])
        case.body["address_string"] = _pick(case.body.get("address_string"), ["1 Main"])


# The operations of the schema; test_open311_schema.py checks the schema has these paths.
OPERATIONS = [
    "discovery",
    "services_list",
    "service_definition",
    "requests_list",
    "requests_create",
    "request_get",
    "token_get",
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_the_api_never_fails_and_always_matches_its_schema(
    open311_schema: Any, operation_id: str, mode: GenerationMode
) -> None:
    operation = open311_schema.find_operation_by_id(operation_id)

    # The bound keeps the whole run to about a minute on the shared two-core machine.
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        _with_real_values(case)
        case.call_and_validate(checks=CHECKS)

    check()
