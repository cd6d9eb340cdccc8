"""When every query fails as it does while the database is down (the driver raises
OperationalError), each kind of caller gets a 503 with Retry-After in its own terms, and
nothing was written. Runs on SQLite and PostgreSQL; tests/ops/test_faults.py stops a real
PostgreSQL server under load for the same behaviour end to end.

The failure is made at the database driver's edge (``connection.execute_wrapper``), below
all of civicdesk's code, so the views, middleware and handlers run as they do in
production."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core.unavailable import RETRY_AFTER_SECONDS
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

DOWN = "server closed the connection unexpectedly"


@contextlib.contextmanager
def database_down() -> Iterator[None]:
    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise OperationalError(DOWN)

    with connection.execute_wrapper(refuse):
        yield


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Traceback" not in body and DOWN not in body  # the caller is not shown internals


def test_a_resident_gets_a_page_that_says_to_try_again_shortly(cities: Any) -> None:
    client = Client(raise_request_exception=False)
    for url in ("/", "/independence/", "/independence/report/", "/independence/requests/"):
        with database_down():
            response = client.get(url)
        assert_unavailable(response)
        page = response.content.decode()
        assert "briefly unavailable" in page and "try again in a minute" in page, url


def test_an_open311_application_gets_the_georeport_error_document(cities: Any, trash: ServiceType) -> None:
    client = Client(raise_request_exception=False)
    with database_down():
        as_json = client.get("/open311/v2/services.json")
        as_xml = client.get("/open311/v2/requests.xml")
    assert_unavailable(as_json)
    [error] = json.loads(as_json.content)
    assert error["code"] == 503 and "try again" in error["description"]
    assert_unavailable(as_xml)
    assert as_xml["Content-Type"].startswith("text/xml")
    assert b"<errors><error><code>503</code>" in as_xml.content


def test_a_report_sent_while_the_database_is_down_is_refused_whole(cities: Any, trash: ServiceType) -> None:
    client = Client(raise_request_exception=False)
    lat, lng = INSIDE["independence"]
    with database_down():
        response = client.post(
            "/independence/report/",
            {"service_type": trash.pk, "description": "Sofa on the curb", "lat": lat, "lng": lng},
        )
    assert_unavailable(response)
    assert ServiceRequest.objects.count() == 0  # the database is back: nothing half-written


def test_a_client_that_asks_for_json_gets_json(cities: Any) -> None:
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/independence/", HTTP_ACCEPT="application/json")
    assert_unavailable(response)
    assert "try again" in response.json()["error"]


def test_a_programming_error_is_still_a_plain_500_not_a_503(cities: Any) -> None:
    """Only an unreachable database is "try again": a bug must not be disguised as one."""

    def broken(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise ZeroDivisionError("a bug")

    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(broken):
        response = client.get("/independence/")
    assert response.status_code == 500
    assert "Retry-After" not in response
